"""The channels' API: signed gateway intake, transfers between platforms, the phone system's
ringing call and published information (issue 15). Routes are listed in the app's README."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from hotline.accounts.models import User
from hotline.core.audit import audit_record
from hotline.core.errors import DomainError, InvalidInput
from hotline.tickets.access import ticket_get_for_user

from .models import Bulletin
from .services import (
    bulletin_publish,
    bulletins_current,
    intake_receive,
    intake_verify,
    peer_verify,
    ringing_record,
    transfer_out,
    transfer_receive,
    transfer_reply_receive,
)

router = Router(tags=["channels"])
#: Mounted at ``/api/v1/calls/ringing`` (route ""), beside the CDR router at ``/calls``.
ringing_router = Router(tags=["channels"])


class TicketNumberOut(Schema):
    ticket: str


def _body_doc(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """Document a JSON body the view reads raw (it must check the signature of the bytes)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_STR = {"type": "string", "maxLength": 4000}


def _json_object(body: bytes) -> dict[str, Any]:
    if b"\x00" in body:
        raise InvalidInput("请求含有非法字符。")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DomainError(
            "The request body is not valid JSON.", code="malformed_json", status=400
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("请求体须为 JSON 对象。")
    return data


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"字段 {key} 缺失或不是文本。")
    return value


@router.post(
    "/intake/{channel}",
    auth=None,
    response={201: TicketNumberOut},
    summary="Receive a message from a signed gateway (SMS, WeChat, app)",
    openapi_extra=_body_doc(
        {"message_id": _STR, "from": _STR, "text": _STR}, ["message_id", "from", "text"]
    ),
)
def intake(request: HttpRequest, channel: str = Path(..., max_length=16)) -> Status[Any]:  # type: ignore[type-arg]
    """``X-Hotline-Timestamp`` (Unix seconds) and ``X-Hotline-Signature: sha256=<hex HMAC-SHA256
    of "<timestamp>.<raw body>">`` with the source's secret (``HOTLINE_INTAKE_SECRETS``). The
    body is ``{"message_id", "from", "text"}``; the answer is the ticket's number, the same
    again for a repeated ``message_id`` signed afresh. Bad signature, unknown source, more than
    5 minutes of clock skew, or the same signed request replayed: 401."""
    body = request.body
    nonce = intake_verify(
        source=channel[:16],
        timestamp=request.headers.get("X-Hotline-Timestamp", ""),
        signature=request.headers.get("X-Hotline-Signature", ""),
        body=body,
    )
    data = _json_object(body)
    ticket = intake_receive(
        source=channel,
        nonce=nonce,
        message_id=_text(data, "message_id"),
        sender=_text(data, "from"),
        text=_text(data, "text"),
    )
    return Status(201, {"ticket": ticket.number})


# ----------------------------------------------------------------------------- transfers


class TransferOutIn(Schema):
    ticket: str = Field(max_length=20)
    peer: str = Field(max_length=64)
    note: str = Field("", max_length=2000)


class TransferOut(Schema):
    ticket: str
    peer: str
    direction: str
    remote_number: str
    reply: str
    replied_at: datetime | None


def _transfer_out(transfer: Any) -> dict[str, Any]:
    return {
        "ticket": transfer.ticket.number,
        "peer": transfer.peer.name,
        "direction": transfer.direction,
        "remote_number": transfer.remote_number,
        "reply": transfer.reply,
        "replied_at": transfer.replied_at,
    }


@router.post("/transfers/out", response={201: TransferOut}, summary="Send a ticket to a peer")
def transfers_out(request: HttpRequest, payload: TransferOutIn) -> Status[Any]:
    """Transfer a ticket to a configured peer platform (DISPATCH-6); it moves to
    ``transferred`` once the peer has registered it and answered its own number."""
    ticket = ticket_get_for_user(request.user, payload.ticket)  # type: ignore[arg-type]
    transfer = transfer_out(
        actor=request.user, ticket=ticket, peer_name=payload.peer, note=payload.note
    )
    return Status(201, _transfer_out(transfer))


def _peer(request: HttpRequest) -> Any:
    return peer_verify(
        name=request.headers.get("X-Hotline-Peer", "")[:64],
        timestamp=request.headers.get("X-Hotline-Timestamp", ""),
        signature=request.headers.get("X-Hotline-Signature", ""),
        body=request.body,
    )


