"""Services of the channels: one action, one transaction (STYLE.md §1).

Requests arriving by the portal, Open311, a signed gateway or a peer platform become tickets
through ``tickets.services.ticket_register`` like a call at the desk; the actor is the
channel's service account (``channel_actor``), so the transition table's rules apply unchanged.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from hotline.accounts.models import User, UserRole
from hotline.citizens.phones import phone_normalise_or_none
from hotline.core.errors import DomainError, InvalidInput, NotFound
from hotline.directory.models import Area, Unit
from hotline.notifications.models import OutboxMessage
from hotline.notifications.services import outbox_put
from hotline.policy.profiles import load_profile
from hotline.tickets.events import events_record
from hotline.tickets.models import Channel, Ticket, TicketEvent
from hotline.tickets.services import ticket_callback, ticket_register, ticket_transfer
from hotline.tickets.transitions import CALLBACK_RESULTS, State

from .models import (
    Bulletin,
    InboundMessage,
    OneTimeCode,
    Open311Key,
    Open311Request,
    Peer,
    Rating,
    Ringing,
    SeenNonce,
    TicketAccess,
    Transfer,
    digest,
)

#: States in which a ticket is done from the citizen's point of view (Open311 ``closed``).
DONE_STATES = frozenset(
    {
        State.ANSWERED.value,
        State.NOT_ACCEPTED.value,
        State.NAVIGATED.value,
        State.CALLED_BACK.value,
        State.CLOSED.value,
        State.TRANSFERRED.value,
        State.ARCHIVED.value,
    }
)

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_FAILURES = 5
#: At most this many one-time codes to one phone per hour (throttle per phone).
CODES_PER_PHONE_PER_HOUR = 5
SIGNATURE_SKEW = timedelta(minutes=5)
NUMBER_RE = re.compile(r"\b(\d{8}-\d{6})\b")
_QUERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    """Return ``value`` stripped; refuse NUL characters, over-long and (if required) empty text."""
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(
            pgettext("portal", "%(field)s contains illegal characters.") % {"field": field}
        )
    if len(value) > limit:
        raise InvalidInput(
            pgettext("portal", "%(field)s may not be longer than %(limit)d characters.")
            % {"field": field, "limit": limit}
        )
    if required and not value:
        raise InvalidInput(pgettext("portal", "Please fill in %(field)s.") % {"field": field})
    return value


def phone_check(phone: str) -> str:
    """Return the number in the citizens' stored form (the centre's one normaliser,
    ``citizens.phones``), or refuse it with the portal's message."""
    stored = phone_normalise_or_none(phone)
    if stored is None:
        raise InvalidInput(pgettext("portal", "Please enter a valid mobile number."))
    return stored


# ----------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class _ServiceAccount:
    username: str
    full_name: str


SERVICE_ACCOUNTS = {
    "web": _ServiceAccount("channel-portal", "市民网站"),
    "open311": _ServiceAccount("channel-open311", "Open311 接口"),
    "sms": _ServiceAccount("channel-sms", "短信网关"),
    "wechat": _ServiceAccount("channel-wechat", "微信公众号"),
    "app": _ServiceAccount("channel-app", "移动应用"),
    "terminal": _ServiceAccount("channel-terminal", "自助终端"),
    "transfer_in": _ServiceAccount("channel-transfer", "平台间转办"),
}


def channel_actor(channel: str) -> User:
    """Return the service account registering tickets for ``channel`` (created on first use).

    It belongs to the centre, holds the agent and callback roles (registering, and recording a
    citizen's own rating as the callback), and has no password: nobody signs in with it.
    """
    account = SERVICE_ACCOUNTS.get(channel, SERVICE_ACCOUNTS["app"])
    user = User.objects.filter(username=account.username).select_related("unit").first()
    if user is not None:
        return user
    centre = Unit.objects.filter(kind=Unit.Kind.CENTRE).order_by("id").first()
    if centre is None:
        raise DomainError("热线中心尚未配置，暂不能受理。", code="no_centre", status=503)
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"full_name": account.full_name, "unit": centre, "is_active": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            for role in ("agent", "callback"):
                UserRole.objects.get_or_create(user=user, role=role)
    return User.objects.select_related("unit").get(pk=user.pk)


# ----------------------------------------------------------------------------- SMS


