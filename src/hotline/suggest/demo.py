"""The dispatch suggestion's demo step: train once, so the workstation shows suggestions.

The model learns the units from the demo's dispatched tickets and, when the Teddy Cup data is
beside the repository (``../shared/data/teddycup2020c``) or named by ``HOTLINE_SUGGEST_DATA``,
the subject categories from a sample of its messages (``DEMO_FILE_LIMIT``, no extra titles:
a few seconds; ``hotline suggest train --from-file`` learns from all of them).
Without the file the categories are the ticket types learned from the demo's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.suggest.services import suggest_train, teddycup_data

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

#: Teddy Cup examples the demo's model learns the categories from (the bench uses all).
DEMO_FILE_LIMIT = 800


def suggest_demo(options: DemoOptions) -> list[str]:
    """Train the suggestion model once (``SuggestConfig.demo_loader``)."""
    from hotline.suggest.models import LearnedModel

    if LearnedModel.objects.exists():
        return ["Dispatch suggestion: a model is already trained."]
    data = teddycup_data()
    result = suggest_train(from_file=data, file_limit=DEMO_FILE_LIMIT, quick=True, now=options.now)
    learned = result.summary
    source = f"{learned['file']['trained_on']} Teddy Cup messages" if data else "no file"
    return [
        f"Dispatch suggestion: trained on {learned['history']} dispatched tickets and "
        f"{source} in {learned['seconds']} s."
    ]
