"""Fair dispatch of market-service requests (DISPATCH-5, DISPATCH-7, O4, FRANCHISE-3, -4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.core.errors import DomainError, InvalidInput
from hotline.directory.models import Unit
from hotline.franchise import services as svc
from hotline.franchise.models import Franchisee, MarketOrder, Offer
from hotline.tickets.models import Assignment
from tests.franchise.conftest import NOW, make_franchisee

pytestmark = pytest.mark.django_db


@pytest.mark.req("DISPATCH-7", "O4")
def test_the_nearest_comes_first_then_good_credit(agent, areas, make, request_ticket):
    """DISPATCH-7, O4: nearest first; among the equally near, good credit first."""
    far = make("FAR", base=areas["C21"], credit=99)
    near_poor = make("NEARP", base=areas["C11"], credit=65)
    near_good = make("NEARG", base=areas["C11"], credit=90)
    street = make("STREET", base=areas["C12"], credit=90)
    order = svc.market_dispatch(actor=agent, ticket=request_ticket(), service="cleaning", now=NOW)
    assert order.considered == ["NEARG", "NEARP", "STREET", "FAR"]
    assert order.franchisee == near_good
    assert "距离0级" in order.reasons["NEARG"] and "信用良好" in order.reasons["NEARG"]
    assert {far, near_poor, street} < set(Franchisee.objects.all())


@pytest.mark.req("DISPATCH-7")
def test_blacklisted_expired_and_other_services_are_not_offered(agent, areas, make, request_ticket):
    make("OK", base=areas["C11"])
    make("MOVER", base=areas["C11"], services=["moving"])
    make("OLD", base=areas["C11"], valid_until=(NOW - timedelta(days=1)).date())
    bad = make("BAD", base=areas["C11"])
    Franchisee.objects.filter(pk=bad.pk).update(status=Franchisee.Status.BLACKLISTED)
    order = svc.market_dispatch(actor=agent, ticket=request_ticket(), service="cleaning", now=NOW)
    assert order.considered == ["OK"]


@pytest.mark.req("DISPATCH-7")
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(equals=st.integers(min_value=2, max_value=5), rounds=st.integers(min_value=1, max_value=3))
def test_the_rotation_gives_every_equal_franchisee_its_turn(
    equals, rounds, agent, areas, request_ticket
):
    """DISPATCH-7 (property): among equals, every N dispatches offer each of the N once, and
    each offer is the one the log says was offered longest ago (never offered first)."""
    Offer.objects.all().delete()
    MarketOrder.objects.all().delete()
    Franchisee.objects.all().delete()
    Unit.objects.filter(code__startswith="EQ").delete()
    codes = [f"EQ{i}" for i in range(equals)]
    for code in codes:
        make_franchisee(code, base=areas["C11"], credit=85)
    offered = []
    for n in range(equals * rounds):
        at = NOW + timedelta(minutes=n)
        ticket = request_ticket(when=at, phone=f"1390000{n:04d}")
        before = {
            code: Offer.objects.filter(franchisee__unit__code=code).order_by("-offered_at").first()
            for code in codes
        }
        order = svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning", now=at)
        offered.append(order.franchisee.unit.code)
        # Provable from the log: the one offered longest ago (or never) gets the order.
        expected = min(
            codes, key=lambda c: (before[c].offered_at.timestamp() if before[c] else -1, c)
        )
        assert order.franchisee.unit.code == expected
    for block in range(rounds):
        assert sorted(offered[block * equals : (block + 1) * equals]) == codes


@pytest.mark.req("DISPATCH-7")
def test_an_override_needs_a_reason_and_shows_in_the_favour_report(
    agent, areas, make, request_ticket
):
    """DISPATCH-7: no "人情单" without a recorded reason; the override report lists it."""
    make("FIRST", base=areas["C11"])
    make("SECOND", base=areas["C11"])
    make("THIRD", base=areas["C21"])
    ticket = request_ticket()
    with pytest.raises(InvalidInput):
        svc.market_dispatch(
            actor=agent, ticket=ticket, service="cleaning", franchisee_code="THIRD", now=NOW
        )
    order = svc.market_dispatch(
        actor=agent,
        ticket=ticket,
        service="cleaning",
        franchisee_code="THIRD",
        override_reason="该企业有专用设备",
        now=NOW,
    )
    assert order.franchisee.unit.code == "THIRD"
    assert list(svc.overrides_report()) == [order]
    assert "人工指定：该企业有专用设备" in order.reasons["THIRD"]


@pytest.mark.req("FRANCHISE-3")
def test_the_citizen_may_choose_among_the_recommended(agent, areas, make, request_ticket):
    """FRANCHISE-3: the citizen's choice among the recommended needs no override reason."""
    make("FIRST", base=areas["C11"])
    make("SECOND", base=areas["C11"])
    order = svc.market_dispatch(
        actor=agent,
        ticket=request_ticket(),
        service="cleaning",
        franchisee_code="SECOND",
        citizen_choice=True,
        now=NOW,
    )
    assert order.franchisee.unit.code == "SECOND" and order.citizen_choice
    assert not list(svc.overrides_report())


