"""Two people acting on one ticket at once: one wins, the other gets a clear conflict."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hotline.core.errors import DomainError
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket


def _dispatched(agent, unit) -> Ticket:
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="下水道堵塞",
        citizen_phone="13900007777",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    return ticket


@pytest.mark.django_db
def test_a_stale_copy_of_the_ticket_cannot_change_it(agent, unit, unit_officer, unit_admin):
    ticket = _dispatched(agent, unit)
    mine = Ticket.objects.get(pk=ticket.pk)
    theirs = Ticket.objects.get(pk=ticket.pk)
    svc.ticket_sign(actor=unit_officer, ticket=mine)
    with pytest.raises(DomainError) as exc:
        svc.ticket_return(actor=unit_admin, ticket=theirs, reason="不属本单位", basis="三定方案")
    assert exc.value.status == 409 and exc.value.code == "conflict"
    ticket.refresh_from_db()
    assert ticket.state == "signed"
    assert not ticket.events.filter(action="ticket.returned").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-level concurrency is PostgreSQL's (SQLite has one writer)",
)
def test_two_threads_acting_at_once_one_wins(agent, unit, unit_officer, unit_admin):
    ticket = _dispatched(agent, unit)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, action) -> None:
        copy = Ticket.objects.get(pk=ticket.pk)
        barrier.wait()
        try:
            if action == "sign":
                svc.ticket_sign(actor=user, ticket=copy)
            else:
                svc.ticket_return(actor=user, ticket=copy, reason="不属本单位", basis="三定方案")
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(unit_officer, "sign")),
        threading.Thread(target=act, args=(unit_admin, "return")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    ticket.refresh_from_db()
    assert ticket.version == 3  # registered 1, dispatched 2, one winner 3
    lifecycle = ticket.events.filter(action__in=["ticket.signed", "ticket.returned"])
    assert lifecycle.count() == 1
    assert svc.ticket_state_from_events(ticket).value == ticket.state
