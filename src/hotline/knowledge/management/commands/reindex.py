"""``hotline reindex``: rebuild the knowledge-base search index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from hotline.knowledge.follow import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild this machine's knowledge-base search index from the database (vectors come "
        "from the embedding cache; the worker's embedding pass adds those missing); it then "
        "follows the change sequence from there."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = rebuild()["indexed"]
        self.stdout.write(f"Indexed {count} articles in {time.monotonic() - started:.1f} s.")
