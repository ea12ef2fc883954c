"""`hotline demo-data` builds the fictional district the issue asks for, idempotently."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.citizens.models import Citizen
from hotline.directory.models import Area, Liaison, ResponsibilityItem, Unit
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.services import ticket_state_from_events
from hotline.tickets.transitions import State

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "agent": ("CENTRE", ["agent"]),
    "reviewer": ("CENTRE", ["reviewer"]),
    "callback": ("CENTRE", ["callback"]),
    "inspector": ("CENTRE", ["inspector"]),
    "supervisor": ("CENTRE", ["supervisor"]),
    "centreadmin": ("CENTRE", ["centre_admin"]),
    "handler1": (None, ["unit_handler"]),
    "unitadmin1": (None, ["unit_admin"]),
    "handler2": (None, ["unit_handler"]),
    "unitadmin2": (None, ["unit_admin"]),
    "handler3": (None, ["unit_handler"]),
    "unitadmin3": (None, ["unit_admin"]),
}


def counts() -> tuple[int, ...]:
    return (
        Area.objects.count(),
        Unit.objects.count(),
        Liaison.objects.count(),
        ResponsibilityItem.objects.count(),
        User.objects.count(),
        Citizen.objects.count(),
        Ticket.objects.count(),
    )


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Load the demo once for the module inside a transaction rolled back at its end; each
    test runs in a savepoint of it (``db``), so what one test changes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("demo_data", "--tickets", "40", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded: str, db: None) -> str:
    return demo_loaded


def test_demo_district_is_big_enough(demo):
    assert Area.objects.filter(kind__in=["subdistrict", "town"]).count() >= 8
    assert Area.objects.filter(kind__in=["community", "village"]).count() >= 40
    assert Unit.objects.filter(kind__in=["department", "public_service"]).count() >= 30
    assert Unit.objects.filter(kind="centre").count() == 1
    assert Unit.objects.filter(joined=False).exists()


def test_every_department_has_a_responsibility_list_and_a_liaison(demo):
    for unit in Unit.objects.filter(kind__in=["department", "public_service"]):
        assert unit.responsibilities.exists(), unit
        assert unit.liaisons.exists(), unit


def test_demo_users_are_named_by_role(demo):
    units = {}
    for username, (unit_code, roles) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.role_codes() == roles
        assert user.check_password("hotline-demo-2026")
        if unit_code:
            assert user.unit.code == unit_code
        else:
            assert not user.unit.is_centre
        units[username] = user.unit.code
    assert units["handler1"] == units["unitadmin1"]
    assert units["handler2"] == units["unitadmin2"]
    assert units["handler3"] == units["unitadmin3"]
    assert len({units["handler1"], units["handler2"], units["handler3"]}) == 3


def test_demo_data_prints_the_logins(demo):
    for username in DEMO_USERS:
        assert username in demo
    assert "hotline-demo-2026" in demo


def test_demo_data_is_idempotent(demo):
    before = counts()
    call_command("demo_data", "--tickets", "40", stdout=io.StringIO())
    assert counts() == before


def test_demo_data_survives_a_changed_password(demo):
    user = User.objects.get(username="agent")
    user.set_password("a-new-long-password")
    user.save()
    call_command("demo_data", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a-new-long-password")


def test_demo_tickets_reach_every_stage_of_the_lifecycle(demo):
    """Issue 5: demo tickets in every state, over the last three months, some overdue."""
    states = set(Ticket.objects.values_list("state", flat=True))
    assert {
        "registered",
        "dispatched",
        "signed",
        "in_progress",
        "returned",
        "replied",
        "closed",
        "archived",
        "not_accepted",
        "transferred",
    } <= states
    oldest = Ticket.objects.order_by("registered_at").first().registered_at
    assert timezone.now() - oldest > timedelta(days=25)
    assert TicketEvent.objects.filter(action="ticket.deadline.overdue").exists()
    for ticket in Ticket.objects.all():
        assert ticket_state_from_events(ticket) == State(ticket.state)


def test_demo_data_has_callbacks_due_and_an_open_inspection(demo):
    """Issue 13: the callback queue and the inspection page have work in the demo."""
    from hotline.callbacks.models import DueCallback, Inspection

    assert DueCallback.objects.filter(state="open").exists()
    assert Inspection.objects.filter(state="open").exists()
    assert "Callbacks due:" in demo
