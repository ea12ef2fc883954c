"""Time-limit arithmetic (SLA-1; readings A1-A5, A8, A17, A18, A25, A28).

Expected instants are worked out by hand from the 2026 arrangement (readings §0).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hotline.policy.calendar import WorkCalendar
from hotline.policy.sla import (
    TZ,
    Due,
    Light,
    Limit,
    NaiveDatetimeError,
    Unit,
    compute_due,
    counting_day,
    display,
    end_of_day,
    explicit_due,
    traffic_light,
)

CAL = WorkCalendar()


def at(text: str) -> datetime:
    """Return a Shanghai instant from "YYYY-MM-DD HH:MM"."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def wd(n: int, *, before: bool = False) -> Limit:
    return Limit(Unit.WORKING_DAYS, n, "test", before=before)


def cd(n: int, *, roll: bool = True) -> Limit:
    return Limit(Unit.CALENDAR_DAYS, n, "test", roll_forward=roll)


@pytest.mark.req("A1")
def test_the_start_day_is_not_counted() -> None:
    """A1: dispatched Monday 10:00 with 1 working day, the deadline is Tuesday 24:00."""
    due = compute_due(at("2026-03-02 10:00"), wd(1), CAL)
    assert due.due_at == at("2026-03-04 00:00")
    assert display(due.due_at) == "2026-03-03 24:00"


@pytest.mark.req("A2")
def test_a_day_period_ends_at_24_00_shanghai() -> None:
    """A2: the due instant is D+1 00:00:00+08:00, shown as "D 24:00"."""
    due = compute_due(at("2026-09-30 15:00"), wd(5), CAL)
    assert due.due_at is not None
    assert due.due_at.isoformat() == "2026-10-14T00:00:00+08:00"
    assert display(due.due_at) == "2026-10-13 24:00"
    assert end_of_day(date(2026, 10, 13)) == due.due_at


@pytest.mark.req("A2")
def test_a_start_in_another_zone_is_counted_in_shanghai() -> None:
    """A2: 2026-09-30 20:00 UTC is 1 October 04:00 in Shanghai, a rest day (A3)."""
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    due = compute_due(start, wd(1), CAL)
    assert due.due_at == at("2026-10-09 00:00")


@pytest.mark.req("A3")
def test_an_event_on_a_rest_day_counts_from_the_next_working_day() -> None:
    """A3: a ticket dispatched on 2026-10-03 has the deadlines of one dispatched 09-30."""
    for n in (1, 2, 5, 10, 15):
        assert (
            compute_due(at("2026-10-03 11:00"), wd(n), CAL).due_at
            == compute_due(at("2026-09-30 15:00"), wd(n), CAL).due_at
        )


@pytest.mark.req("A3")
def test_midnight_belongs_to_the_day_before() -> None:
    """A3: 00:00 of the first working day is 24:00 of the rest day before it."""
    assert counting_day(at("2026-10-08 00:00")) == date(2026, 10, 7)
    assert counting_day(at("2026-10-08 00:00:01")) == date(2026, 10, 8)
    assert (
        compute_due(at("2026-10-08 00:00"), wd(1), CAL).due_at
        == compute_due(at("2026-10-03 12:00"), wd(1), CAL).due_at
        == at("2026-10-09 00:00")
    )


@pytest.mark.req("A5")
@pytest.mark.parametrize(
    ("receipt", "limit", "expected"),
    [
        # The A5 example: receipt 2026-04-30; recommended 05-06, plain 05-02, working 05-07.
        ("2026-04-30 10:00", cd(2), "2026-05-07 00:00"),
        ("2026-04-30 10:00", cd(2, roll=False), "2026-05-03 00:00"),
        ("2026-04-30 10:00", wd(2), "2026-05-08 00:00"),
        # the last day is a swapped working Saturday: no move
        ("2026-02-12 10:00", cd(2), "2026-02-15 00:00"),
        # the last day falls in the Spring Festival: move to Tuesday 24 February
        ("2026-02-13 10:00", cd(2), "2026-02-25 00:00"),
    ],
)
def test_calendar_days_move_off_a_rest_day(receipt: str, limit: Limit, expected: str) -> None:
    """A5: a calendar-day period whose last day is a rest day ends on the next working day."""
    assert compute_due(at(receipt), limit, CAL).due_at == at(expected)


@pytest.mark.req("A18")
def test_hours_run_through_nights_and_holidays() -> None:
    """A18: TJ's 24-hour callback runs on the clock across National Day."""
    due = compute_due(at("2026-09-30 15:00"), Limit(Unit.HOURS, 24, "TJ"), CAL)
    assert due.due_at == at("2026-10-01 15:00")
    assert not due.provisional
    assert display(due.due_at) == "2026-10-01 15:00"


