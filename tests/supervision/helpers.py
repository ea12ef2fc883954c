"""Helpers of the supervision tests: a clock and tickets in the unit's hands."""

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


def register(agent: Any, *, phone: str = "13900007777", when: str = "2026-11-02 09:00", **kw: Any):
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone=phone,
        now=at(when),
        **kw,
    )


def dispatch(agent: Any, ticket: Ticket, unit_code: str, when: str = "2026-11-02 10:00") -> Ticket:
    if load_profile(ticket.profile).review.required and ticket.state == "registered":
        svc.ticket_review(actor=agent, ticket=ticket, now=at(when))
    return svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit_code, now=at(when))
