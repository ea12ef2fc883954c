"""Working-day calendar: the official arrangement, admin overrides and a provisional fallback.

SLA-1, A28. Three sources decide whether a date is a working day, first match wins:

1. an admin **override** (``date -> True`` for a working day, ``False`` for a rest day);
2. the official State Council arrangement (holidays and 调休) as shipped by the
   ``chinesecalendar`` package, or a year the centre has marked as **published** (its
   arrangement was loaded as overrides, so the remaining days follow Monday-Friday);
3. the **fallback**: Monday-Friday minus the fixed-date statutory holidays. A date decided by
   the fallback is *not known*; every deadline that consulted such a date is provisional.

Everything is precomputed per year into flat tables (a sorted list of working-day ordinals and
a flag per day), so that adding *n* working days is one ``bisect``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final, Literal

import chinese_calendar

Source = Literal["override", "official", "published", "fallback"]

_OFFICIAL_REST: Final[frozenset[date]] = frozenset(chinese_calendar.holidays)
_OFFICIAL_WORK: Final[frozenset[date]] = frozenset(chinese_calendar.workdays)

#: Years whose arrangement the ``chinesecalendar`` package knows (2004-2026 for 1.11.0).
OFFICIAL_YEARS: Final[range] = range(
    min(d.year for d in _OFFICIAL_REST), max(d.year for d in _OFFICIAL_REST) + 1
)

#: Statutory holidays on a fixed Gregorian date (全国年节及纪念日放假办法, 2024 revision):
#: 元旦 1 Jan; 劳动节 1-2 May; 国庆节 1-3 Oct. 清明 is added from its solar term.
FIXED_HOLIDAYS: Final[tuple[tuple[int, int], ...]] = (
    (1, 1),
    (5, 1),
    (5, 2),
    (10, 1),
    (10, 2),
    (10, 3),
)


def _qingming(year: int) -> date | None:
    """Return the day of the 清明 solar term (a statutory holiday), if it can be computed."""
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    except Exception:  # the formula covers 1900-2100; outside, the fallback omits 清明
        return None
    for day, name in terms:
        if name == "清明" and isinstance(day, date):
            return day
    return None


def fallback_rest_days(year: int) -> frozenset[date]:
    """Return the weekday-independent rest days the fallback assumes for *year* (A28)."""
    days = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    qingming = _qingming(year)
    if qingming is not None:
        days.add(qingming)
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class _Table:
    """Flat per-day tables for the years ``lo..hi`` (inclusive)."""

    lo: int
    hi: int
    first: int  # ordinal of 1 January of ``lo``
    last: int  # ordinal of 31 December of ``hi``
    working: bytes  # 1 if working day, indexed by ``ordinal - first``
    known: bytes  # 1 if decided by an override, the package or a published year
    work_ords: list[int]  # sorted ordinals of working days
    unknown_ords: list[int]  # sorted ordinals of days only the fallback decides


class WorkCalendar:
    """Answer working-day questions for any date; never raises for an unknown year (A28).

    *overrides* maps a date to ``True`` (working day) or ``False`` (rest day) and wins over
    every other source. *published_years* are years whose official arrangement has been loaded
    completely as overrides: their other days follow Monday-Friday and count as known.
    """

    __slots__ = ("_lock", "_overrides", "_published", "_table")

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        published_years: Iterable[int] = (),
    ) -> None:
        self._overrides: Mapping[date, bool] = MappingProxyType(dict(overrides or {}))
        self._published: frozenset[int] = frozenset(published_years)
        self._lock = threading.Lock()
        years = [OFFICIAL_YEARS.start, OFFICIAL_YEARS.stop + 1]
        years += [d.year for d in self._overrides]
        years += list(self._published)
        self._table = self._build(min(years), max(years) + 1)

    # -- construction ---------------------------------------------------------------------

    def _build(self, lo: int, hi: int) -> _Table:
        first = date(lo, 1, 1).toordinal()
        last = date(hi, 12, 31).toordinal()
        working = bytearray(last - first + 1)
        known = bytearray(last - first + 1)
        overrides = self._overrides
        for year in range(lo, hi + 1):
            official = year in OFFICIAL_YEARS
            published = year in self._published
            rest: frozenset[date] = (
                frozenset() if official or published else fallback_rest_days(year)
            )
            y_first = date(year, 1, 1).toordinal()
            y_last = date(year, 12, 31).toordinal()
            for ordinal in range(y_first, y_last + 1):
                d = date.fromordinal(ordinal)
                i = ordinal - first
                if d in overrides:
                    working[i] = overrides[d]
                    known[i] = 1
                elif official:
                    working[i] = d in _OFFICIAL_WORK or (
                        d.weekday() < 5 and d not in _OFFICIAL_REST
                    )
                    known[i] = 1
                elif published:
                    working[i] = d.weekday() < 5
                    known[i] = 1
                else:
                    working[i] = d.weekday() < 5 and d not in rest
        work_ords = [first + i for i, flag in enumerate(working) if flag]
        unknown_ords = [first + i for i, flag in enumerate(known) if not flag]
        return _Table(lo, hi, first, last, bytes(working), bytes(known), work_ords, unknown_ords)

    def _cover(self, lo: int, hi: int) -> _Table:
        """Return a table that covers the years ``lo..hi``, extending the current one."""
        table = self._table
        if table.lo <= lo and hi <= table.hi:
            return table
        with self._lock:
            table = self._table
            if not (table.lo <= lo and hi <= table.hi):
                table = self._build(min(lo, table.lo), max(hi, table.hi))
                self._table = table
        return table

    def _table_for(self, ordinal: int) -> _Table:
        table = self._table
        if table.first <= ordinal <= table.last:
            return table
        year = date.fromordinal(ordinal).year
        return self._cover(year, year + 1)

    # -- ordinal interface (used by the SLA arithmetic; fast) ------------------------------

    def is_working_ordinal(self, ordinal: int) -> bool:
        """Return whether the day with this proleptic ordinal is a working day."""
        table = self._table_for(ordinal)
        return table.working[ordinal - table.first] == 1

    def working_ordinal_after(self, ordinal: int, n: int) -> int:
        """Return the *n*-th working day strictly after *ordinal* (``n == 0``: *ordinal*)."""
        if n == 0:
            return ordinal
        if n < 0:
            return self.working_ordinal_before(ordinal, -n)
        table = self._table_for(ordinal)
        while True:
            i = bisect_right(table.work_ords, ordinal) + n - 1
            if i < len(table.work_ords):
                return table.work_ords[i]
            table = self._cover(table.lo, table.hi + n // 200 + 1)

    def working_ordinal_before(self, ordinal: int, n: int) -> int:
        """Return the *n*-th working day strictly before *ordinal* (``n == 0``: *ordinal*)."""
        if n == 0:
            return ordinal
        if n < 0:
            return self.working_ordinal_after(ordinal, -n)
        table = self._table_for(ordinal)
        while True:
            i = bisect_left(table.work_ords, ordinal) - n
            if i >= 0:
                return table.work_ords[i]
            table = self._cover(table.lo - n // 200 - 1, table.hi)

    def known_ordinals(self, first: int, last: int) -> bool:
        """Return whether every day in ``first..last`` (inclusive) is known (not fallback)."""
        if first > last:
            return True
        table = self._table
        if not (table.first <= first and last <= table.last):
            table = self._cover(date.fromordinal(first).year, date.fromordinal(last).year)
        unknown = table.unknown_ords
        i = bisect_left(unknown, first)
        return i == len(unknown) or unknown[i] > last

    # -- date interface ---------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Return whether *d* is a working day (swapped weekend days 调休 included)."""
        return self.is_working_ordinal(d.toordinal())

    def is_rest_day(self, d: date) -> bool:
        """Return whether *d* is a rest day (weekend or official holiday)."""
        return not self.is_working_ordinal(d.toordinal())

    def is_known(self, d: date) -> bool:
        """Return whether *d* is decided by an override, the package or a published year."""
        o = d.toordinal()
        return self.known_ordinals(o, o)

    def is_provisional(self, d: date) -> bool:
        """Return whether only the fallback decides *d* (A28)."""
        return not self.is_known(d)

    def all_known(self, first: date, last: date) -> bool:
        """Return whether every date from *first* to *last* (inclusive) is known."""
        return self.known_ordinals(first.toordinal(), last.toordinal())

    def source(self, d: date) -> Source:
        """Return which source decides *d*."""
        if d in self._overrides:
            return "override"
        if d.year in OFFICIAL_YEARS:
            return "official"
        if d.year in self._published:
            return "published"
        return "fallback"

    def add_working_days(self, d: date, n: int) -> date:
        """Return the *n*-th working day strictly after *d* (A1: *d* itself is not counted)."""
        return date.fromordinal(self.working_ordinal_after(d.toordinal(), n))

    def subtract_working_days(self, d: date, n: int) -> date:
        """Return the *n*-th working day strictly before *d*."""
        return date.fromordinal(self.working_ordinal_before(d.toordinal(), n))

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after *d*."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """Return the last working day strictly before *d*."""
        return self.subtract_working_days(d, 1)

    def working_day_on_or_after(self, d: date) -> date:
        """Return *d* if it is a working day, else the next working day."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_days_between(self, first: date, last: date) -> int:
        """Return the number of working days in the half-open range ``(first, last]``."""
        a, b = first.toordinal(), last.toordinal()
        if b <= a:
            return 0
        table = self._cover(first.year, last.year)
        return bisect_right(table.work_ords, b) - bisect_right(table.work_ords, a)

    # -- years --------------------------------------------------------------------------------

    @property
    def overrides(self) -> Mapping[date, bool]:
        """Return the overrides this calendar was built with (read-only)."""
        return self._overrides

    @property
    def published_years(self) -> frozenset[int]:
        """Return the years marked as completely loaded from overrides."""
        return self._published

    @property
    def known_years(self) -> frozenset[int]:
        """Return the years whose every day is known: the package's and the published ones."""
        return frozenset(OFFICIAL_YEARS) | self._published

    def is_year_known(self, year: int) -> bool:
        """Return whether *year* is completely known (package or published)."""
        return year in OFFICIAL_YEARS or year in self._published

    def missing_year(self, today: date) -> int | None:
        """Return a year the centre admin must load now, or ``None`` (A28).

        The current year is missing whenever it is unknown; from 1 November onward the next
        year is reported too, so that the admin is warned before deadlines reach into it.
        """
        if not self.is_year_known(today.year):
            return today.year
        if today.month >= 11 and not self.is_year_known(today.year + 1):
            return today.year + 1
        return None

    def with_overrides(
        self, overrides: Mapping[date, bool], *, published_years: Iterable[int] = ()
    ) -> WorkCalendar:
        """Return a new calendar with *overrides* added to (and winning over) this one's."""
        merged = dict(self._overrides)
        merged.update(overrides)
        return WorkCalendar(merged, published_years=self._published | frozenset(published_years))

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(overrides={len(self._overrides)}, "
            f"published_years={sorted(self._published)})"
        )


def missing_next_year(today: date, calendar: WorkCalendar | None = None) -> int | None:
    """Return the year whose arrangement is missing and must be warned about, or ``None``.

    From 1 November the next year is checked (the State Council publishes it in November);
    an unknown current year is always reported.
    """
    return (calendar or WorkCalendar()).missing_year(today)
