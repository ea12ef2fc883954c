"""The hot path's statement budget: how many SQL statements each lifecycle action may take.

Issue 18: one round trip reads the ticket with what the action needs (its active lead and unit,
``access.ticket_get_for_user``), the lead is not read again within the action, assisting
assignments and deadlines are written in bulk, and nothing is re-read after it is saved. The
bounds below are today's counts, the transaction's own statements included (a test runs inside
a transaction, so an action's ``atomic`` is a SAVEPOINT and its RELEASE here, where production
has BEGIN and COMMIT). They count the statements of the apps that react to the events in the
transaction (notifications, callbacks, supervision, franchise, channels and the outbox row of
each outbox subscriber) as well: a new reaction to a lifecycle event must raise its bound here,
on purpose. SQLite and PostgreSQL take the same number today; ``BOUNDS`` is per vendor so that
one of them may differ.

``bench/lifecycle.py`` prints the same counts beside the lifecycles per second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.tickets import services as svc
from hotline.tickets.access import ticket_get_for_user
from hotline.tickets.models import Ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: The most statements each action may take, the ticket passed along from the previous one.
BOUNDS: dict[str, dict[str, int]] = {
    "sqlite": {
        "register": 9,
        "dispatch": 11,
        "sign": 7,
        "contact": 6,
        "reply": 10,
        "callback": 10,
        "close": 6,
    },
}
BOUNDS["postgresql"] = dict(BOUNDS["sqlite"])

#: The same when each action starts from the ticket read as the API reads it (one query more:
#: that read; the lead comes with it).
FRESH_EXTRA = 1

ACTIONS = ("register", "dispatch", "sign", "contact", "reply", "callback", "close")


def _steps(
    agent: Any, handler: Any, caller: Any, unit_code: str, phone: str = "13900007777"
) -> list[tuple[str, Any]]:
    def register(_ticket: Ticket | None) -> Ticket:
        return svc.ticket_register(
            actor=agent,
            channel="phone",
            category="help",
            content="小区路灯不亮",
            citizen_phone=phone,
        )

    return [
        ("register", register),
        ("dispatch", lambda t: svc.ticket_dispatch(actor=agent, ticket=t, unit_code=unit_code)),
        ("sign", lambda t: svc.ticket_sign(actor=handler, ticket=t)),
        ("contact", lambda t: svc.ticket_contact(actor=handler, ticket=t, note="已电话联系")),
        ("reply", lambda t: svc.ticket_reply(actor=handler, ticket=t, content="已修复")),
        ("callback", lambda t: svc.ticket_callback(actor=caller, ticket=t, result="satisfied")),
        ("close", lambda t: svc.ticket_close(actor=caller, ticket=t)),
    ]


@pytest.fixture
def people(
    agent: Any, unit_officer: Any, centre: Any, unit: Any, settings: Any
) -> tuple[Any, Any, Any]:
    """The three actors, after one lifecycle: the day's counter exists, the work calendar and
    the users' roles are cached, as on a server that has been running (the steady state).

    The tests check the calendar's freshness on every use; a server does it every few seconds
    (``HOTLINE_CALENDAR_CHECK_SECONDS``, two small queries), so it is not counted here.
    """
    settings.HOTLINE_CALENDAR_CHECK_SECONDS = 3600.0
    caller = UserFactory(username="caller", unit=centre, roles=["callback"])
    ticket = None
    for _name, step in _steps(agent, unit_officer, caller, unit.code, phone="13900006666"):
        ticket = step(ticket)
    return agent, unit_officer, caller


def _counted(action: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return result, len(captured)


def test_each_action_stays_within_its_statement_budget(people, unit):
    agent, handler, caller = people
    bounds = BOUNDS.get(connection.vendor, BOUNDS["postgresql"])
    ticket: Ticket | None = None
    counts = {}
    for name, step in _steps(agent, handler, caller, unit.code):
        ticket, counts[name] = _counted(lambda step=step, ticket=ticket: step(ticket))
    assert ticket is not None and ticket.state == "closed"
    over = {name: (counts[name], bounds[name]) for name in ACTIONS if counts[name] > bounds[name]}
    assert not over, f"statements (taken, allowed) over budget: {over}; all: {counts}"


def test_an_action_on_a_ticket_read_as_the_api_reads_it_reads_the_lead_with_it(people, unit):
    """Each action starts from ``ticket_get_for_user``: one query for the ticket and its lead."""
    agent, handler, caller = people
    actors = {"register": agent, "dispatch": agent, "sign": handler, "contact": handler}
    actors |= {"reply": handler, "callback": caller, "close": caller}
    bounds = BOUNDS.get(connection.vendor, BOUNDS["postgresql"])
    number = ""
    counts = {}
    for name, step in _steps(agent, handler, caller, unit.code):
        actor = actors[name]

        def fresh(step: Any = step, actor: Any = actor, number: str = number) -> Ticket:
            current = ticket_get_for_user(actor, number) if number else None
            return step(current)  # type: ignore[no-any-return]

        ticket, counts[name] = _counted(fresh)
        number = ticket.number
    extra = {name: 0 if name == "register" else FRESH_EXTRA for name in ACTIONS}
    over = {
        name: (counts[name], bounds[name] + extra[name])
        for name in ACTIONS
        if counts[name] > bounds[name] + extra[name]
    }
    assert not over, f"statements (taken, allowed) over budget: {over}; all: {counts}"
    assert Ticket.objects.get(number=number).state == "closed"
