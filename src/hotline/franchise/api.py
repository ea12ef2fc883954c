"""The market-service API (issue 16): franchisees, fair dispatch, acceptance and report.

The ticket actions live under ``/tickets/{number}/market-…`` in this router (tickets never import
this app). Refusals are ``{"code", "message"}``: 400 bad input, 403 role, 404 not visible, 409
state (already dispatched, offer expired, not accepted).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from hotline.core.edge import InSchema, text_field
from hotline.franchise import selectors as sel
from hotline.franchise import services as svc
from hotline.franchise.models import MarketOrder
from hotline.tickets.access import ticket_get_for_user

router = Router(tags=["market services"])

Code = Annotated[str, StringConstraints(max_length=32)]


class MarketFranchiseeFilters(Schema):
    service: Code | None = None
    area: Code | None = None


class FranchiseeOut(Schema):
    code: str
    name: str
    services: list[str]
    stars: int
    credit: int
    blacklisted: bool


class FranchiseeList(Schema):
    results: list[FranchiseeOut]


class MarketDispatchIn(InSchema):
    service: Code
    franchisee: Code = ""
    override_reason: str = text_field("", max_length=500)
    citizen_choice: bool = False


class MarketDispatchOut(Schema):
    offered_to: str
    order: list[str]
    reasons: dict[str, str]


class MarketOrderOut(Schema):
    ticket: str
    service: str
    state: str
    franchisee: str | None
    accepted_at: datetime | None
    price: Decimal | None
    agreed_at: datetime | None
    served_at: datetime | None
    price_flagged: bool


class MarketReportIn(InSchema):
    price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    agreed_at: datetime
    served_at: datetime
    note: str = text_field("")
    #: Where the profile asks at the reply whether the citizen is satisfied (QLH 五(四)).
    citizen_satisfaction: str = text_field("", max_length=32)


def _order_out(order: MarketOrder) -> dict[str, Any]:
    return {
        "ticket": order.ticket.number,
        "service": order.service,
        "state": order.state,
        "franchisee": order.franchisee.unit.code if order.franchisee else None,
        "accepted_at": order.accepted_at,
        "price": order.price,
        "agreed_at": order.agreed_at,
        "served_at": order.served_at,
        "price_flagged": order.price_flagged,
    }


@router.get(
    "/market/franchisees",
    response=FranchiseeList,
    summary="Franchisees for a service and area, in the dispatch rule's order (DISPATCH-7)",
)
def franchisee_list(
    request: HttpRequest, filters: Query[MarketFranchiseeFilters]
) -> dict[str, Any]:
    return {"results": sel.franchisee_rows(service=filters.service, area_code=filters.area)}


@router.post(
    "/tickets/{number}/market-dispatch",
    response=MarketDispatchOut,
    summary="Route a market-service request to a franchisee (DISPATCH-5, DISPATCH-7)",
)
def market_dispatch(request: HttpRequest, number: str, payload: MarketDispatchIn) -> dict[str, Any]:
    ticket = ticket_get_for_user(request.user, number)  # type: ignore[arg-type]
    order = svc.market_dispatch(
        actor=request.user,
        ticket=ticket,
        service=payload.service,
        franchisee_code=payload.franchisee,
        override_reason=payload.override_reason,
        citizen_choice=payload.citizen_choice,
    )
    return {
        "offered_to": order.franchisee.unit.code,  # type: ignore[union-attr]
        "order": order.considered,
        "reasons": order.reasons,
    }


@router.post(
    "/tickets/{number}/market-accept",
    response=MarketOrderOut,
    summary="The franchisee accepts the order (FRANCHISE-3, FRANCHISE-4)",
)
def market_accept(request: HttpRequest, number: str) -> dict[str, Any]:
    return _order_out(svc.market_accept(actor=request.user, ticket_number=number))


@router.post(
    "/tickets/{number}/market-report",
    response=MarketOrderOut,
    summary="The franchisee's service agreement and report (FRANCHISE-3, O3)",
)
def market_report(request: HttpRequest, number: str, payload: MarketReportIn) -> dict[str, Any]:
    order = svc.market_report(
        actor=request.user,
        ticket_number=number,
        price=payload.price,
        agreed_at=payload.agreed_at,
        served_at=payload.served_at,
        note=payload.note,
        citizen_satisfaction=payload.citizen_satisfaction,
    )
    return _order_out(order)
