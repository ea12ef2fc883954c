"""Fixtures of the statistics tests: a profile, an agent who reviews and calls back, a flow."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.notifications.services import outbox_deliver
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import UserFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def deliver(now: str = "2027-06-30 00:00") -> None:
    """Run the outbox as the worker would (the rollups are one of its subscribers)."""
    outbox_deliver(now=at(now), limit=100_000)


class Api:
    """A client that speaks JSON with a Bearer token."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def agent(centre):
    return UserFactory(username="agent", unit=centre, roles=["agent", "reviewer", "callback"])


@pytest.fixture
def flow(agent):
    """Register a ticket on ``when`` and dispatch it to ``unit_code`` an hour later."""

    def make(unit_code: str, when: str = "2026-10-08 09:00", phone: str = "13900007777") -> Ticket:
        ticket = svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content="小区旁工地夜间施工噪音扰民",
            citizen_phone=phone,
            now=at(when),
        )
        moment = ticket.registered_at.replace(minute=30)
        if load_profile(ticket.profile).review.required:
            svc.ticket_review(actor=agent, ticket=ticket, now=moment)
        return svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit_code, now=moment)

    return make
