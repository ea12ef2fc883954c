"""The shift mix of bench/load.py: agents at the desk and unit clerks at their inbox.

Environment: ``HOTLINE_LOAD_AGENT_TOKEN``, ``HOTLINE_LOAD_CLERK_TOKEN`` (API tokens of an agent
and of a handler of ``HOTLINE_LOAD_UNIT``) and ``HOTLINE_LOAD_THINK`` ("MIN,MAX" seconds an agent
talks or types between two requests; a clerk reads twice as long). Every request is named by
its action, so the statistics come out per action. Kept in its own folder: Locust puts the
locustfile's folder on ``sys.path``, and ``bench/calendar.py`` would shadow the standard library
there.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

QUERIES = ["社保卡补办", "电梯困人", "噪音扰民", "公积金提取", "停水通知", "物业费", "医保报销"]
UNIT = os.environ.get("HOTLINE_LOAD_UNIT", "ZJJ")
THINK_MIN, THINK_MAX = (float(s) for s in os.environ.get("HOTLINE_LOAD_THINK", "3,10").split(","))


class Agent(HttpUser):
    """An agent on the phone: look the caller up, search the knowledge base, register,
    dispatch, glance at the lists."""

    weight = 3
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['HOTLINE_LOAD_AGENT_TOKEN']}"
        self.phone = f"139{random.randrange(10**8):08d}"

    @task(4)
    def desk_lookup(self) -> None:
        self.client.get("/api/v1/tickets", params={"q": self.phone}, name="desk look-up")

    @task(4)
    def kb_search(self) -> None:
        q = random.choice(QUERIES)
        self.client.get("/api/v1/kb/search", params={"q": q}, name="knowledge search")

    @task(2)
    def register_and_dispatch(self) -> None:
        body = {
            "channel": "phone",
            "category": "complaint",
            "content": "小区旁工地夜间施工噪音扰民,已持续一周",
            "citizen": {"phone": self.phone, "name": "王女士"},
        }
        with self.client.post(
            "/api/v1/tickets", json=body, name="register", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            number = response.json()["number"]
        self.client.post(f"/api/v1/tickets/{number}/dispatch", json={"unit": UNIT}, name="dispatch")

    @task(2)
    def list_page(self) -> None:
        self.client.get("/api/v1/tickets", params={"state": "registered"}, name="ticket list")


class Clerk(HttpUser):
    """A unit clerk: the inbox, then sign for and reply to what arrived."""

    weight = 1
    wait_time = between(2 * THINK_MIN, 2 * THINK_MAX)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['HOTLINE_LOAD_CLERK_TOKEN']}"

    @task(3)
    def inbox(self) -> None:
        self.client.get("/api/v1/tickets", params={"unit": UNIT}, name="unit inbox")

    @task(2)
    def sign_and_reply(self) -> None:
        response = self.client.get(
            "/api/v1/tickets", params={"state": "dispatched"}, name="unit inbox (dispatched)"
        )
        rows = response.json().get("results", []) if response.ok else []
        if not rows:
            return
        number = random.choice(rows)["number"]
        # Two clerks may pick the same ticket: 409 (already signed) is an expected answer.
        with self.client.post(
            f"/api/v1/tickets/{number}/sign", name="sign", catch_response=True
        ) as signed:
            if signed.status_code == 409:
                signed.success()
                return
        with self.client.post(
            f"/api/v1/tickets/{number}/reply",
            json={"content": "已现场核查并责令整改"},
            name="reply",
            catch_response=True,
        ) as replied:
            if replied.status_code == 409:
                replied.success()
