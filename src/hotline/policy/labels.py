"""What people read for a profile's limits, clock starts and callback mode (issue 19).

The profile keeps codes (``working_days``, ``receipt``, ``every_ticket``); pages show these
names through gettext, so the Chinese interface never shows the codes and the English one
reads English.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

STARTS: dict[str, Any] = {
    "registration": pgettext_lazy("clock start", "Registration"),
    "review": pgettext_lazy("clock start", "Review before dispatch"),
    "receipt": pgettext_lazy("clock start", "Receipt by the unit"),
    "call": pgettext_lazy("clock start", "The call"),
    "direct_answer": pgettext_lazy("clock start", "End of the direct answer"),
    "result_received": pgettext_lazy("clock start", "Result received by the centre"),
    "reply": pgettext_lazy("clock start", "The unit's reply"),
    "deadline": pgettext_lazy("clock start", "The deadline being extended"),
    "release": pgettext_lazy("clock start", "Release of new information"),
    "event": pgettext_lazy("clock start", "The sudden event"),
    "notice": pgettext_lazy("clock start", "The reminder notice"),
    "service_done": pgettext_lazy("clock start", "Service finished"),
    "close": pgettext_lazy("clock start", "Closing"),
}

CALLBACK_MODES: dict[str, Any] = {
    "every_ticket": pgettext_lazy("callback mode", "Every ticket"),
    "monthly_share": pgettext_lazy("callback mode", "A monthly share of tickets"),
    "periodic_sample": pgettext_lazy("callback mode", "A periodic sample"),
    "feedback_sheet": pgettext_lazy("callback mode", "Feedback sheets"),
}


def start_label(code: str) -> str:
    """Return what starts a clock, in the active language (the code itself if unknown)."""
    label = STARTS.get(code)
    return str(label) if label is not None else code


def callback_mode_label(code: str) -> str:
    """Return the callback mode's name in the active language (the code if unknown)."""
    label = CALLBACK_MODES.get(code)
    return str(label) if label is not None else code


def limit_text(unit: object, length: int | None) -> str:
    """Return a limit as people read it ("15个工作日", "15 working days")."""
    key = str(getattr(unit, "value", unit))
    if length is not None:
        if key == "working_days":
            return ngettext("%(n)s working day", "%(n)s working days", length) % {"n": length}
        if key == "calendar_days":
            return ngettext("%(n)s calendar day", "%(n)s calendar days", length) % {"n": length}
        if key == "hours":
            return ngettext("%(n)s hour", "%(n)s hours", length) % {"n": length}
        if key == "minutes":
            return ngettext("%(n)s minute", "%(n)s minutes", length) % {"n": length}
    words = {"none": _("no limit"), "at_once": _("at once"), "same_day": _("the same day")}
    return str(words.get(key, key))
