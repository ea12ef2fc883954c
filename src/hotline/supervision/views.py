"""The supervision pages: the supervisors' page and the unit's view of its orders and notices.

Every change goes through a service; a refusal comes back as a message above the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, InvalidInput, NotFound
from hotline.supervision import selectors as sel
from hotline.supervision import services as svc
from hotline.supervision.models import Form, Ground, OrderState
from hotline.supervision.pdf import reminder_pdf
from hotline.tickets.access import ticket_get_for_user

#: The most rows each list of the page shows.
ROWS = 100


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbench/forbidden.html",
        {"message": _("You may not open this page.")},
        status=403,
    )


def _page(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("supervision:page"))


def _action(
    view: Callable[..., str],
) -> Callable[..., HttpResponse]:
    """A POST that runs one service: its message on success, the refusal's on failure."""

    @login_required
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            messages.success(request, view(request, *args, **kwargs))
        except DomainError as exc:
            messages.error(request, exc.message)
        return _page(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _text(request: HttpRequest, name: str, limit: int = 10_000) -> str:
    value = request.POST.get(name, "")
    if len(value) > limit:
        raise InvalidInput(_("The text is too long."))
    return value


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """Supervisors: open orders, reminders, notices and the forms; units: their own."""
    user: Any = request.user
    supervisor = user.can("ticket.supervise")
    if not supervisor and not user.can("ticket.handle") and not user.is_centre_staff:
        return _forbidden(request)
    number = request.GET.get("ticket", "").strip()[:20]
    orders = sel.order_list(user, ticket=number or None).order_by("explanation_due_at", "id")
    context = {
        "supervisor": supervisor,
        "unit_view": not user.is_centre_staff,
        "open_orders": list(orders.exclude(state=OrderState.CLOSED)[:ROWS]),
        "closed_orders": list(
            orders.filter(state=OrderState.CLOSED).order_by("-closed_at", "-id")[:20]
        ),
        "reminders": list(sel.reminder_list(user, ticket=number or None)[:ROWS]),
        "ticket_filter": number,
        "notices": list(sel.notices_visible_to(user).order_by("-issued_at", "-id")[:20]),
        "forms": Form.choices,
        "grounds": Ground.choices,
        "now": timezone.now(),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/page.html", context)


@_action
def order_open(request: HttpRequest) -> str:
    ticket = ticket_get_for_user(request.user, _text(request, "ticket", 20).strip())  # type: ignore[arg-type]
    order = svc.order_open(
        actor=request.user,
        ticket=ticket,
        form=_text(request, "form", 16),
        reason=_text(request, "reason"),
    )
    return _("Supervision order opened on ticket %(number)s.") % {"number": order.ticket.number}


@_action
def order_explain(request: HttpRequest, order_id: int) -> str:
    order = sel.order_get_for_user(request.user, order_id)
    svc.order_explain(actor=request.user, order=order, content=_text(request, "content"))
    return _("Your written explanation was filed.")


@_action
def order_close(request: HttpRequest, order_id: int) -> str:
    order = sel.order_get_for_user(request.user, order_id)
    svc.order_close(actor=request.user, order=order, finding=_text(request, "finding"))
    return _("The supervision order was closed.")


@_action
def reminder_acknowledge(request: HttpRequest, reminder_id: int) -> str:
    reminder = sel.reminder_get_for_user(request.user, reminder_id)
    svc.reminder_acknowledge(actor=request.user, reminder=reminder)
    return _("The reminder notice was acknowledged.")


@_action
def reminder_reason(request: HttpRequest, reminder_id: int) -> str:
    reminder = sel.reminder_get_for_user(request.user, reminder_id)
    svc.reminder_reason(actor=request.user, reminder=reminder, reason=_text(request, "reason"))
    return _("Your reason was reported; no further reminders will be sent.")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Enter dates such as 2026-10-31.")) from None


@_action
def notice_issue(request: HttpRequest) -> str:
    codes = [c for c in _text(request, "units", 2000).replace("，", ",").split(",") if c.strip()]
    svc.notice_issue(
        actor=request.user,
        unit_codes=codes,
        period_start=_date(_text(request, "period_start", 20)),
        period_end=_date(_text(request, "period_end", 20)),
        ground=_text(request, "ground", 8),
        text=_text(request, "text"),
    )
    return _("The public notice was issued.")


@login_required
@require_GET
def reminder_file(request: HttpRequest, reminder_id: int) -> HttpResponse:
    """The reminder notice as PDF, for those who may see the reminder."""
    try:
        reminder = sel.reminder_get_for_user(request.user, reminder_id)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(reminder_pdf(reminder), content_type="application/pdf")
    name = f"reminder-{reminder.ticket.number}-{reminder.sequence}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