#: The texts of the outbound SMS (``{…}`` filled from the context).
SMS_TEMPLATES: dict[str, str] = {
    "code": "您的验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人。",
    "replied": "您反映的事项（工单号 {number}）已有答复，请凭工单号和查询码在市民网站查看并评价。",
    "extension": "您反映的事项（工单号 {number}）办理期限已延长至 {until}，感谢您的理解。",
    "transfer": "您反映的事项（工单号 {number}）已转交 {peer} 办理。",
}
SMS_ADAPTER = "sms"


def sms_gateway_url() -> str:
    return str(getattr(settings, "HOTLINE_SMS_GATEWAY_URL", "") or "")


def sms_send(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    ticket: Ticket | None = None,
    at: datetime | None = None,
) -> OutboxMessage:
    """Queue one SMS in the outbox (in the caller's transaction); the worker delivers it."""
    text = SMS_TEMPLATES[template].format(**context)
    (message,) = outbox_put(
        topic=f"sms.{template}",
        title=f"短信 {to[:3]}****{to[-2:]}",
        body="",
        ticket=ticket,
        payload={"to": to, "text": text, "template": template},
        at=at,
        adapters=(SMS_ADAPTER,),
    )
    return message


def sms_deliver(message: OutboxMessage) -> None:
    """The outbox adapter: POST ``{"message_id", "to", "text"}`` to the SMS gateway.

    Anything but a 2xx answer raises, so the outbox records the try and retries with backoff.
    ``message_id`` is the outbox message's id: a gateway that receives a retry of a message it
    already sent can drop it.
    """
    url = sms_gateway_url()
    if not url:
        raise RuntimeError("HOTLINE_SMS_GATEWAY_URL is not set")
    body = json.dumps(
        {
            "message_id": str(message.pk),
            "to": message.payload["to"],
            "text": message.payload["text"],
        },
        ensure_ascii=False,
    ).encode()
    _post(url, body, {"Content-Type": "application/json"})


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> bytes:
    """POST ``body``; return the answer's body, raise on anything but 2xx."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            status = answer.status
            content: bytes = answer.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} from {url}") from None
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status} from {url}")
    return content


# ----------------------------------------------------------------------------- portal


def code_send(*, phone: str, now: datetime | None = None) -> OneTimeCode:
    """Send a one-time code to ``phone`` by SMS (through the outbox); throttled per phone."""
    phone = phone_check(phone)
    at = _now(now)
    recent = OneTimeCode.objects.filter(phone=phone, created_at__gte=at - timedelta(hours=1))
    if recent.count() >= CODES_PER_PHONE_PER_HOUR:
        raise DomainError(
            pgettext("portal", "Too many codes asked for this number: try again in an hour."),
            code="throttled",
            status=429,
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            phone=phone, code_digest=digest(code), created_at=at, expires_at=at + CODE_LIFETIME
        )
        sms_send(
            to=phone,
            template="code",
            context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
            at=at,
        )
    return row


def code_use(*, phone: str, code: str, now: datetime | None = None) -> None:
    """Consume the phone's latest valid one-time code, or refuse (wrong, expired, used)."""
    at = _now(now)
    code = (code or "").strip()
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=at)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.failures >= CODE_MAX_FAILURES:
            raise InvalidInput(pgettext("portal", "The code has expired: ask for a new one."))
        if not hmac.compare_digest(row.code_digest, digest(code)):
            OneTimeCode.objects.filter(pk=row.pk).update(failures=row.failures + 1)
            raise InvalidInput(pgettext("portal", "The code is wrong."))
        OneTimeCode.objects.filter(pk=row.pk).update(used_at=at)


def _query_code() -> str:
    return "".join(secrets.choice(_QUERY_ALPHABET) for _ in range(8))


def access_grant(ticket: Ticket, *, at: datetime) -> str:
    """Give ``ticket`` a query code; return it (only its digest is kept)."""
    code = _query_code()
    TicketAccess.objects.update_or_create(
        ticket=ticket, defaults={"code_digest": digest(code), "created_at": at}
    )
    return code


