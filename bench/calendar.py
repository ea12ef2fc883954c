"""Deadlines computed per second, beside a reference measured in the same run (issue 4 §5).

Target: >= 200,000 deadlines/s in-process, so that recomputing every open deadline of a big
city after a calendar change takes seconds. The references are plain Python loops of
``datetime + timedelta`` and ``datetime.fromisoformat`` over the same starts, to show what
the machine does in that time.

    PYTHONPATH=src python bench/calendar.py [N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file's name would
# shadow the standard library's ``calendar`` module (imported by ``email``, ``http`` ...).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import random  # noqa: E402  (after the sys.path repair above)
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402

from hotline.policy.calendar import WorkCalendar  # noqa: E402
from hotline.policy.deadline import deadline_answer  # noqa: E402
from hotline.policy.sla import TZ, Limit, Unit, compute_due  # noqa: E402

TARGET = 200_000


def starts(n: int) -> list[datetime]:
    """Return *n* random instants from 2025-12 to 2026-12 (seeded; some reach into 2027)."""
    rng = random.Random(4)
    origin = datetime(2025, 12, 1, tzinfo=TZ)
    return [origin + timedelta(seconds=rng.randrange(396 * 86_400)) for _ in range(n)]


def rate(label: str, n: int, run: Callable[[], object]) -> float:
    """Run *run* (which handles *n* items) three times; print and return the best rate."""
    best = min(_timed(run) for _ in range(3))
    per_second = n / best
    print(f"{label:<52} {per_second:>12,.0f} /s")
    return per_second


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    calendar = WorkCalendar()
    instants = starts(n)
    limits = [
        Limit(Unit.WORKING_DAYS, 5, "SH-962200 第十一条(二)"),
        Limit(Unit.WORKING_DAYS, 15, "QLH-96881 五(四)"),
        Limit(Unit.CALENDAR_DAYS, 2, "QLH-96881 五(二)"),
        Limit(Unit.HOURS, 24, "TJ-88908890 第二十五条"),
    ]
    mix = [limits[i % len(limits)] for i in range(n)]
    one_day = timedelta(days=1)

    print(f"{n:,} starts, Python {sys.version.split()[0]}")
    reference = rate(
        "reference: datetime + timedelta (plain loop)",
        n,
        lambda: [start + one_day for start in instants],
    )
    texts_all = [start.isoformat() for start in instants]
    rate(
        "reference: datetime.fromisoformat (plain loop)",
        n,
        lambda: [datetime.fromisoformat(text) for text in texts_all],
    )
    working = rate(
        "compute_due, 5 working days",
        n,
        lambda: [compute_due(start, limits[0], calendar) for start in instants],
    )
    mixed = rate(
        "compute_due, mixed units (WD 5/15, 2 cal days, 24 h)",
        n,
        lambda: [compute_due(s, limit, calendar) for s, limit in zip(instants, mix, strict=True)],
    )
    small = min(n, 20_000)
    texts = texts_all[:small]
    rate(
        "deadline_answer (ISO text in, profile lookup, answer)",
        small,
        lambda: [
            deadline_answer(
                profile="shanghai-962200",
                clock="reply",
                category="help",
                start=text,
                calendar=calendar,
            )
            for text in texts
        ],
    )
    slowest = min(working, mixed)
    print(f"deadlines/s: {slowest:,.0f} ({slowest / reference:.2f} x the reference loop)")
    print(f"target {TARGET:,}/s: {'met' if slowest >= TARGET else 'NOT met'}")
    return 0 if slowest >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
