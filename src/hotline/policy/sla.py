"""Time-limit arithmetic: from a starting instant and a limit to a due instant (SLA-1).

The counting conventions are those of readings §0 and §2:

- A1 (民法典 art. 201): in a period counted in days the day of the starting event is not
  counted; day 1 is the first (working) day after it.
- A2 (art. 203): a period in days ends at 24:00 Asia/Shanghai of its last day. "24:00 of D" is
  the instant ``D+1 00:00:00+08:00``, an exclusive end, shown to people as "D 24:00".
- A3: an event on a rest day counts from the next working day (that day is day 1).
- A5: a calendar-day period whose last day is a rest day ends on the next working day.
- A18, A25: hour and minute periods run on the clock, through nights and holidays.
- A8: a statutory, promised or departmental limit replaces the default; pass it as the limit.

An event at exactly 00:00:00 local time is the same instant as 24:00 of the day before, so for
periods counted in days it belongs to the day before: the whole of its own day is then day 1.
This makes a start at any time on a rest day equal to a start at 00:00 of the next working day.
"same day" (QLH 五(四) "当日") means the calendar day of the event, rest day or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from hotline.policy.calendar import WorkCalendar

#: The zone every day-based limit is counted in (A2).
TZ: Final = ZoneInfo("Asia/Shanghai")


class Unit(StrEnum):
    """How a limit is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MINUTES = "minutes"
    SAME_DAY = "same_day"  # by 24:00 of the day of the event
    AT_ONCE = "at_once"  # "立即", "即时", "第一时间": recorded, never breached (A9)
    NONE = "none"  # the profile sets no limit
    EXPLICIT = "explicit"  # a fixed instant set on the ticket (A8)


#: Units that count days and end at 24:00 of the last day.
DAY_UNITS: Final = frozenset({Unit.WORKING_DAYS, Unit.CALENDAR_DAYS})
#: Units that run on the clock (A18, A25).
CLOCK_UNITS: Final = frozenset({Unit.HOURS, Unit.MINUTES})
#: Units that need a length.
LENGTH_UNITS: Final = DAY_UNITS | CLOCK_UNITS
#: Units that never produce a due instant.
OPEN_UNITS: Final = frozenset({Unit.AT_ONCE, Unit.NONE})

# Enum member lookups are slow in the hot path; bind them once.
_WORKING_DAYS: Final = Unit.WORKING_DAYS
_CALENDAR_DAYS: Final = Unit.CALENDAR_DAYS
_HOURS: Final = Unit.HOURS
_SAME_DAY: Final = Unit.SAME_DAY


class NaiveDatetimeError(ValueError):
    """Raised for a datetime without a time zone: the arithmetic only takes aware instants."""


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: *length* units, counted after the start (or back from it if *before*).

    *before* counts working days back from a deadline, e.g. TJ 第二十一条 "到期前1个工作日":
    the start is the deadline and the result is 24:00 of the *length*-th working day before
    the deadline's day (``length == 0``: the deadline itself). *roll_forward* applies A5 to
    calendar days.
    """

    unit: Unit
    length: int | None = None
    basis: str = ""
    before: bool = False
    roll_forward: bool = True

    def __post_init__(self) -> None:
        if self.unit in LENGTH_UNITS:
            if self.length is None or self.length < 0:
                raise ValueError(f"{self.unit} needs a length >= 0, got {self.length!r}")
            if self.length == 0 and not self.before:
                raise ValueError(f"{self.unit} needs a length >= 1 unless counted before")
        elif self.length is not None:
            raise ValueError(f"{self.unit} takes no length, got {self.length!r}")
        if self.before and self.unit is not Unit.WORKING_DAYS:
            raise ValueError("only working days can be counted before a deadline")
        if self.unit is Unit.EXPLICIT:
            raise ValueError("an explicit deadline is made with explicit_due()")


class Due(NamedTuple):
    """The result of a computation: the due instant (``None``: no limit) and its basis.

    A named tuple rather than a frozen dataclass: it is built once per deadline, and
    recomputing a city's open deadlines must stay fast (bench/calendar.py).
    """

    due_at: datetime | None
    provisional: bool
    basis: str
    unit: Unit
    length: int | None

    def is_breached(self, now: datetime) -> bool:
        """Return whether the limit is missed at *now*.

        Day-based ends are exclusive (24:00 is the first instant too late); clock periods are
        inclusive ("≤", A25). "At once" and "no limit" are never breached.
        """
        if self.due_at is None:
            return False
        if self.unit in CLOCK_UNITS:
            return now > self.due_at
        return now >= self.due_at

    def is_met_by(self, done_at: datetime) -> bool:
        """Return whether an action at *done_at* meets the limit."""
        return not self.is_breached(done_at)


def require_aware(value: datetime) -> datetime:
    """Return *value* in Asia/Shanghai; raise :class:`NaiveDatetimeError` if it is naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"datetime without a time zone: {value.isoformat()}")
    return value.astimezone(TZ)