@pytest.mark.req("FRANCHISE-3", "O3", "CALLBACK-4")
def test_accept_serve_report_drives_the_ticket(agent, areas, make, request_ticket, staff_of):
    """FRANCHISE-3, O3: accepted → the ticket is dispatched to and signed by the franchisee's
    unit; the report records the service agreement and is the unit's reply."""
    franchisee = make("ONE", base=areas["C11"])
    worker = staff_of(franchisee, "franchise1")
    ticket = request_ticket()
    svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning", now=NOW)
    order = svc.market_accept(
        actor=worker, ticket_number=ticket.number, now=NOW + timedelta(minutes=5)
    )
    ticket.refresh_from_db()
    assert ticket.state == "signed"
    lead = ticket.assignments.get(active=True, role=Assignment.Role.LEAD)
    assert lead.unit == franchisee.unit
    order = svc.market_report(
        actor=worker,
        ticket_number=ticket.number,
        price=Decimal("120.00"),
        agreed_at=NOW + timedelta(minutes=20),
        served_at=NOW + timedelta(hours=3),
        note="已完成全屋保洁",
        now=NOW + timedelta(hours=4),
    )
    ticket.refresh_from_db()
    assert ticket.state == "replied"
    assert order.state == MarketOrder.State.REPORTED and order.price == Decimal("120.00")
    assert order.feedback.token and order.feedback.filled_at is None
    assert "约定价格 120.00 元" in ticket.events.get(action="ticket.replied").note


@pytest.mark.req("FRANCHISE-4", "DISPATCH-7")
def test_a_timeout_passes_the_order_to_the_next_in_turn(
    agent, areas, make, request_ticket, staff_of
):
    """FRANCHISE-4: an offer not accepted within the response time goes to the next in turn."""
    first = make("A1", base=areas["C11"], response_minutes=15)
    second = make("A2", base=areas["C12"])
    ticket = request_ticket()
    svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning", now=NOW)
    assert svc.market_offers_sweep(now=NOW + timedelta(minutes=14)) == 0
    assert svc.market_offers_sweep(now=NOW + timedelta(minutes=15)) == 1
    assert svc.market_offers_sweep(now=NOW + timedelta(minutes=15)) == 0  # idempotent
    order = MarketOrder.objects.get(ticket=ticket)
    assert order.franchisee == second
    assert list(order.offers.values_list("franchisee__unit__code", "outcome")) == [
        ("A1", "timed_out"),
        ("A2", "pending"),
    ]
    with pytest.raises(DomainError) as refused:
        svc.market_accept(actor=staff_of(first, "late"), ticket_number=ticket.number, now=NOW)
    assert refused.value.status == 404  # no longer theirs
    assert svc.market_offers_sweep(now=NOW + timedelta(hours=2)) == 1
    order.refresh_from_db()
    assert order.state == MarketOrder.State.UNSERVED


@pytest.mark.req("FRANCHISE-4")
def test_a_price_far_above_the_guidance_is_flagged(agent, areas, make, request_ticket, staff_of):
    from hotline.franchise.models import PriceGuide

    PriceGuide.objects.create(service="cleaning", price=Decimal("100"), unit_label="次")
    franchisee = make("ONE", base=areas["C11"])
    worker = staff_of(franchisee, "w")
    ticket = request_ticket()
    svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning", now=NOW)
    svc.market_accept(actor=worker, ticket_number=ticket.number, now=NOW)
    order = svc.market_report(
        actor=worker,
        ticket_number=ticket.number,
        price=Decimal("180"),
        agreed_at=NOW,
        served_at=NOW + timedelta(hours=1),
        note="",
        now=NOW + timedelta(hours=2),
    )
    assert order.price_flagged