@pytest.mark.req("A25")
def test_minutes_run_on_the_clock_and_are_inclusive() -> None:
    """A25, A17: 30 minutes from 23:50 is 00:20; an action at exactly the limit is on time."""
    due = compute_due(at("2026-01-01 23:50"), Limit(Unit.MINUTES, 30, "SH"), CAL)
    assert due.due_at == at("2026-01-02 00:20")
    assert due.is_met_by(at("2026-01-02 00:20"))
    assert due.is_breached(at("2026-01-02 00:20:01"))


@pytest.mark.req("A2")
def test_a_day_deadline_is_an_exclusive_end() -> None:
    """A2: 24:00 is the first instant too late; 23:59:59 is still on time."""
    due = compute_due(at("2026-09-30 15:00"), wd(5), CAL)
    assert due.is_met_by(at("2026-10-13 23:59:59"))
    assert due.is_breached(at("2026-10-14 00:00"))


@pytest.mark.req("SLA-4")
def test_same_day_is_the_calendar_day_of_the_event() -> None:
    """SLA-4: QLH 应急类 "当日立即答复" ends at 24:00 of the day received, even a holiday."""
    due = compute_due(at("2026-10-01 09:00"), Limit(Unit.SAME_DAY, None, "QLH"), CAL)
    assert due.due_at == at("2026-10-02 00:00")
    assert compute_due(at("2026-10-01 00:00"), Limit(Unit.SAME_DAY), CAL).due_at == at(
        "2026-10-02 00:00"
    )


@pytest.mark.req("A9")
@pytest.mark.parametrize("unit", [Unit.AT_ONCE, Unit.NONE])
def test_at_once_and_no_limit_are_never_breached(unit: Unit) -> None:
    """A9: "第一时间" is recorded, never breached; so is a clock without a limit."""
    due = compute_due(at("2026-10-01 09:00"), Limit(unit, None, "x"), CAL)
    assert due.due_at is None
    assert not due.is_breached(at("2030-01-01 00:00"))
    assert (
        traffic_light(
            due, start=at("2026-10-01 09:00"), now=at("2030-01-01 00:00"), warning_share=0.25
        )
        is Light.NONE
    )


@pytest.mark.req("A6")
def test_counting_back_from_a_deadline() -> None:
    """A6: TJ "到期前1个工作日" is 24:00 of the working day before the due day."""
    deadline = at("2026-10-13 00:00")  # Monday 12 October 24:00
    cutoff = compute_due(deadline, wd(1, before=True), CAL)
    assert cutoff.due_at == at("2026-10-11 00:00")  # Saturday 10 October (调休) 24:00
    same = compute_due(deadline, wd(0, before=True), CAL)
    assert same.due_at == deadline  # QLH "届满前": the deadline itself
    explicit = at("2026-10-12 17:30")  # an explicit deadline set on the ticket (A8)
    assert compute_due(explicit, wd(0, before=True), CAL).due_at == explicit
    assert compute_due(explicit, wd(1, before=True), CAL).due_at == at("2026-10-11 00:00")


@pytest.mark.req("A8")
def test_a_statutory_limit_replaces_the_default() -> None:
    """A8: a statutory or promised limit replaces the default, longer or shorter."""
    statutory = Limit(Unit.WORKING_DAYS, 20, "《政府信息公开条例》第三十三条")
    due = compute_due(at("2026-09-30 15:00"), statutory, CAL)
    assert due.basis == "《政府信息公开条例》第三十三条"
    assert due.length == 20
    fixed = explicit_due(at("2026-10-20 17:00"), "部门承诺")
    assert fixed.unit is Unit.EXPLICIT
    assert fixed.due_at == at("2026-10-20 17:00")


@pytest.mark.req("A28")
def test_a_period_into_2027_is_provisional() -> None:
    """A28: a deadline that used the fallback is provisional; one inside 2026 is not."""
    inside = compute_due(at("2026-12-24 10:00"), wd(5), CAL)
    assert inside.due_at == at("2027-01-01 00:00")
    assert not inside.provisional
    across = compute_due(at("2026-12-28 10:00"), wd(5), CAL)
    assert across.due_at == at("2027-01-06 00:00")
    assert across.provisional


@pytest.mark.req("A28")
def test_a_published_year_clears_the_provisional_flag() -> None:
    """A28: once 2027 is loaded the same deadline is recomputed and firm."""
    cal = WorkCalendar({date(2027, 1, 1): False}, published_years=[2027])
    due = compute_due(at("2026-12-28 10:00"), wd(5), cal)
    assert due.due_at == at("2027-01-06 00:00")
    assert not due.provisional


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        compute_due(datetime(2026, 9, 30, 15, 0), wd(1), CAL)  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError):
        explicit_due(datetime(2026, 9, 30, 15, 0), "x")  # noqa: DTZ001


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": Unit.WORKING_DAYS},
        {"unit": Unit.WORKING_DAYS, "length": 0},
        {"unit": Unit.HOURS, "length": -1},
        {"unit": Unit.SAME_DAY, "length": 1},
        {"unit": Unit.CALENDAR_DAYS, "length": 1, "before": True},
        {"unit": Unit.EXPLICIT},
    ],
)
def test_malformed_limits_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Limit(**kwargs)  # type: ignore[arg-type]