def portal_submit(
    *,
    phone: str,
    code: str,
    category: str,
    content: str,
    name: str = "",
    address: str = "",
    area_code: str = "",
    photos: list[Any] | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, str]:
    """Register a citizen's web submission, confirmed by the SMS code (INTAKE-2, channel web).

    Return the ticket and its query code. The photos are checked and filed like an agent's.
    """
    from hotline.tickets.attachments import attachment_add

    at = _now(now)
    phone = phone_check(phone)
    content = _clean_text(content, field=pgettext("portal", "the request"), limit=4000)
    name = _clean_text(name, field=pgettext("portal", "the name"), limit=64, required=False)
    address = _clean_text(
        address, field=pgettext("portal", "the address"), limit=200, required=False
    )
    area_code = _clean_text(
        area_code, field=pgettext("portal", "the area"), limit=32, required=False
    )
    actor = channel_actor(Channel.WEB)
    with transaction.atomic():
        code_use(phone=phone, code=code, now=at)
        ticket = ticket_register(
            actor=actor,
            channel=Channel.WEB,
            category=category,
            content=content,
            citizen_phone=phone,
            citizen_name=name,
            address=address,
            area_code=area_code or None,
            now=at,
        )
        for photo in photos or []:
            attachment_add(actor=actor, ticket=ticket, upload=photo)
        query = access_grant(ticket, at=at)
    return ticket, query


def portal_ticket(*, number: str, query_code: str) -> Ticket:
    """Return the ticket a citizen asks for by number and query code, or NotFound for both."""
    number = (number or "").strip()[:20]
    query_code = (query_code or "").strip().upper()[:16]
    access = TicketAccess.objects.select_related("ticket").filter(ticket__number=number).first()
    expected = access.code_digest if access else digest("-")
    if not hmac.compare_digest(expected, digest(query_code)) or access is None:
        raise NotFound(pgettext("portal", "The ticket number or query code is wrong."))
    return access.ticket


#: What the citizen reads of each event (no staff names, no internal notes); the reply and
#: direct answer carry their text.
CITIZEN_LABELS: dict[str, Any] = {
    "ticket.registered": pgettext_lazy("portal", "Your request has been registered"),
    "ticket.rejected": pgettext_lazy("portal", "Your request is outside what the hotline handles"),
    "ticket.answered": pgettext_lazy("portal", "Answered directly"),
    "ticket.dispatched": pgettext_lazy("portal", "Passed to a handling unit"),
    "ticket.redispatched": pgettext_lazy("portal", "Passed to a handling unit"),
    "ticket.redo": pgettext_lazy("portal", "The handling unit was asked to handle it again"),
    "ticket.signed": pgettext_lazy("portal", "The handling unit has taken it on"),
    "ticket.contacted": pgettext_lazy("portal", "The handling unit has contacted you"),
    "ticket.replied": pgettext_lazy("portal", "The handling unit has replied"),
    "ticket.extension.approved": pgettext_lazy("portal", "The time limit has been extended"),
    "ticket.called_back": pgettext_lazy("portal", "Called back"),
    "ticket.closed": pgettext_lazy("portal", "Concluded"),
    "ticket.transferred": pgettext_lazy("portal", "Transferred to another platform"),
    "ticket.transfer.replied": pgettext_lazy("portal", "The other platform has replied"),
    "ticket.citizen.message": pgettext_lazy("portal", "You added information"),
}
#: Events whose note the citizen may read (the text addressed to them).
CITIZEN_NOTES = frozenset(
    {"ticket.answered", "ticket.replied", "ticket.rejected", "ticket.transfer.replied"}
)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    text: str


def portal_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Return the ticket's timeline as the citizen may see it (PRIVACY: no staff, no notes)."""
    entries = []
    for event in ticket.events.order_by("at", "id"):
        label = CITIZEN_LABELS.get(event.action)
        if label is None:
            continue
        text = event.note if event.action in CITIZEN_NOTES else ""
        entries.append(TimelineEntry(at=event.at, label=str(label), text=text))
    return entries


