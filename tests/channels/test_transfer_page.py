"""DISPATCH-6 from the ticket page: a platform connected as a peer receives the ticket itself;
any other platform is recorded by name; a peer that does not answer changes nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from hotline.channels.models import Peer, Transfer
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.req("DISPATCH-6")]


@pytest.fixture
def peer_platform():
    """A real HTTP server standing for the other platform's /api/v1/transfers/in."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append({"path": self.path, "body": json.loads(body), **self.headers})
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"number": "B-20261128-0001"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def _ticket(agent) -> Ticket:
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="邻区的路灯坏了",
        citizen_phone="13900001234",
    )


def _transfer(agent, ticket: Ticket, platform: str):
    client = Client()
    client.force_login(agent)
    return client.post(
        f"/tickets/{ticket.number}/do/transfer/",
        {"transfer-platform": platform, "transfer-note": "属邻区管辖"},
    )


def test_a_connected_peer_receives_the_ticket_from_the_page(centre, agent, peer_platform):
    url, received = peer_platform
    Peer.objects.create(name="邻区12345", url=url, secret="k")
    ticket = _ticket(agent)

    page = Client()
    page.force_login(agent)
    assert "已接入的平台会直接收到该工单：邻区12345" in page.get(f"/tickets/{ticket.number}/").text

    response = _transfer(agent, ticket, "邻区12345")
    assert response.status_code == 302
    assert received[0]["path"] == "/api/v1/transfers/in"
    assert received[0]["body"]["number"] == ticket.number
    assert received[0]["X-Hotline-Signature"].startswith("sha256=")
    ticket.refresh_from_db()
    assert ticket.state == "transferred"
    sent = Transfer.objects.get(ticket=ticket)
    assert (sent.direction, sent.remote_number) == ("out", "B-20261128-0001")


def test_an_unconnected_platform_is_recorded_by_name(centre, agent):
    ticket = _ticket(agent)
    assert _transfer(agent, ticket, "110指挥中心").status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "transferred"
    assert not Transfer.objects.exists()
    assert ticket.events.get(action="ticket.transferred").payload["platform"] == "110指挥中心"


def test_a_peer_that_does_not_answer_changes_nothing_and_says_so(centre, agent):
    Peer.objects.create(name="邻区12345", url="http://127.0.0.1:9", secret="k")
    ticket = _ticket(agent)
    response = _transfer(agent, ticket, "邻区12345")
    assert response.status_code == 502
    assert "转往“邻区12345”失败" in response.text
    assert "属邻区管辖" in response.text  # what was typed is kept
    ticket.refresh_from_db()
    assert ticket.state == "registered"