@pytest.mark.req("SLA-5")
def test_traffic_light() -> None:
    """SLA-5: green, amber once a quarter of the period is left, red when overdue."""
    start = at("2026-03-02 00:00:01")
    due = Due(at("2026-03-06 00:00:01"), False, "x", Unit.HOURS, 96)
    light = {
        "2026-03-03 00:00": Light.GREEN,
        "2026-03-05 00:00": Light.GREEN,
        "2026-03-05 00:00:01": Light.AMBER,
        "2026-03-06 00:00:01": Light.AMBER,
        "2026-03-06 00:00:02": Light.RED,
    }
    for now, expected in light.items():
        assert traffic_light(due, start=start, now=at(now), warning_share=0.25) is expected


# -- properties -------------------------------------------------------------------------

instants = st.builds(
    lambda d, t: datetime.combine(d, t, tzinfo=TZ),
    st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 30)),
    st.times(),
)
day_limits = st.one_of(
    st.builds(lambda n: wd(n), st.integers(1, 30)),
    st.builds(lambda n, r: cd(n, roll=r), st.integers(1, 30), st.booleans()),
)


def due_day(due: Due) -> date:
    assert due.due_at is not None
    return counting_day(due.due_at)


@pytest.mark.req("SLA-1")
@settings(max_examples=300)
@given(start=instants, limit=day_limits)
def test_a_day_deadline_never_ends_inside_a_rest_day(start: datetime, limit: Limit) -> None:
    """SLA-1: a working-day or rolled calendar-day period always ends on a working day."""
    due = compute_due(start, limit, CAL)
    if limit.unit is Unit.CALENDAR_DAYS and not limit.roll_forward:
        return
    assert CAL.is_working_day(due_day(due))


@pytest.mark.req("SLA-1")
@settings(max_examples=300)
@given(start=instants, n=st.integers(1, 40))
def test_n_plus_one_working_days_never_end_before_n(start: datetime, n: int) -> None:
    """SLA-1: the working-day deadline is strictly increasing in n."""
    shorter = compute_due(start, wd(n), CAL).due_at
    longer = compute_due(start, wd(n + 1), CAL).due_at
    assert shorter is not None and longer is not None
    assert longer > shorter
    assert (
        CAL.working_days_between(counting_day(start), due_day(compute_due(start, wd(n), CAL))) == n
    )


@pytest.mark.req("A3")
@settings(max_examples=300)
@given(start=instants, limit=day_limits)
def test_a_start_on_a_rest_day_equals_a_start_at_00_00_of_the_next_working_day(
    start: datetime, limit: Limit
) -> None:
    """A3: for day-based periods an event on a rest day counts from the next working day."""
    assume(start.timetz().replace(tzinfo=None) != time(0))
    assume(not CAL.is_working_day(start.date()))
    next_working = CAL.next_working_day(start.date())
    at_midnight = datetime.combine(next_working, time(0), tzinfo=TZ)
    assert compute_due(start, limit, CAL) == compute_due(at_midnight, limit, CAL)


overrides = st.tuples(
    st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 9, 30)), st.booleans()
)


@pytest.mark.req("A28")
@settings(max_examples=150, deadline=None)
@given(start=instants, limit=day_limits, override=overrides)
def test_an_override_changes_only_deadlines_whose_period_covers_it(
    start: datetime, limit: Limit, override: tuple[date, bool]
) -> None:
    """A28: adding an override leaves every deadline whose period misses that date alone."""
    day, working = override
    before = compute_due(start, limit, CAL)
    after = compute_due(start, limit, CAL.with_overrides({day: working}))
    first, last = sorted((counting_day(start), due_day(before)))
    if not first <= day <= last:
        assert after == before


@pytest.mark.req("A28")
@settings(max_examples=150, deadline=None)
@given(start=instants, limit=day_limits)
def test_loading_next_year_moves_only_provisional_deadlines(start: datetime, limit: Limit) -> None:
    """A28: when 2027 arrives, only provisional deadlines are recomputed."""
    arrangement = {date(2027, 1, 1): False, date(2027, 1, 2): False, date(2027, 2, 6): True}
    loaded = CAL.with_overrides(arrangement, published_years=[2027])
    before = compute_due(start, limit, CAL)
    after = compute_due(start, limit, loaded)
    assert not after.provisional
    if not before.provisional:
        assert after == before


@pytest.mark.req("A18")
@settings(max_examples=200)
@given(start=instants, hours=st.integers(1, 72))
def test_clock_periods_ignore_the_calendar(start: datetime, hours: int) -> None:
    """A18: an hour period is exactly that many hours, never provisional."""
    due = compute_due(start, Limit(Unit.HOURS, hours), CAL)
    assert due.due_at == start + timedelta(hours=hours)
    assert not due.provisional
