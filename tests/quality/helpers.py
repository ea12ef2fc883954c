"""Helpers of the quality tests: a clock, tickets registered by an agent, API clients."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def register(
    agent: Any, *, phone: str = "13900007777", when: str = "2026-10-12 09:00", **kw: Any
) -> Ticket:
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category="consultation",
        content="咨询居住证办理需要哪些材料",
        citizen_phone=phone,
        now=at(when),
        **kw,
    )


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
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )
