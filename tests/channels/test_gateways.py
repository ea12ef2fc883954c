"""Signed gateway intake, the SMS gateway adapter, the ringing call, bulletins, transfers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hotline.accounts.models import ApiToken
from hotline.channels.models import Peer, Ringing, Transfer
from hotline.channels.services import transfer_receive, transfer_reply_receive
from hotline.notifications.models import DeliveryAttempt, OutboxMessage
from hotline.notifications.services import outbox_deliver
from hotline.tickets.models import Ticket
from tests.channels.conftest import reply_ticket

SECRET = "s3cret-sms"


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.HOTLINE_INTAKE_SECRETS = f"sms={SECRET},wechat=other"


def _signed(body: dict, *, secret: str = SECRET, at: int | None = None) -> dict:
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(at if at is not None else int(time.time()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_HOTLINE_TIMESTAMP": stamp,
        "HTTP_X_HOTLINE_SIGNATURE": f"sha256={mac}",
    }


MESSAGE = {"message_id": "m-1", "from": "13900003333", "text": "楼下餐馆油烟扰民"}


@pytest.mark.req("INTAKE-2")
def test_a_signed_sms_becomes_a_ticket_once(centre):
    """INTAKE-2: an SMS through the signed webhook is a registered ticket, channel sms."""
    client = Client()
    first = client.post("/api/v1/intake/sms", **_signed(MESSAGE))
    assert first.status_code == 201, first.content
    number = first.json()["ticket"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "sms" and ticket.state == "registered"
    # A gateway's retry, signed afresh, gets the same ticket (idempotent by message_id) ...
    retry = client.post("/api/v1/intake/sms", **_signed(MESSAGE, at=int(time.time()) + 1))
    assert retry.status_code == 201 and retry.json() == {"ticket": number}
    assert Ticket.objects.count() == 1


def test_a_replayed_request_is_refused(centre):
    """... while the very same signed request again (same timestamp and signature) is a replay."""
    client = Client()
    signed = _signed(MESSAGE)
    assert client.post("/api/v1/intake/sms", **signed).status_code == 201
    replay = client.post("/api/v1/intake/sms", **signed)
    assert replay.status_code == 401 and replay.json()["code"] == "unauthorized"
    assert Ticket.objects.count() == 1


def test_an_answer_to_an_open_ticket_is_attached_to_it(centre):
    client = Client()
    number = client.post("/api/v1/intake/sms", **_signed(MESSAGE)).json()["ticket"]
    follow = {"message_id": "m-2", "from": "13900003333", "text": f"补充：{number} 晚上更严重"}
    assert client.post("/api/v1/intake/sms", **_signed(follow)).json() == {"ticket": number}
    ticket = Ticket.objects.get(number=number)
    assert ticket.events.filter(action="ticket.citizen.message").count() == 1


def test_bad_signatures_unknown_sources_and_old_timestamps_are_401(centre):
    client = Client()
    assert client.post("/api/v1/intake/sms", **_signed(MESSAGE, secret="wrong")).status_code == 401
    assert client.post("/api/v1/intake/fax", **_signed(MESSAGE)).status_code == 401
    old = int(time.time()) - 301
    response = client.post("/api/v1/intake/sms", **_signed(MESSAGE, at=old))
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    unsigned = client.post("/api/v1/intake/sms", MESSAGE, content_type="application/json")
    assert unsigned.status_code == 401
    assert not Ticket.objects.exists()


def test_bad_bodies_are_4xx_json(centre):
    client = Client()
    for body in ({"message_id": "x", "from": "139", "text": "t"}, {"message_id": "x"}):
        response = client.post("/api/v1/intake/sms", **_signed(body))
        assert response.status_code == 400 and "code" in response.json()
    nul = {**MESSAGE, "text": "a\x00b"}
    assert client.post("/api/v1/intake/sms", **_signed(nul)).status_code == 400


def test_sms_leave_through_the_gateway_retried_until_2xx(centre, settings, gateway):
    settings.HOTLINE_SMS_GATEWAY_URL = gateway.url
    Client().post("/portal/submit/", {"action": "code", "phone": "13900004444"})
    gateway.status = 503
    assert outbox_deliver() == (0, 1)
    message = OutboxMessage.objects.get(adapter="sms")
    assert message.delivered_at is None and "503" in message.last_error
    gateway.status = 200
    outbox_deliver(now=timezone.now() + timedelta(minutes=5))
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert DeliveryAttempt.objects.filter(message=message).count() == 2
    assert gateway.received[-1]["message_id"] == str(message.pk)
    assert set(gateway.received[-1]) == {"message_id", "to", "text"}


@pytest.mark.req("CALLCENTRE-1")
def test_a_ringing_call_pops_on_the_agents_desk(agent):
    """CALLCENTRE-1: the phone system's ringing call opens the caller's record, no click."""
    system = ApiToken.issue(user=agent, name="pbx")[1]
    client = Client()
    response = client.post(
        "/api/v1/calls/ringing",
        {"number": "13900005555", "agent": "agent"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {system}",
    )
    assert response.status_code == 201, response.content
    desk = Client()
    desk.force_login(agent)
    popped = desk.get("/desk/ringing/")
    assert popped.status_code == 200 and "13900005555" in popped.content.decode()
    assert desk.get("/desk/ringing/").status_code == 204  # shown once
    assert Ringing.objects.get().shown_at is not None
    unknown = client.post(
        "/api/v1/calls/ringing",
        {"number": "13900005555", "agent": "nobody"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {system}",
    )
    assert unknown.status_code == 404


@pytest.mark.req("PUBLISH-1")
def test_published_information_shows_on_the_desk_and_the_portal(agent):
    """PUBLISH-1: information with a validity period shows while valid."""
    client = Client()
    client.force_login(agent)
    now = timezone.now()
    response = client.post(
        "/api/v1/bulletins",
        {
            "kind": "outage",
            "title": "东门街道停水",
            "body": "明日 9 点至 17 点停水",
            "valid_from": (now - timedelta(hours=1)).isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert "东门街道停水" in client.get("/desk/bulletins/").content.decode()
    assert "东门街道停水" in Client().get("/portal/").content.decode()
    assert Client().get("/api/v1/bulletins").json()[0]["title"] == "东门街道停水"
    backwards = client.post(
        "/api/v1/bulletins",
        {
            "kind": "outage",
            "title": "x",
            "body": "y",
            "valid_from": now.isoformat(),
            "valid_until": (now - timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert backwards.status_code == 400


@pytest.mark.req("DISPATCH-6")
def test_a_ticket_received_from_a_peer_records_its_origin_and_sends_the_reply_back(
    centre, agent, unit, unit_officer, gateway
):
    """DISPATCH-6: transfer in records the origin platform and number; the reply goes back."""
    peer = Peer.objects.create(name="city", url=gateway.url.removesuffix("/sms"), secret="k")
    transfer = transfer_receive(
        peer=peer,
        payload={"number": "20261128-000007", "content": "噪音", "phone": "13900006666"},
    )
    ticket = transfer.ticket
    assert ticket.channel == "transfer_in" and transfer.remote_number == "20261128-000007"
    reply_ticket(ticket, agent=agent, unit=unit, officer=unit_officer, text="已处理。")
    outbox_deliver()
    assert gateway.received[-1]["number"] == "20261128-000007"
    assert gateway.received[-1]["reply"] == "已处理。"
    transfer.refresh_from_db()
    assert transfer.replied_at is not None


def test_a_peers_reply_closes_the_loop_on_the_sending_side(centre, agent):
    from hotline.tickets import services as svc

    peer = Peer.objects.create(name="city", url="http://127.0.0.1:9/", secret="k")
    ticket = svc.ticket_register(
        actor=agent, channel="phone", category="help", content="c", citizen_phone="13900007777"
    )
    svc.ticket_transfer(actor=agent, ticket=ticket, platform="city")
    Transfer.objects.create(ticket=ticket, peer=peer, direction="out", remote_number="R-1")
    transfer_reply_receive(peer=peer, number=ticket.number, reply="对方已答复。")
    assert ticket.events.filter(action="ticket.transfer.replied").get().note == "对方已答复。"


def test_huge_bodies_are_refused_as_json(centre):
    client = Client()
    big = {"message_id": "big", "from": "13900003333", "text": "长" * 2_000_000}
    response = client.post("/api/v1/intake/sms", **_signed(big))
    assert 400 <= response.status_code < 500
    assert "code" in response.json()
    open311 = client.post(
        "/open311/v2/requests.json", {"api_key": "x", "description": "长" * 2_000_000}
    )
    assert 400 <= open311.status_code < 500