def counting_day(start: datetime) -> date:
    """Return the day of the starting event for periods counted in days.

    An event at exactly 00:00:00 belongs to the day before (it is that day's 24:00).
    """
    return date.fromordinal(_counting_ordinal(require_aware(start)))


def _counting_ordinal(local: datetime) -> int:
    ordinal = local.toordinal()
    if not (local.hour or local.minute or local.second or local.microsecond):
        ordinal -= 1
    return ordinal


@lru_cache(maxsize=8192)
def _end_of(ordinal: int) -> datetime:
    """Return 24:00 Asia/Shanghai of the day *ordinal*, i.e. 00:00 of the next day."""
    d = date.fromordinal(ordinal + 1)
    return datetime(d.year, d.month, d.day, tzinfo=TZ)


def end_of_day(d: date) -> datetime:
    """Return "D 24:00" as an aware instant (``D+1 00:00:00+08:00``)."""
    return _end_of(d.toordinal())


def compute_due(start: datetime, limit: Limit, calendar: WorkCalendar) -> Due:
    """Return when a period of *limit* that starts at *start* ends (SLA-1; A1-A5, A18, A25).

    The result is provisional when a date the calendar decides only by its fallback (A28)
    was consulted.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise NaiveDatetimeError(f"datetime without a time zone: {start.isoformat()}")
    unit = limit.unit
    length = limit.length
    n = length or 0  # Limit guarantees a length for the units that use it
    if unit is _WORKING_DAYS:
        local = start.astimezone(TZ)
        if limit.before:
            if n == 0:  # "届满前": the deadline itself, whatever its time of day
                return Due(local, False, limit.basis, unit, length)
            origin = _counting_ordinal(local)
            last = calendar.working_ordinal_before(origin, n)
            known = calendar.known_ordinals(last, origin)
        else:
            origin = _counting_ordinal(local)
            last = calendar.working_ordinal_after(origin, n)
            known = calendar.known_ordinals(origin + 1, last)
        return Due(_end_of(last), not known, limit.basis, unit, length)
    if unit is _CALENDAR_DAYS:
        origin = _counting_ordinal(start.astimezone(TZ))
        shifted = origin
        if not calendar.is_working_ordinal(origin):  # A3: day 1 is the next working day
            shifted = calendar.working_ordinal_after(origin, 1) - 1
        last = shifted + n
        if limit.roll_forward and not calendar.is_working_ordinal(last):  # A5
            last = calendar.working_ordinal_after(last, 1)
        known = calendar.known_ordinals(origin, last)
        return Due(_end_of(last), not known, limit.basis, unit, length)
    if unit in CLOCK_UNITS:
        delta = timedelta(hours=n) if unit is _HOURS else timedelta(minutes=n)
        due_at = (start.astimezone(UTC) + delta).astimezone(TZ)
        return Due(due_at, False, limit.basis, unit, length)
    if unit is _SAME_DAY:
        return Due(_end_of(start.astimezone(TZ).toordinal()), False, limit.basis, unit, None)
    return Due(None, False, limit.basis, unit, None)


def explicit_due(due_at: datetime, basis: str, *, provisional: bool = False) -> Due:
    """Return a fixed deadline set on a ticket, e.g. a statutory or promised date (A8)."""
    return Due(require_aware(due_at), provisional, basis, Unit.EXPLICIT, None)


def display(due_at: datetime | None) -> str:
    """Return *due_at* as people read it: "2026-10-13 24:00" for a day end, else the time."""
    if due_at is None:
        return "无时限"
    local = require_aware(due_at)
    if not (local.hour or local.minute or local.second or local.microsecond):
        return f"{(local.date() - timedelta(days=1)).isoformat()} 24:00"
    return f"{local.date().isoformat()} {local:%H:%M}"


class Light(StrEnum):
    """The traffic light of SLA-5."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no limit


def traffic_light(due: Due, *, start: datetime, now: datetime, warning_share: float) -> Light:
    """Return the light at *now*: amber once at most *warning_share* of the period is left."""
    if due.due_at is None:
        return Light.NONE
    if due.is_breached(now):
        return Light.RED
    total = (due.due_at - start).total_seconds()
    left = (due.due_at - now).total_seconds()
    if total <= 0 or left <= total * warning_share:
        return Light.AMBER
    return Light.GREEN
