"""The indicators (STATS-1, St1, A20): one definition each, used by every screen and export.

Counts come from the rollups (``facts.ticket_facts`` decides each ticket's part); the rates
below are the only formulas. docs/metrics.md states every one in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str | Promise
    kind: str  # count | rate


#: Every indicator, counts first, in the order of the screens and reports.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("registered", pgettext_lazy("count", "Registered"), "count"),
    Indicator("accepted", _("Accepted"), "count"),
    Indicator("rejected", _("Not accepted"), "count"),
    Indicator("navigated", _("Navigation help"), "count"),
    Indicator("answered", _("Answered directly"), "count"),
    Indicator("received", _("Received"), "count"),
    Indicator("signed_in_time", _("Signed in time"), "count"),
    Indicator("contacted_in_time", _("First contact in time"), "count"),
    Indicator("replied", _("Replied"), "count"),
    Indicator("on_time", _("On time"), "count"),
    Indicator("overdue", _("Overdue"), "count"),
    Indicator("extended", _("Extended"), "count"),
    Indicator("explained", _("Deferred (explained)"), "count"),
    Indicator("returned", _("Returned"), "count"),
    Indicator("redispatched", _("Re-dispatched"), "count"),
    Indicator("redo", _("Redo orders"), "count"),
    Indicator("supervised", _("Supervised"), "count"),
    Indicator("reminders", _("Reminder notices"), "count"),
    Indicator("closed", _("Closed"), "count"),
    Indicator("callbacks", _("Callbacks made"), "count"),
    Indicator("unreached", _("Callbacks unreached"), "count"),
    Indicator("satisfied", _("Satisfied"), "count"),
    Indicator("basically_satisfied", _("Basically satisfied"), "count"),
    Indicator("dissatisfied", _("Dissatisfied"), "count"),
    Indicator("solved", pgettext_lazy("indicator", "Solved"), "count"),
    Indicator("on_time_rate", _("On-time completion rate"), "rate"),
    Indicator("completion_rate", _("Completion rate"), "rate"),
    Indicator("satisfaction_rate", _("Satisfaction rate"), "rate"),
    Indicator("strict_satisfaction_rate", _("Strict satisfaction rate"), "rate"),
    Indicator("callback_rate", _("Callback rate"), "rate"),
    Indicator("solved_rate", _("Solved rate"), "rate"),
    Indicator("redo_rate", _("Redo rate"), "rate"),
    Indicator("direct_answer_rate", _("Direct-answer rate"), "rate"),
    Indicator("kb_timeliness_rate", _("Knowledge-base update timeliness"), "rate"),
)
LABELS = {i.code: i.label for i in INDICATORS}


def ratio(numerator: int, denominator: int) -> float | None:
    """Return ``numerator / denominator`` rounded to 4 places; None when nothing is counted."""
    if denominator <= 0:
        return None
    return round(numerator / denominator, 4)


def rates(s: Mapping[str, int]) -> dict[str, float | None]:
    """Return every rate of A20 from summed counts ``s``."""
    rated = s["satisfied"] + s["basically_satisfied"] + s["dissatisfied"]
    return {
        "on_time_rate": ratio(s["on_time"], s["on_time"] + s["overdue"]),
        "completion_rate": ratio(s["replied"], s["received"]),
        "satisfaction_rate": ratio(s["satisfied"] + s["basically_satisfied"], rated),
        "strict_satisfaction_rate": ratio(s["satisfied"], rated),
        "callback_rate": ratio(min(s["callbacks"], s["closed"]), s["closed"]),
        "solved_rate": ratio(s["solved"], s["callbacks"]),
        "redo_rate": ratio(s["redo"], s["replied"]),
        "direct_answer_rate": ratio(s["answered"], s["accepted"]),
    }
