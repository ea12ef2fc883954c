"""The rollups: kept current through the outbox, identical to a rebuild (issue 14, STATS-1)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hotline.core.errors import DomainError
from hotline.notifications.models import OutboxMessage
from hotline.notifications.services import outbox_deliver
from hotline.stats import selectors as sel
from hotline.stats.models import COUNTERS, REPEATABLE, DailyRollup, Fact
from hotline.stats.rollup import LEVELS, rollup_rebuild, rollup_rows, stats_catch_up
from hotline.supervision import services as sup
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from hotline.tickets.sweep import deadlines_sweep
from tests.stats.conftest import at, deliver

pytestmark = pytest.mark.django_db

START, END = date(2026, 9, 28), date(2026, 11, 5)
STEPS = ["sign", "contact", "reply", "return", "extend", "callback", "redo", "close", "order"]


def _step(step: str, ticket: Ticket, actors: dict, moment, result: str) -> None:
    agent, officer, boss = actors["agent"], actors["officer"], actors["boss"]
    ticket.refresh_from_db()
    if step == "sign":
        svc.ticket_sign(actor=officer, ticket=ticket, now=moment)
    elif step == "contact":
        svc.ticket_contact(actor=officer, ticket=ticket, note="已联系", now=moment)
    elif step == "reply":
        svc.ticket_reply(actor=officer, ticket=ticket, content="已处理", now=moment)
    elif step == "return":
        svc.ticket_return(
            actor=officer, ticket=ticket, reason="不属于本单位职责", basis="三定方案", now=moment
        )
    elif step == "extend":
        ask = svc.ticket_extension_request(
            actor=officer, ticket=ticket, until=moment + timedelta(days=10), reason="需协调",
            now=moment,
        )  # fmt: skip
        svc.ticket_extension_decide(
            actor=boss, ticket=ticket, extension_id=ask.pk, decision="approved", now=moment
        )
    elif step == "callback":
        svc.ticket_callback(actor=agent, ticket=ticket, result=result, now=moment)
    elif step == "redo":
        svc.ticket_redo(actor=agent, ticket=ticket, now=moment)
    elif step == "close":
        svc.ticket_close(actor=agent, ticket=ticket, now=moment)
    elif step == "order":
        sup.order_open(actor=boss, ticket=ticket, form="phone", reason="督办", now=moment)


history = st.lists(
    st.tuples(
        st.integers(0, 30),  # registration day offset
        st.integers(0, 1),  # unit
        st.lists(st.tuples(st.sampled_from(STEPS), st.integers(1, 400)), max_size=6),
        st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied", "unreached"]),
    ),
    min_size=1,
    max_size=5,
)
#: After which tickets of the history the worker runs, and the batch size it uses then.
runs = st.lists(st.tuples(st.integers(0, 4), st.integers(1, 7)), max_size=4)


@pytest.mark.req("STATS-1", "STATS-2")
@settings(
    max_examples=12,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=history, runs=runs)
def test_incremental_and_rebuilt_rollups_are_identical(
    history, runs, flow, agent, unit, other_unit, unit_officer, supervisor, centre_admin
):
    """STATS-1: after a random history the outbox-fed rollups equal a rebuild, row for row,
    whatever batches the worker delivered the events in (each ticket recomputed once per batch,
    events delivered again after a lost mark)."""
    from tests.factories import UserFactory

    Fact.objects.all().delete()
    for level in LEVELS:
        level.model._default_manager.all().delete()
    Ticket.objects.all().delete()
    other = UserFactory(unit=other_unit, roles=["unit_handler"])
    officers = [unit_officer, other]
    for n, (offset, which, steps, result) in enumerate(history):
        when = at("2026-10-01 09:00") + timedelta(days=offset)
        code = (unit, other_unit)[which].code
        ticket = flow(code, when.strftime("%Y-%m-%d %H:%M"), phone=f"1390000{n:04d}")
        actors = {"agent": agent, "officer": officers[which], "boss": supervisor}
        moment = when + timedelta(hours=1)
        for step, hours in steps:
            moment += timedelta(hours=hours)
            with contextlib.suppress(DomainError):  # not allowed now: the history goes on
                _step(step, ticket, actors, moment, result)
            if step == "reply":
                deadlines_sweep(now=moment)
        for after, size in runs:
            if after == n:
                outbox_deliver(now=at("2027-06-30 00:00"), limit=size)
                if size % 3 == 0:  # a crash before the marks: the same events once more
                    OutboxMessage.objects.filter(pk=OutboxMessage.objects.order_by("pk")
                        .filter(delivered_at__isnull=False).values("pk")[:1]).update(
                        delivered_at=None)  # fmt: skip
    deliver()
    stats_catch_up()
    incremental = rollup_rows(START, END)
    assert incremental  # at least the registrations
    rollup_rebuild(START, END)
    assert rollup_rows(START, END) == incremental
    _coarse_rows_agree_with_the_fine_ones()


#: Periods with and without whole months, their edges on either side of a month's turn.
PERIODS = [
    (date(2026, 9, 28), date(2026, 11, 5)),
    (date(2026, 10, 1), date(2026, 10, 31)),
    (date(2026, 9, 30), date(2026, 10, 1)),
    (date(2026, 10, 31), date(2026, 11, 30)),
    (date(2026, 10, 5), date(2026, 10, 20)),
    (date(2026, 9, 1), date(2026, 12, 31)),
]


def _coarse_rows_agree_with_the_fine_ones() -> None:
    """The coarse rollups the screens read give the sums of the fine rows, for any period."""
    for values in Fact.objects.values(*COUNTERS):
        assert all(values[n] <= 1 for n in COUNTERS if n not in REPEATABLE), values
    for start, end in PERIODS:
        period = sel.Period(start, end)
        fine = sel._sums(period, filters=Q())  # the fine rows, summed by unit
        assert sel._sums(period) == fine, (start, end)
        for dimension in ("channel", "category", "area_key"):
            coarse = {r["key"]: r["registered"] for r in sel.breakdown(period, dimension)}
            rows = DailyRollup.objects.filter(day__gte=start, day__lte=end, unit_key=0)
            expected = {
                r[dimension]: r["n"]
                for r in rows.values(dimension).annotate(n=Sum("registered"))
                if r["n"]
            }
            assert {k: v for k, v in coarse.items() if v} == expected, (start, end, dimension)


def test_the_rebuild_command(flow, unit, capsys):
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    before = rollup_rows(START, END)
    for level in LEVELS:
        level.model._default_manager.all().delete()
    call_command("stats", "rebuild", "--from", "2026-10-01", "--to", "2026-10-31")
    assert "tickets 1" in capsys.readouterr().out
    assert rollup_rows(START, END) == before


def test_a_rebuild_of_some_days_keeps_their_months_whole(flow, unit):
    """STATS-1: rebuilding one day sums its month again from every day of it."""
    flow(unit.code, "2026-10-08 09:00")
    flow(unit.code, "2026-10-20 09:00")
    flow(unit.code, "2026-11-02 09:00")
    deliver()
    before = rollup_rows(START, END)
    rollup_rebuild(date(2026, 10, 20), date(2026, 11, 1))
    assert rollup_rows(START, END) == before
    october = sel._sums(sel.Period(date(2026, 10, 1), date(2026, 10, 31)), unit_keys=[unit.pk])
    assert october[unit.pk]["received"] == 2


@pytest.mark.django_db
def test_a_batch_of_more_rows_than_a_statement_may_carry_is_added_in_chunks():
    """2,500 fine rows of 31 columns are 77,500 parameters: more than PostgreSQL (65,535) or
    SQLite (32,766) take in one statement; the upsert goes in chunks and loses none."""
    from collections import Counter

    from hotline.stats.models import UnitDayRollup
    from hotline.stats.rollup import _apply

    day = date(2026, 11, 2)
    delta = {
        (day, n % 50 + 1, "phone", f"c{n}", 0): Counter(registered=1, closed=n % 2)
        for n in range(2_500)
    }
    _apply(delta)
    _apply(delta)  # the same rows again: added to, not duplicated
    assert DailyRollup.objects.filter(day=day).count() == 2_500
    totals = DailyRollup.objects.filter(day=day).aggregate(r=Sum("registered"), c=Sum("closed"))
    assert totals == {"r": 5_000, "c": 2_500}
    units = UnitDayRollup.objects.filter(day=day).exclude(unit_key=0)
    assert units.count() == 50
    assert units.aggregate(r=Sum("registered"))["r"] == 5_000
