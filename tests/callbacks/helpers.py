"""Helpers of the callback tests: a clock, tickets brought to their result, an API client."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def mobile(tag: str) -> str:
    """A valid mainland mobile number standing for ``tag`` (distinct tags, distinct numbers)."""
    if len(tag) == 11 and tag.isdigit() and tag.startswith("1"):
        return tag
    return f"139{sum(ord(c) * 131**i for i, c in enumerate(tag)) % 10**8:08d}"


def replied(
    agent: Any,
    officer: Any,
    unit_code: str,
    *,
    when: str = "2026-10-05 09:00",
    reply_at: str = "2026-10-06 10:00",
    phone: str = "13900007777",
    category: str = "complaint",
) -> Ticket:
    """Register, dispatch, sign and reply: the unit's result is in at ``reply_at``."""
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category=category,
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone=mobile(phone),
        now=at(when),
    )
    profile = load_profile(ticket.profile)
    if profile.review.required:
        svc.ticket_review(actor=agent, ticket=ticket, now=at(when))
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit_code, now=at(when))
    svc.ticket_sign(actor=officer, ticket=ticket, now=at(when))
    satisfaction = "satisfied" if profile.reply.asks_satisfaction else ""
    svc.ticket_reply(
        actor=officer,
        ticket=ticket,
        content="已责令夜间停工",
        citizen_satisfaction=satisfaction,
        now=at(reply_at),
    )
    return ticket


class Api:
    """A client that speaks JSON with a Bearer token."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps({} if body is None else body),
            content_type="application/json",
        )
