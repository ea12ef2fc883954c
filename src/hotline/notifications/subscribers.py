"""Who is told what: the notifications react to the ticket and knowledge-base events.

Each handler is a transaction subscriber (see ``hotline.core.events``): it writes its outbox
messages in the transaction of the change, so a rolled-back change notifies nobody and a
committed one cannot lose its notification. ``NotificationsConfig.ready`` registers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from hotline.directory.models import Unit
from hotline.knowledge.events import article_events
from hotline.knowledge.models import ArticleEvent
from hotline.notifications.models import OutboxMessage
from hotline.notifications.services import DEFAULT_ADAPTERS, outbox_put
from hotline.tickets.access import lead_if_known, ticket_text_for_unit
from hotline.tickets.events import NoticeRequest, ticket_events, ticket_notices
from hotline.tickets.models import Deadline, ExtensionRequest, TicketEvent
from hotline.tickets.sweep import CLOCK_LABELS

DISPATCHES = ("ticket.dispatched", "ticket.redispatched", "ticket.redo")
EXTENSIONS = ("ticket.extension.requested", "ticket.extension.approved", "ticket.extension.refused")
DEADLINES = ("ticket.deadline.warning", "ticket.deadline.overdue")


def tickets_dispatched(events: Sequence[TicketEvent]) -> None:
    """A (re)dispatched ticket is new work for its lead and assisting units (DISPATCH-1)."""
    for event in events:
        codes = [event.payload["unit"], *event.payload.get("assisting", [])]
        ticket = event.ticket
        # The dispatch has just read the lead unit (kept on the ticket, see ``lead_of``).
        lead = lead_if_known(ticket)
        units = {lead.unit.code: lead.unit} if lead is not None else {}
        missing = [code for code in codes if code not in units]
        if missing:
            units |= Unit.objects.in_bulk(missing, field_name="code")
        headline = f"新工单 {ticket.number}：{ticket.content}"
        for code in codes:
            unit = units[code]
            outbox_put(
                topic=event.action,
                # PRIVACY-2: a unit the citizen is hidden from never reads their name or number.
                title=ticket_text_for_unit(ticket, unit, headline)[:60],
                body=ticket_text_for_unit(ticket, unit, event.note),
                unit=unit,
                ticket=ticket,
                at=event.at,
            )


def tickets_returned(events: Sequence[TicketEvent]) -> None:
    """The centre's supervisors must re-dispatch a returned ticket (HANDLE-3)."""
    for event in events:
        outbox_put(
            topic="ticket.returned",
            title=f"工单 {event.ticket.number} 被退回，待重新派单",
            body=f"理由：{event.payload['reason']}；依据：{event.payload['basis']}",
            ticket=event.ticket,
            at=event.at,
        )


def tickets_extension(events: Sequence[TicketEvent]) -> None:
    """The centre decides an extension request; the unit hears the decision (HANDLE-5)."""
    for event in events:
        ticket = event.ticket
        request = ExtensionRequest.objects.select_related("unit").get(pk=event.payload["extension"])
        if event.action == "ticket.extension.requested":
            outbox_put(
                topic=event.action,
                title=f"工单 {ticket.number} 申请延期，待审批",
                body=f"{request.unit.name}：{event.note}",
                ticket=ticket,
                at=event.at,
            )
            continue
        if event.action == "ticket.extension.approved":
            new_due = datetime.fromisoformat(event.payload["new_due_at"])
            title = (
                f"工单 {ticket.number} 延期已同意，"
                f"新时限 {timezone.localtime(new_due):%Y-%m-%d %H:%M}"
            )
            body = (
                "请承办单位将新的办理时限告知诉求人"
                if event.payload.get("citizen_told_by") == "unit"
                else "由热线中心告知诉求人新的办理时限"
            )
        else:
            title, body = f"工单 {ticket.number} 延期未获同意", event.note
        outbox_put(
            topic=event.action,
            title=title,
            body=body,
            unit=request.unit,
            ticket=ticket,
            at=event.at,
        )