def portal_reply(ticket: Ticket) -> str:
    """Return the latest reply or direct answer addressed to the citizen ("" if none yet)."""
    event = (
        ticket.events.filter(action__in=["ticket.replied", "ticket.answered"])
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        transfer = Transfer.objects.filter(ticket=ticket, direction="out").first()
        return transfer.reply if transfer else ""
    return event.note


def rating_counts_as_callback(profile_name: str) -> bool:
    """Return whether a citizen's own rating counts as the callback's evaluation (CALLBACK-2).

    Where the profile calls back a share or a sample of tickets (``monthly_share``,
    ``periodic_sample``) or collects feedback sheets (``feedback_sheet``), the citizen's own
    evaluation is that feedback. Where it calls back every ticket (``every_ticket``), the
    centre's callback stays owed and the rating is kept beside it.
    """
    return load_profile(profile_name).callback.mode != "every_ticket"


def portal_rate(
    *, ticket: Ticket, result: str, comment: str = "", now: datetime | None = None
) -> Rating:
    """Record the citizen's satisfaction with the reply; once per ticket.

    Where the profile allows it and the ticket awaits its callback, the rating is recorded as
    the callback result through ``ticket_callback`` (dissatisfied leads on to CALLBACK-3).
    """
    at = _now(now)
    comment = _clean_text(
        comment, field=pgettext("portal", "the comment"), limit=1000, required=False
    )
    if result not in CALLBACK_RESULTS or result == "unreached":
        raise InvalidInput(
            pgettext("portal", "Choose satisfied, basically satisfied or dissatisfied.")
        )
    if not ticket.events.filter(action__in=["ticket.replied", "ticket.answered"]).exists():
        raise DomainError(
            pgettext("portal", "The ticket has no reply yet: it cannot be rated."),
            code="not_replied",
            status=409,
        )
    counts = ticket.state == State.REPLIED.value and rating_counts_as_callback(ticket.profile)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                ticket=ticket, result=result, comment=comment, at=at, counted_as_callback=counts
            )
            if counts:
                ticket_callback(
                    actor=channel_actor(Channel.WEB),
                    ticket=ticket,
                    result=result,
                    note=f"市民在网站自行评价。{comment}".strip(),
                    now=at,
                )
    except IntegrityError:
        raise DomainError(
            pgettext("portal", "You have already rated this ticket."),
            code="already_rated",
            status=409,
        ) from None
    return rating


def rating_for(ticket: Ticket) -> Rating | None:
    return Rating.objects.filter(ticket=ticket).first()


# ----------------------------------------------------------------------------- signed intake


def intake_secrets() -> dict[str, str]:
    """Return the configured sources and secrets (``HOTLINE_INTAKE_SECRETS``: sms=S,wechat=S)."""
    raw = str(getattr(settings, "HOTLINE_INTAKE_SECRETS", "") or "")
    found: dict[str, str] = {}
    for part in raw.split(","):
        name, sep, secret = part.strip().partition("=")
        if sep and name.strip() and secret.strip():
            found[name.strip()] = secret.strip()
    return found


class Unauthorized(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="unauthorized", status=401)


def intake_verify(
    *, source: str, timestamp: str, signature: str, body: bytes, now: datetime | None = None
) -> str:
    """Check the source, clock skew and HMAC of a gateway request; return the nonce.

    ``X-Hotline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``.
    """
    secret = intake_secrets().get(source)
    if secret is None:
        raise Unauthorized("未知的消息来源。")
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise Unauthorized("缺少或无效的时间戳。") from None
    moment = _now(now).timestamp()
    if abs(moment - sent) > SIGNATURE_SKEW.total_seconds():
        raise Unauthorized("时间戳与服务器时间相差超过 5 分钟。")
    expected = hmac.new(secret.encode(), f"{sent}.".encode() + body, "sha256").hexdigest()
    given = (signature or "").strip()
    if not given.startswith("sha256=") or not hmac.compare_digest(
        given.removeprefix("sha256="), expected
    ):
        raise Unauthorized("签名不正确。")
    return expected


