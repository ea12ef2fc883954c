"""``hotline deadline``: the time-limit calculator (a contract: tests and outside systems use it).

Prints the due instant in ISO 8601 with its offset, or ``none`` when the profile sets no
limit; ``--json`` prints ``{"due_at", "provisional", "basis", "unit", "length"}``. Bad input
exits with status 2 and one line on stderr.

Without a migrated database (a fresh checkout, a laptop) it still answers, on the packaged
calendar (the State Council's published years and the Monday–Friday fallback), and says on
stderr that the centre's calendar overrides were not consulted (issue 19).
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from hotline.policy.calendar import WorkCalendar
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.services import calendar_current

#: The event each start word of a profile means, for ``--start``'s help.
START_EVENTS = {
    "registration": "the registration of the call or request",
    "call": "the call itself",
    "review": "the centre's review before dispatch",
    "receipt": "the dispatch (the unit receives the ticket)",
    "deadline": "the reply deadline being extended",
    "reply": "the unit's reply to the citizen",
    "result_received": "the centre receiving the unit's result",
    "direct_answer": "the end of a direct answer",
    "service_done": "the end of a franchisee's service",
    "close": "the closing of the ticket",
    "release": "the release of new information",
    "event": "the occurrence of a sudden event",
    "notice": "a reminder notice",
}

#: Said on stderr when the database could not be read.
NO_OVERRIDES = (
    "注意：数据库未迁移或不可用，未查询本中心的日历调整，按随软件发布的日历计算"
    "（运行 hotline migrate 后可使用日历调整）。"
)


def start_help() -> str:
    """Return ``--start``'s help: which event each clock of the default profile starts from."""
    from hotline.policy.profiles import load_profile

    try:
        profile = load_profile(settings.HOTLINE_PROFILE)
    except Exception:
        return "The instant of the event the clock starts from (ISO 8601 with offset)."
    lines = [
        f"{name}: {START_EVENTS.get(clock.starts, clock.starts)}"
        for name, clock in profile.clocks.items()
    ]
    return (
        "The instant of the event the clock starts from, ISO 8601 with offset, e.g. "
        "2026-09-30T15:00:00+08:00. Under "
        f"{settings.HOTLINE_PROFILE}: " + "; ".join(lines) + "."
    )


class Command(BaseCommand):
    help = "Compute a deadline: hotline deadline --clock reply --category help --start ISO"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", default=None, help="Policy profile (HOTLINE_PROFILE).")
        parser.add_argument("--clock", required=True, help="dispatch, first_contact, reply, …")
        parser.add_argument("--category", default=None, help="consultation, help, complaint, …")
        parser.add_argument("--complex", action="store_true", help="A complex matter.")
        parser.add_argument("--urgent", action="store_true", help="An urgent matter.")
        parser.add_argument("--start", required=True, help=start_help())
        parser.add_argument("--json", action="store_true", help="Print a JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        consulted = True
        try:
            calendar = calendar_current()
        except DatabaseError:
            calendar, consulted = WorkCalendar(), False
        try:
            answer = deadline_answer(
                profile=options["profile"] or settings.HOTLINE_PROFILE,
                clock=options["clock"],
                category=options["category"],
                complex=options["complex"],
                urgent=options["urgent"],
                start=options["start"],
                calendar=calendar,
            )
        except PolicyInputError as exc:
            sys.stderr.write(f"error: {exc.message}\n")
            raise SystemExit(2) from None
        self.stdout.write(answer.to_json() if options["json"] else answer.to_text())
        if not consulted:
            sys.stderr.write(NO_OVERRIDES + "\n")
