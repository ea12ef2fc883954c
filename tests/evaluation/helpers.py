"""Helpers of the evaluation tests: a clock and tickets handled by the evaluated centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def handed(
    agent: Any,
    officer: Any,
    *,
    channel: str = "phone",
    category: str = "help",
    when: str = "2026-03-02 09:00",
    dispatched: str = "2026-03-02 10:00",
    signed: str | None = "2026-03-02 10:10",
    name: str = "王女士",
) -> Ticket:
    """Register a ticket, dispatch it to the officer's unit and let the unit sign for it."""
    ticket = svc.ticket_register(
        actor=agent,
        channel=channel,
        category=category,
        content="社区事务受理服务中心办事咨询",
        citizen_phone="13900001234",
        citizen_name=name,
        now=at(when),
    )
    if load_profile(ticket.profile).review.required:
        svc.ticket_review(actor=agent, ticket=ticket, now=at(dispatched))
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=officer.unit.code, now=at(dispatched))
    if signed is not None:
        svc.ticket_sign(actor=officer, ticket=ticket, now=at(signed))
    return ticket
