"""Template helpers of the screens: lights, labels, due times, the inbox count, role to-dos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.categories import Category
from hotline.core.masking import mask_text
from hotline.policy.sla import display
from hotline.tickets import labels
from hotline.tickets.services import EVENT_ACTIONS

register = template.Library()

LIGHT_LABELS = {
    "overdue": gettext_lazy("Overdue"),
    "warning": gettext_lazy("Due soon"),
    "normal": gettext_lazy("On time"),
    "met": gettext_lazy("Done"),
    "none": gettext_lazy("No limit"),
}

EXTRA_EVENTS = {
    "ticket.extension.requested": gettext_lazy("Extension requested"),
    "ticket.extension.approved": gettext_lazy("Extension approved"),
    "ticket.extension.refused": gettext_lazy("Extension refused"),
    "ticket.attachment.added": gettext_lazy("Attachment added"),
    "ticket.deadline.moved": gettext_lazy("Deadline recomputed"),
    "ticket.deadline.warning": gettext_lazy("Deadline near"),
    "ticket.deadline.overdue": gettext_lazy("Deadline passed"),
    "ticket.urgent.reported": gettext_lazy("Urgent matter reported to management"),
    "ticket.reclassify.approved": gettext_lazy("Reclassified as complex"),
    "ticket.reclassify.refused": gettext_lazy("Reclassification refused"),
    "ticket.inspected": gettext_lazy("Quality inspection decided"),
}

CALLBACK_LABELS = {
    "satisfied": gettext_lazy("Satisfied"),
    "basically_satisfied": gettext_lazy("Basically satisfied"),
    "dissatisfied": gettext_lazy("Dissatisfied"),
    "unreached": gettext_lazy("Not reached"),
    "declined": gettext_lazy("Declined to evaluate"),
    "": gettext_lazy("Not stated"),
}


@register.filter
def masked(text: str) -> str:
    """Return free text with phone numbers masked, as every list shows it (PRIVACY-3)."""
    return mask_text(str(text or ""))


@register.filter
def due(value: datetime | None) -> str:
    """Return a due instant as people read it ("2026-10-13 24:00")."""
    if value is None:
        return _("no limit")
    return display(timezone.localtime(value))


@register.filter
def light_label(light: str) -> str:
    return str(LIGHT_LABELS.get(light, light))


@register.filter
def state_label(state: str) -> str:
    return labels.state_label(state)


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)


@register.filter
def event_label(code: str) -> str:
    """Return the timeline label of an event code (``ticket.signed`` → 签收)."""
    if code in EXTRA_EVENTS:
        return str(EXTRA_EVENTS[code])
    if code in EVENT_ACTIONS:
        return labels.action_label(EVENT_ACTIONS[code])
    return code


@register.filter
def clock_label(kind: str) -> str:
    return labels.clock_label(kind)


@register.filter
def category_label(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


@register.filter
def callback_label(code: str) -> str:
    return str(CALLBACK_LABELS.get(code, code))


@register.filter
def callback_reason_label(code: str) -> str:
    """Why a ticket is due for a callback (every ticket, sampled, supervised, feedback sheet)."""
    from hotline.callbacks.models import Reason

    try:
        return str(Reason(code).label)
    except ValueError:
        return code or ""


@register.simple_tag(takes_context=True)
def inbox_unread(context: dict[str, Any]) -> int:
    from hotline.workbench.selectors import inbox_unread as count

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return count(user)


@register.inclusion_tag("workbench/_todo.html", takes_context=True)
def role_todo(context: dict[str, Any], role: str) -> dict[str, Any]:
    """Render what ``role`` has to do now, with counts and links to its screens (issue 7 §8)."""
    from hotline.workbench.selectors import todo_for

    user = context["user"]
    return {"items": todo_for(user, role, timezone.now()), "role": role}


@register.inclusion_tag("workbench/_day.html", takes_context=True)
def role_day(context: dict[str, Any], role: str) -> dict[str, Any]:
    """Render the day's work of ``role`` on its home page (issue 19)."""
    from hotline.tickets.selectors import ticket_text_for
    from hotline.workbench.selectors import day_for

    user = context["user"]
    sections = day_for(user, role, timezone.now())
    for section in sections:
        for item in section.notices:  # shown, never saved: PRIVACY-2 and masking per reader
            item.title = ticket_text_for(user, item.ticket, item.title)
    return {"sections": sections}


@register.simple_tag
def url_with(name: str, *args: Any, **query: Any) -> str:
    """Return ``reverse(name, args)`` with a query string of the non-empty ``query`` values."""
    from urllib.parse import urlencode

    base = reverse(name, args=args)
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """Return ``mapping[key]`` (None when missing), for labels looked up in templates."""
    return mapping.get(key) if isinstance(mapping, dict) else None