@router.post(
    "/transfers/in",
    auth=None,
    response={201: dict[str, str]},
    summary="Receive a ticket from a peer platform (signed)",
    openapi_extra=_body_doc(
        {k: _STR for k in ("number", "category", "content", "phone", "name", "address", "note")},
        ["number", "content", "phone"],
    ),
)
def transfers_in(request: HttpRequest) -> Status[Any]:
    """A peer sends a ticket: ``X-Hotline-Peer`` names it, signed like the gateways with the
    shared secret. The answer is this platform's number for it."""
    peer = _peer(request)
    transfer = transfer_receive(peer=peer, payload=_json_object(request.body))
    return Status(201, {"number": transfer.ticket.number})


@router.post(
    "/transfers/reply",
    auth=None,
    response={200: TransferOut},
    summary="Receive a peer's reply to a ticket sent to it (signed)",
    openapi_extra=_body_doc({"number": _STR, "reply": _STR}, ["number", "reply"]),
)
def transfers_reply(request: HttpRequest) -> dict[str, Any]:
    peer = _peer(request)
    data = _json_object(request.body)
    transfer = transfer_reply_receive(
        peer=peer, number=_text(data, "number")[:40], reply=_text(data, "reply")
    )
    return _transfer_out(transfer)


# ----------------------------------------------------------------------------- phone system


class RingingIn(Schema):
    number: str = Field(max_length=32)
    agent: str = Field(max_length=150)


class RingingOut(Schema):
    id: int
    number: str
    agent: str
    at: datetime


@ringing_router.post("", response={201: RingingOut}, summary="A call rings at an agent's desk")
def ringing(request: HttpRequest, payload: RingingIn) -> Status[Any]:
    """The telephony system (with its API token) says ``number`` is ringing at ``agent``'s
    extension; the agent's workstation opens the caller's record within a second
    (CALLCENTRE-1)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_centre_staff:
        raise DomainError(
            "只有中心的账号（电话系统的令牌）可以推送来电。", code="forbidden", status=403
        )
    ring = ringing_record(number=payload.number, agent=payload.agent)
    return Status(
        201, {"id": ring.pk, "number": ring.number, "agent": payload.agent, "at": ring.at}
    )


# ----------------------------------------------------------------------------- bulletins


class BulletinIn(Schema):
    kind: str = Field(max_length=12)
    title: str = Field(max_length=120)
    body: str = Field(max_length=4000)
    valid_from: datetime
    valid_until: datetime
    area: str = Field("", max_length=32)
    public: bool = True


class BulletinOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    area: str | None
    unit: str
    valid_from: datetime
    valid_until: datetime
    public: bool


def _bulletin_out(row: Bulletin) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "area": row.area.code if row.area else None,
        "unit": row.unit.name,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
        "public": row.public,
    }


@router.get("/bulletins", auth=None, response=list[BulletinOut], summary="Information valid now")
def bulletins(request: HttpRequest, area: str = Query("", max_length=32)) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """Published information valid now (PUBLISH-1); without sign-in only the public part.
    ``area`` (a gazetteer code) keeps what concerns that area: its own, its ancestors' and
    the information without an area."""
    user = getattr(request, "user", None)
    staff = bool(user is not None and user.is_authenticated)
    rows = bulletins_current(public_only=not staff)
    if area:
        rows = [b for b in rows if b.area is None or f"/{area}/" in b.area.path or _under(b, area)]
    return [_bulletin_out(b) for b in rows]


def _under(bulletin: Bulletin, code: str) -> bool:
    """Return whether the area ``code`` lies within the bulletin's area."""
    from hotline.directory.models import Area

    found = Area.objects.filter(code=code).values_list("path", flat=True).first()
    return bool(found and bulletin.area and found.startswith(bulletin.area.path))


@router.post("/bulletins", response={201: BulletinOut}, summary="Publish information")
def bulletins_publish(request: HttpRequest, payload: BulletinIn) -> Status[Any]:
    """The centre or a unit publishes information with an area and a validity period."""
    row = bulletin_publish(
        actor=request.user,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        area_code=payload.area,
        public=payload.public,
        now=timezone.now(),
    )
    audit_record(actor=request.user, action="bulletin.publish", obj=row, request=request)
    return Status(201, _bulletin_out(row))