def _answers_ticket(citizen_phone: str, text: str, at: datetime) -> Ticket | None:
    """Return the citizen's open ticket this message answers: one it names by number, or the
    one our last SMS to them (within a day) was about."""
    open_tickets = Ticket.objects.filter(citizen__phone=citizen_phone).exclude(
        state__in=DONE_STATES
    )
    for number in NUMBER_RE.findall(text):
        found = open_tickets.filter(number=number).first()
        if found is not None:
            return found
    last = (
        OutboxMessage.objects.filter(
            adapter=SMS_ADAPTER,
            ticket__isnull=False,
            payload__to=citizen_phone,
            created_at__gte=at - timedelta(days=1),
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None and last.ticket_id is not None:
        return open_tickets.filter(pk=last.ticket_id).first()
    return None


def intake_receive(
    *,
    source: str,
    nonce: str,
    message_id: str,
    sender: str,
    text: str,
    now: datetime | None = None,
) -> Ticket:
    """Turn a gateway message into a registered ticket, or attach it to the open ticket it
    answers; the same ``message_id`` again (a retry, signed afresh) returns the same ticket
    (INTAKE-2); the same signed request again (a replay) is refused."""
    at = _now(now)
    message_id = _clean_text(message_id, field="message_id", limit=128)
    sender = phone_check(sender)
    text = _clean_text(text, field="text", limit=4000)
    if SeenNonce.objects.filter(source=source, nonce=nonce).exists():
        # The very same signed request again (same timestamp and signature): a replay, refused.
        # A gateway's retry signs afresh and gets the same ticket through its message_id.
        raise Unauthorized("重复的请求已拒绝：同一时间戳和签名只能使用一次，重试请重新签名。")
    seen = InboundMessage.objects.select_related("ticket").filter(
        source=source, message_id=message_id
    )
    if (found := seen.first()) is not None:
        SeenNonce.objects.get_or_create(source=source, nonce=nonce, defaults={"at": at})
        return found.ticket
    channel = source if source in Channel.values else Channel.APP
    try:
        with transaction.atomic():
            SeenNonce.objects.get_or_create(source=source, nonce=nonce, defaults={"at": at})
            ticket = _answers_ticket(sender, text, at)
            if ticket is not None:
                events_record(
                    [
                        TicketEvent(
                            ticket=ticket,
                            at=at,
                            action="ticket.citizen.message",
                            from_state=ticket.state,
                            to_state=ticket.state,
                            note=text,
                            payload={"channel": channel, "message_id": message_id},
                        )
                    ]
                )
            else:
                ticket = ticket_register(
                    actor=channel_actor(channel),
                    channel=channel,
                    category="consultation",  # the agent completing the ticket corrects it
                    content=text,
                    citizen_phone=sender,
                    now=at,
                )
            InboundMessage.objects.create(
                source=source,
                message_id=message_id,
                sender=sender,
                text=text,
                received_at=at,
                ticket=ticket,
                attached=ticket.channel != channel or ticket.registered_at != at,
            )
    except IntegrityError:  # the same message_id committed meanwhile
        return seen.get().ticket
    return ticket


def nonces_forget(*, now: datetime | None = None) -> int:
    """Drop nonces older than the accepted skew (they can no longer be replayed)."""
    cutoff = _now(now) - 2 * SIGNATURE_SKEW
    deleted, _ = SeenNonce.objects.filter(at__lt=cutoff).delete()
    return deleted


# ----------------------------------------------------------------------------- Open311


def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """Issue an Open311 API key named ``name``; return the row and the key (shown once)."""
    name = _clean_text(name, field=pgettext("portal", "the key name"), limit=64)
    prefix = secrets.token_hex(4)
    key = f"o311_{prefix}_{secrets.token_urlsafe(24)}"
    row = Open311Key.objects.create(name=name, prefix=prefix, key_digest=digest(key))
    return row, key


def open311_key_check(raw: str) -> Open311Key:
    """Return the active key ``raw`` is, or refuse (401)."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) == 3 and parts[0] == "o311":
        row = Open311Key.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
        if row is not None and hmac.compare_digest(row.key_digest, digest(raw.strip())):
            return row
    raise Unauthorized("api_key 无效。")


def open311_submit(
    *,
    key: Open311Key,
    service_code: str,
    description: str,
    phone: str,
    name: str = "",
    address: str = "",
    area_code: str = "",
    lat: float | None = None,
    long: float | None = None,
    media_url: str = "",
    now: datetime | None = None,
) -> Open311Request:
    """Register an Open311 service request as a ticket with channel ``open311``."""
    at = _now(now)
    description = _clean_text(description, field="description", limit=4000)
    address = _clean_text(address, field="address", limit=200, required=False)
    media_url = _clean_text(media_url, field="media_url", limit=500, required=False)
    if media_url and not media_url.startswith(("http://", "https://")):
        raise InvalidInput("media_url 须为 http(s) 地址。")
    category, _sep, area_from_code = service_code.partition(".")
    with transaction.atomic():
        ticket = ticket_register(
            actor=channel_actor(Channel.OPEN311),
            channel=Channel.OPEN311,
            category=category,
            content=description,
            citizen_phone=phone_check(phone),
            citizen_name=_clean_text(name, field="name", limit=64, required=False),
            address=address,
            area_code=(area_code or area_from_code) or None,
            now=at,
        )
        return Open311Request.objects.create(
            ticket=ticket,
            key=key,
            token=secrets.token_hex(12),
            service_code=service_code,
            lat=lat,
            long=long,
            media_url=media_url,
        )


def open311_status(ticket: Ticket) -> tuple[str, str | None, datetime]:
    """Return the public status (open/closed), its notes (the reply) and the last change."""
    status = "closed" if ticket.state in DONE_STATES else "open"
    notes = portal_reply(ticket) or None
    last = ticket.events.order_by("-at", "-id").values_list("at", flat=True).first()
    return status, notes, last or ticket.registered_at


# ----------------------------------------------------------------------------- transfers


def _sign(secret: str, body: bytes, at: datetime) -> dict[str, str]:
    stamp = str(int(at.timestamp()))
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, "sha256").hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Hotline-Timestamp": stamp,
        "X-Hotline-Signature": f"sha256={mac}",
    }


def peer_verify(
    *, name: str, timestamp: str, signature: str, body: bytes, now: datetime | None = None
) -> Peer:
    """Return the active peer ``name`` whose shared secret signed ``body``, or refuse (401)."""
    peer = Peer.objects.filter(name=name, active=True).first()
    if peer is None:
        raise Unauthorized("未知的对端平台。")
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise Unauthorized("缺少或无效的时间戳。") from None
    if abs(_now(now).timestamp() - sent) > SIGNATURE_SKEW.total_seconds():
        raise Unauthorized("时间戳与服务器时间相差超过 5 分钟。")
    expected = hmac.new(peer.secret.encode(), f"{sent}.".encode() + body, "sha256").hexdigest()
    if not hmac.compare_digest((signature or "").removeprefix("sha256="), expected):
        raise Unauthorized("签名不正确。")
    return peer


def _platform_name() -> str:
    return str(getattr(settings, "HOTLINE_PLATFORM_NAME", "") or "hotline")


def transfer_out(
    *, actor: Any, ticket: Ticket, peer_name: str, note: str = "", now: datetime | None = None
) -> Transfer:
    """Send ``ticket`` to a peer platform (DISPATCH-6) and mark it transferred here.

    The peer registers it and answers its own number, which is recorded; the ticket moves to
    ``transferred`` only when the peer accepted it (a failed call changes nothing).
    """
    at = _now(now)
    peer = Peer.objects.filter(name=peer_name, active=True).first()
    if peer is None:
        raise InvalidInput(f"对端平台“{peer_name}”不存在或已停用。")
    body = json.dumps(
        {
            "origin": _platform_name(),
            "number": ticket.number,
            "category": ticket.category,
            "content": ticket.content,
            "phone": ticket.citizen.phone,
            "name": ticket.citizen.name,
            "address": ticket.address,
            "urgent": ticket.urgent,
            "note": note,
        },
        ensure_ascii=False,
    ).encode()
    url = peer.url.rstrip("/") + "/api/v1/transfers/in"
    headers = _sign(peer.secret, body, at) | {"X-Hotline-Peer": _platform_name()}
    try:
        answer = json.loads(_post(url, body, headers))
        remote = str(answer["number"])[:40]
    except Exception as exc:  # the peer is down or refused: nothing changes here
        raise DomainError(
            f"转往“{peer.name}”失败：{exc}", code="peer_unreachable", status=502
        ) from None
    with transaction.atomic():
        ticket_transfer(actor=actor, ticket=ticket, platform=peer.name, note=note, now=at)
        return Transfer.objects.create(
            ticket=ticket,
            peer=peer,
            direction=Transfer.Direction.OUT,
            remote_number=remote,
            created_at=at,
            sent_at=at,
        )


def transfer_receive(
    *, peer: Peer, payload: dict[str, Any], now: datetime | None = None
) -> Transfer:
    """Register a ticket a peer sends (INTAKE-2: transferred in), recording its origin and
    number; the same origin number again answers the same ticket."""
    at = _now(now)
    origin_number = _clean_text(str(payload.get("number", "")), field="number", limit=40)
    existing = Transfer.objects.filter(
        peer=peer, direction=Transfer.Direction.IN, remote_number=origin_number
    ).first()
    if existing is not None:
        return existing
    content = _clean_text(str(payload.get("content", "")), field="content", limit=4000)
    note = _clean_text(str(payload.get("note", "")), field="note", limit=2000, required=False)
    with transaction.atomic():
        ticket = ticket_register(
            actor=channel_actor(Channel.TRANSFER_IN),
            channel=Channel.TRANSFER_IN,
            category=str(payload.get("category", "consultation")),
            content=f"{content}\n（由{peer.name}转来，原工单号 {origin_number}。{note}）",
            citizen_phone=phone_check(str(payload.get("phone", ""))),
            citizen_name=_clean_text(
                str(payload.get("name", "")), field="name", limit=64, required=False
            ),
            address=_clean_text(
                str(payload.get("address", "")), field="address", limit=200, required=False
            ),
            urgent=bool(payload.get("urgent")),
            now=at,
        )
        return Transfer.objects.create(
            ticket=ticket,
            peer=peer,
            direction=Transfer.Direction.IN,
            remote_number=origin_number,
            created_at=at,
        )


PEER_ADAPTER = "peer"


def transfer_reply_queue(event: TicketEvent) -> None:
    """If ``event``'s ticket came from a peer, queue its reply for the peer (in the reply's
    transaction, so a reply cannot be lost and a rolled-back one is never sent).

    Only a ticket registered from a peer (channel ``transfer_in``, ``transfer_receive``) has an
    incoming transfer: the others' replies cost no query.
    """
    if event.ticket.channel != Channel.TRANSFER_IN:
        return
    transfer = Transfer.objects.filter(
        ticket_id=event.ticket_id, direction=Transfer.Direction.IN, replied_at__isnull=True
    ).first()
    if transfer is None:
        return
    outbox_put(
        topic="transfer.reply",
        title=f"答复转回 {transfer.peer_id}：{transfer.remote_number}",
        ticket=event.ticket,
        payload={"transfer": transfer.pk, "reply": event.note},
        at=event.at,
        adapters=(PEER_ADAPTER,),
    )


def peer_deliver(message: OutboxMessage) -> None:
    """The outbox adapter: POST the reply to the peer's ``/api/v1/transfers/reply``."""
    transfer = Transfer.objects.select_related("peer").get(pk=message.payload["transfer"])
    at = timezone.now()
    reply = str(message.payload["reply"])
    body = json.dumps(
        {"number": transfer.remote_number, "reply": reply, "replied_at": at.isoformat()},
        ensure_ascii=False,
    ).encode()
    url = transfer.peer.url.rstrip("/") + "/api/v1/transfers/reply"
    _post(url, body, _sign(transfer.peer.secret, body, at) | {"X-Hotline-Peer": _platform_name()})
    Transfer.objects.filter(pk=transfer.pk).update(reply=reply, replied_at=at)


def transfer_reply_receive(
    *, peer: Peer, number: str, reply: str, now: datetime | None = None
) -> Transfer:
    """Record a peer's reply on the ticket sent to it: the loop closes on this side."""
    at = _now(now)
    reply = _clean_text(reply, field="reply", limit=8000)
    transfer = (
        Transfer.objects.select_related("ticket")
        .filter(peer=peer, direction=Transfer.Direction.OUT, ticket__number=number)
        .first()
    )
    if transfer is None:
        raise NotFound("没有转往该平台的此工单。")
    if transfer.replied_at is not None:
        return transfer
    with transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(reply=reply, replied_at=at)
        ticket = transfer.ticket
        events_record(
            [
                TicketEvent(
                    ticket=ticket,
                    at=at,
                    action="ticket.transfer.replied",
                    from_state=ticket.state,
                    to_state=ticket.state,
                    note=reply,
                    payload={"platform": peer.name, "remote_number": transfer.remote_number},
                )
            ]
        )
    transfer.refresh_from_db()
    return transfer


# ----------------------------------------------------------------------------- phone system


def ringing_record(*, number: str, agent: str, now: datetime | None = None) -> Ringing:
    """Record that the telephony system rings ``number`` at ``agent``'s workstation."""
    number = phone_check(number)
    user = User.objects.filter(username=agent, is_active=True).first()
    if user is None or "agent" not in user.role_codes():
        raise NotFound("没有该坐席。")
    return Ringing.objects.create(number=number, agent=user, at=_now(now))


def ringing_take(*, agent: Any, now: datetime | None = None) -> Ringing | None:
    """Return the agent's newest call not yet shown (within the last minute), marking it shown.

    Polled every second by each desk, so it reads without a transaction and claims the row
    with a conditional update (one poll wins when two race).
    """
    at = _now(now)
    ring = (
        Ringing.objects.filter(
            agent=agent, shown_at__isnull=True, at__gte=at - timedelta(minutes=1)
        )
        .order_by("-at", "-id")
        .first()
    )
    if ring is None:
        return None
    claimed = Ringing.objects.filter(pk=ring.pk, shown_at__isnull=True).update(shown_at=at)
    Ringing.objects.filter(agent=agent, shown_at__isnull=True, at__lte=ring.at).update(shown_at=at)
    return ring if claimed else None


# ----------------------------------------------------------------------------- bulletins


def bulletin_publish(
    *,
    actor: Any,
    kind: str,
    title: str,
    body: str,
    valid_from: datetime,
    valid_until: datetime,
    area_code: str = "",
    public: bool = True,
    now: datetime | None = None,
) -> Bulletin:
    """Publish real-time information for the desk and the portal (PUBLISH-1, PUBLISH-3)."""
    if kind not in Bulletin.Kind.values:
        raise InvalidInput(f"信息类别“{kind}”无效。")
    title = _clean_text(title, field=pgettext("portal", "the title"), limit=120)
    body = _clean_text(body, field=pgettext("portal", "the text"), limit=4000)
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise InvalidInput("有效期须带时区。")
    if valid_until <= valid_from:
        raise InvalidInput("有效期的结束须晚于开始。")
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise DomainError("只有中心或承办单位的人员可以发布信息。", code="forbidden", status=403)
    area = None
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise InvalidInput(f"区域编码“{area_code}”不存在。")
    return Bulletin.objects.create(
        kind=kind,
        title=title,
        body=body,
        area=area,
        unit=unit,
        valid_from=valid_from,
        valid_until=valid_until,
        public=public,
        created_by=actor,
        created_at=_now(now),
    )


def bulletin_withdraw(*, actor: Any, bulletin_id: int, now: datetime | None = None) -> Bulletin:
    """End a bulletin's validity now: the centre may withdraw any, a unit its own."""
    at = _now(now)
    with transaction.atomic():
        row = Bulletin.objects.select_for_update().filter(pk=bulletin_id).first()
        if row is None or not (
            getattr(actor, "is_centre_staff", False)
            or row.unit_id == getattr(actor, "unit_id", None)
        ):
            raise DomainError("没有找到这条信息。", code="not_found", status=404)
        if row.valid_until <= at:
            raise DomainError("这条信息已过有效期，无需撤回。", code="not_valid", status=409)
        row.valid_until = max(at, row.valid_from)
        row.save(update_fields=["valid_until"])
    return row


def bulletins_of(actor: Any, *, now: datetime | None = None) -> list[Bulletin]:
    """The bulletins a staff page lists: the centre sees every one, a unit its own; those
    still valid and those ended in the last 30 days."""
    rows = Bulletin.objects.select_related("area", "unit").filter(
        valid_until__gt=_now(now) - timedelta(days=30)
    )
    if not getattr(actor, "is_centre_staff", False):
        unit_id = getattr(actor, "unit_id", None)
        if unit_id is None:
            return []
        rows = rows.filter(unit_id=unit_id)
    return list(rows.order_by("-valid_from", "-id")[:200])


def bulletins_current(*, public_only: bool = False, now: datetime | None = None) -> list[Bulletin]:
    """Return the information valid now, newest first."""
    at = _now(now)
    rows = Bulletin.objects.select_related("area", "unit").filter(
        valid_from__lte=at, valid_until__gt=at
    )
    if public_only:
        rows = rows.filter(public=True)
    return list(rows.order_by("-valid_from", "-id")[:50])
