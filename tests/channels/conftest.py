"""Shared setup of the channels' tests: a real local HTTP server in place of outside parties."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Recorder:
    """What the fake gateway received, and the status it answers with."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def gateway():
    """A real HTTP server on 127.0.0.1 that records each JSON POST (an SMS gateway)."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            recorder.received.append(json.loads(body))
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    yield recorder
    server.shutdown()
    server.server_close()


def deliver_sms() -> None:
    from hotline.notifications.services import outbox_deliver

    outbox_deliver()


def reply_ticket(ticket, *, agent, unit, officer, text="已安排维修，问题已解决。", satisfaction=""):
    """Dispatch, sign and reply ``ticket`` as the centre and the unit would."""
    from hotline.tickets import services as svc

    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    svc.ticket_sign(actor=officer, ticket=ticket)
    svc.ticket_reply(actor=officer, ticket=ticket, content=text, citizen_satisfaction=satisfaction)
    ticket.refresh_from_db()
    return ticket