def tickets_deadlines(events: Sequence[TicketEvent]) -> None:
    """A deadline's unit hears of its warning and breach; the centre of every breach (SLA-5).

    One sweep batch is one call: its deadlines' units are read in one query (plain rows, no
    model instance per deadline), the units once each, and its messages written in one insert.
    """
    deadlines = {
        pk: (kind, due_at, unit_id)
        for pk, kind, due_at, unit_id in Deadline.objects.filter(
            pk__in=[event.payload["deadline"] for event in events]
        ).values_list("pk", "kind", "due_at", "assignment__unit_id")
    }
    units = Unit.objects.in_bulk({row[2] for row in deadlines.values() if row[2] is not None})
    messages: list[OutboxMessage] = []
    for event in events:
        deadline_id = event.payload["deadline"]
        kind, due_at, unit_id = deadlines[deadline_id]
        overdue = event.action == "ticket.deadline.overdue"
        ticket = event.ticket
        label = CLOCK_LABELS.get(kind, kind)
        due = timezone.localtime(due_at) if due_at else None
        when = f"{due:%Y-%m-%d %H:%M}" if due else ""
        if overdue:
            title = f"工单 {ticket.number} {label}已超时（时限 {when}）"
        else:
            title = f"工单 {ticket.number} {label}时限即将到期（{when}）"
        unit = units[unit_id] if unit_id is not None else None
        targets: list[Any] = [unit]
        if overdue and unit is not None:
            targets.append(None)  # the centre's supervisors hear of every breach (SLA-5)
        payload = {"deadline": deadline_id, "kind": kind, "due_at": when}
        messages.extend(
            OutboxMessage(
                created_at=event.at,
                next_attempt_at=event.at,
                adapter=adapter,
                topic=event.action,
                title=title,
                unit=target,
                ticket=ticket,
                payload=payload,
            )
            for target in targets
            for adapter in DEFAULT_ADAPTERS
        )
    OutboxMessage.objects.bulk_create(messages, batch_size=1000)


def articles_expiring(events: Sequence[ArticleEvent]) -> None:
    """KB-3: the owning unit is told that its article is about to expire."""
    for event in events:
        article = event.article
        version = article.live_version
        outbox_put(
            topic="kb.article.expiring",
            title=f"知识库文章《{version.title if version else ''}》"
            f"将于 {version.valid_to if version else None} 失效，请及时更新",
            unit=article.unit,
            payload={"article": article.pk},
        )


def tickets_notices(requests: Sequence[NoticeRequest]) -> None:
    """Messages the ticket services ask for (urgent reports, assisting units, escalations…)."""
    for request in requests:
        title, body = request.title, request.body
        if request.ticket is not None and request.unit is not None:
            title = ticket_text_for_unit(request.ticket, request.unit, title)
            body = ticket_text_for_unit(request.ticket, request.unit, body)
        outbox_put(
            topic=request.topic,
            title=title,
            body=body,
            unit=request.unit,
            ticket=request.ticket,
            payload=request.payload or None,
            at=request.at,
        )


def subscribers_register() -> None:
    """Subscribe the handlers above (called from ``NotificationsConfig.ready``)."""
    ticket_notices.subscribe("notifications.notices", tickets_notices)
    ticket_events.subscribe("notifications.dispatched", tickets_dispatched, codes=DISPATCHES)
    ticket_events.subscribe("notifications.returned", tickets_returned, codes={"ticket.returned"})
    ticket_events.subscribe("notifications.extension", tickets_extension, codes=EXTENSIONS)
    ticket_events.subscribe("notifications.deadlines", tickets_deadlines, codes=DEADLINES)
    article_events.subscribe(
        "notifications.kb_expiring", articles_expiring, codes={"expiry_warning"}
    )
