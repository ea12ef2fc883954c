"""The working-day calendar: official 2026 arrangement, overrides, provisional fallback.

Expected values come from 国办发明电〔2025〕7号 as tabulated in readings §0, not from the code.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.policy.calendar import (
    OFFICIAL_YEARS,
    WorkCalendar,
    fallback_rest_days,
    missing_next_year,
)

CAL = WorkCalendar()

# readings §0: rest days and swapped working days of 2026.
REST_2026 = (
    [date(2026, 1, d) for d in (1, 2, 3)]
    + [date(2026, 2, d) for d in range(15, 24)]
    + [date(2026, 4, d) for d in (4, 5, 6)]
    + [date(2026, 5, d) for d in range(1, 6)]
    + [date(2026, 6, d) for d in (19, 20, 21)]
    + [date(2026, 9, d) for d in (25, 26, 27)]
    + [date(2026, 10, d) for d in range(1, 8)]
)
SWAPPED_WORKING_2026 = [
    date(2026, 1, 4),  # Sunday
    date(2026, 2, 14),  # Saturday
    date(2026, 2, 28),  # Saturday
    date(2026, 5, 9),  # Saturday
    date(2026, 9, 20),  # Sunday
    date(2026, 10, 10),  # Saturday
]


@pytest.mark.req("SLA-1")
@pytest.mark.parametrize("day", REST_2026, ids=str)
def test_official_2026_holidays_are_rest_days(day: date) -> None:
    """SLA-1: every rest day of the 2026 arrangement is a rest day, and known."""
    assert not CAL.is_working_day(day)
    assert CAL.is_known(day)
    assert CAL.source(day) == "official"


@pytest.mark.req("SLA-1")
@pytest.mark.parametrize("day", SWAPPED_WORKING_2026, ids=str)
def test_swapped_weekend_days_2026_are_working_days(day: date) -> None:
    """SLA-1: weekend days worked in a 调休 swap count as working days (readings §0)."""
    assert day.weekday() >= 5
    assert CAL.is_working_day(day)


@pytest.mark.req("SLA-1")
def test_every_other_2026_day_follows_monday_to_friday() -> None:
    """SLA-1: outside the arrangement, Monday-Friday work and weekends rest."""
    special = set(REST_2026) | set(SWAPPED_WORKING_2026)
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day not in special:
            assert CAL.is_working_day(day) == (day.weekday() < 5), day
        day += timedelta(days=1)


def test_the_package_covers_2004_to_2026() -> None:
    assert range(2004, 2027) == OFFICIAL_YEARS
    assert CAL.known_years >= frozenset(range(2004, 2027))
    assert 2027 not in CAL.known_years


@pytest.mark.req("A28")
def test_2027_never_crashes_and_is_provisional() -> None:
    """A28: a year no source knows falls back to Mon-Fri plus fixed-date holidays."""
    assert not CAL.is_known(date(2027, 1, 4))
    assert CAL.is_provisional(date(2027, 1, 4))
    assert CAL.source(date(2027, 1, 4)) == "fallback"
    assert not CAL.is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert CAL.is_working_day(date(2027, 1, 4))  # Monday
    assert not CAL.is_working_day(date(2027, 1, 9))  # Saturday
    assert not CAL.is_working_day(date(2027, 10, 1))  # 国庆 (Friday)
    assert CAL.is_working_day(date(2027, 10, 4))  # Monday: the fallback knows no 调休
    assert CAL.next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)


@pytest.mark.req("A28")
def test_fallback_holidays_are_the_fixed_statutory_days() -> None:
    """A28: 元旦 1.1, 劳动节 5.1-5.2, 国庆 10.1-10.3, and 清明 on its solar term."""
    assert fallback_rest_days(2027) == {
        date(2027, 1, 1),
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
    }


@pytest.mark.req("A28")
def test_overrides_win_over_the_package_and_the_fallback() -> None:
    """A28: an admin override decides its date, in a known or an unknown year."""
    cal = WorkCalendar(
        {date(2026, 10, 9): False, date(2026, 10, 11): True, date(2027, 2, 8): False}
    )
    assert not cal.is_working_day(date(2026, 10, 9))  # a Friday made a local rest day
    assert cal.is_working_day(date(2026, 10, 11))  # a Sunday made a working day
    assert not cal.is_working_day(date(2027, 2, 8))  # a Monday in an unknown year
    assert cal.is_known(date(2027, 2, 8))
    assert not cal.is_known(date(2027, 2, 9))
    assert cal.source(date(2026, 10, 9)) == "override"


@pytest.mark.req("A28")
def test_a_published_year_is_known() -> None:
    """A28: when next year's arrangement is loaded as overrides, the year is known."""
    arrangement = {date(2027, 1, 1): False, date(2027, 2, 6): True}
    cal = CAL.with_overrides(arrangement, published_years=[2027])
    assert cal.is_known(date(2027, 6, 1))
    assert 2027 in cal.known_years
    assert cal.is_working_day(date(2027, 2, 6))  # a Saturday made a working day
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.source(date(2027, 6, 1)) == "published"


@pytest.mark.req("A28")
@pytest.mark.parametrize(
    ("today", "published", "missing"),
    [
        (date(2026, 10, 31), (), None),
        (date(2026, 11, 1), (), 2027),
        (date(2026, 12, 31), (), 2027),
        (date(2026, 11, 1), (2027,), None),
        (date(2027, 3, 1), (), 2027),
        (date(2027, 3, 1), (2027,), None),
        (date(2027, 11, 2), (2027,), 2028),
        (date(2026, 1, 15), (), None),
    ],
)
def test_the_admin_is_warned_from_1_november(
    today: date, published: tuple[int, ...], missing: int | None
) -> None:
    """A28: from 1 November the centre admin is told that next year is missing."""
    cal = WorkCalendar(published_years=published)
    assert cal.missing_year(today) == missing
    assert missing_next_year(today, cal) == missing


def test_working_day_helpers() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert CAL.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert CAL.subtract_working_days(date(2026, 10, 8), 1) == date(2026, 9, 30)
    assert CAL.previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)
    assert CAL.working_day_on_or_after(date(2026, 10, 3)) == date(2026, 10, 8)
    assert CAL.working_day_on_or_after(date(2026, 10, 8)) == date(2026, 10, 8)
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert CAL.working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == 0
    assert CAL.all_known(date(2026, 1, 1), date(2026, 12, 31))
    assert not CAL.all_known(date(2026, 12, 31), date(2027, 1, 1))


def test_far_years_extend_the_tables_without_crashing() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(date(2040, 12, 28), 300) > date(2042, 1, 1)
    assert cal.subtract_working_days(date(2003, 1, 10), 400) < date(2002, 1, 1)
    assert cal.is_working_day(date(1999, 3, 1))  # a Monday, by the fallback
    assert cal.is_provisional(date(1999, 3, 1))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@pytest.mark.req("SLA-1")
@settings(max_examples=200)
@given(day=days, n=st.integers(min_value=1, max_value=40))
def test_adding_working_days_lands_on_the_nth_working_day(day: date, n: int) -> None:
    """SLA-1: the result is a working day with exactly n working days in (day, result]."""
    result = CAL.add_working_days(day, n)
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(day, result) == n
    assert CAL.subtract_working_days(result, n - 1) == CAL.next_working_day(day)
