"""The staff screens (issue 7): thin views over the ticket services and the selectors.

Views never change ticket rows themselves: every change is one service call (``tickets.services``)
made from one POST, followed by a redirect and a flash message (PRG). A service's refusal is
shown at the top of the form with the input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.channels.models import Peer
from hotline.channels.services import transfer_out
from hotline.citizens.access import citizen_search_for_user
from hotline.core.errors import DomainError, NotFound
from hotline.directory.models import Area, ResponsibilityItem, Unit
from hotline.franchise.services import market_service_of
from hotline.notifications.models import InboxItem
from hotline.policy.profiles import load_profile
from hotline.quality.selectors import flag_warning_for
from hotline.stats.calls import call_for_ticket
from hotline.suggest.services import suggest
from hotline.suggest.similar import WINDOW_DAYS as DUPLICATE_DAYS
from hotline.suggest.similar import near_duplicates
from hotline.tickets import labels
from hotline.tickets import services as svc
from hotline.tickets.access import citizen_hidden_from, ticket_get_for_user, tickets_visible_to
from hotline.tickets.attachments import attachment_add, attachments_open
from hotline.tickets.counts import DispatchCounts, unit_dispatch_counts
from hotline.tickets.models import ExtensionRequest, Ticket
from hotline.tickets.selectors import (
    TicketFilters,
    citizen_masked,
    ticket_rows,
    ticket_text_for,
    ticket_view_for,
    tickets_filtered,
    tickets_search,
)
from hotline.tickets.transitions import State
from hotline.workbench import forms as f
from hotline.workbench import selectors as sel
from hotline.workbench.models import SavedFilter

PAGE_SIZE = 25


# ----------------------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> Any:
    return request.user


def _require(request: HttpRequest, *roles: str) -> None:
    """Refuse (403) a user holding none of ``roles``."""
    user = _user(request)
    if user.is_superuser:
        return
    if not set(roles) & set(user.role_codes()):
        raise _Forbidden


class _Forbidden(Exception):
    """Raised inside a view to answer with the Chinese 403 page."""


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(
        request,
        "workbench/forbidden.html",
        {"message": message or _("You may not open this page.")},
        status=403,
    )


def screen(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; turn ``_Forbidden`` into the 403 page."""

    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except _Forbidden:
            return forbidden(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def ticket_for(request: HttpRequest, number: str) -> Ticket:
    """Return the ticket if the user may see it; 403 if it exists elsewhere, 404 if not at all.

    The API answers 404 for both (it reveals nothing); the pages say plainly that the ticket
    belongs to another unit, as the issue asks.
    """
    try:
        return ticket_get_for_user(_user(request), number)
    except NotFound:
        if Ticket.objects.filter(number=number).exists():
            raise _Forbidden from None
        raise Http404 from None


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _page(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _review_required() -> bool:
    return load_profile(settings.HOTLINE_PROFILE).review.required


def _unit_choices() -> list[Unit]:
    return list(sel.units_for_dispatch())


# ----------------------------------------------------------------------------- the workstation


@screen
def desk(request: HttpRequest) -> HttpResponse:
    """The agent workstation (接线工作台): one screen for one call."""
    _require(request, "agent")
    user = _user(request)
    # A ringing line opens the desk as /desk/?phone=<caller>: the caller panel loads at once
    # (with the centre's rule for a flagged number, INTAKE-7).
    form = f.CallForm(request.POST or None, initial={"phone": request.GET.get("phone", "")[:32]})
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return _desk_save(request, form)
            except DomainError as exc:
                error = exc.message
        status = 400
    reasons = sel.not_accepted_reasons()
    defer_limit = sel.limits_preview(
        category="", urgent=False, complex_=False, now=timezone.now(), clocks=("deferred_answer",)
    )
    return render(
        request,
        "workbench/desk.html",
        {
            "form": form,
            "error": error,
            "referrals": {
                r.code: {"text": r.text, "referral": list(r.referral), "emergency": r.emergency}
                for r in reasons
            },
            "units": _unit_choices(),
            "areas": sel.areas_all(),
            "review_required": _review_required(),
            "defer_limit": defer_limit[0] if defer_limit else None,
            "can_dispatch": user.can("ticket.dispatch"),
            "evaluation_required": f.evaluation_required(),
            "navigation_only": load_profile(settings.HOTLINE_PROFILE).scope.navigation_only,
        },
        status=status,
    )


def _desk_save(request: HttpRequest, form: f.CallForm) -> HttpResponse:
    """Register the call and carry out what the agent chose, all or nothing."""
    data = form.cleaned_data
    user = _user(request)
    outcome = data["outcome"]
    area = data.get("area")
    unit = data.get("unit")
    with transaction.atomic():
        ticket = svc.ticket_register(
            actor=user,
            channel="phone",
            category=data["category"],
            content=data["content"],
            citizen_phone=data["phone"],
            citizen_name=data.get("name") or "",
            phone_withheld=bool(data.get("withheld")),
            urgent=bool(data.get("urgent")),
            complex=bool(data.get("complex")),
            address=data.get("address") or "",
            area_code=area.code if area else None,
            confidential=bool(data.get("confidential")),
            related=data.get("related") or [],
        )
        link = reverse("workbench:ticket", args=[ticket.number])
        if outcome == "answer":
            svc.ticket_answer(
                actor=user, ticket=ticket, content=data["answer"], articles=form.article_ids()
            )
            if data.get("evaluation"):  # ANSWER-3: evaluated at the end of the call
                svc.ticket_evaluate(actor=user, ticket=ticket, result=data["evaluation"])
            text = _("Ticket %(number)s answered directly.")
        elif outcome == "navigate":
            svc.ticket_navigate(
                actor=user,
                ticket=ticket,
                note=data.get("navigate_note") or "",
                pointed_to=data.get("pointed_to") or "",
            )
            text = _("Ticket %(number)s recorded as navigation help.")
        elif outcome == "defer":
            svc.ticket_defer(actor=user, ticket=ticket, note=data.get("defer_note") or "")
            text = _("Ticket %(number)s registered; answer the caller later.")
        elif outcome == "reject":
            svc.ticket_reject(
                actor=user,
                ticket=ticket,
                reason=data["reject_reason"],
                note=data.get("reject_note") or "",
            )
            item = next(r for r in sel.not_accepted_reasons() if r.code == data["reject_reason"])
            text = _("Ticket %(number)s registered as not accepted.")
            if item.referral:
                text += " " + _("Refer the caller to: %(referral)s.") % {
                    "referral": " / ".join(item.referral)
                }
        elif unit is not None and not _review_required():
            svc.ticket_dispatch(
                actor=user, ticket=ticket, unit_code=unit.code, note=data.get("note") or ""
            )
            text = _("Ticket %(number)s dispatched to %(unit)s.")
        elif _review_required():
            text = _("Ticket %(number)s registered and sent for review.")
        else:
            text = _("Ticket %(number)s registered; it waits in the dispatch queue.")
    message = text % {"number": ticket.number, "unit": unit.name if unit else ""}
    messages.success(request, format_html('{} <a href="{}">{}</a>', message, link, _("Open")))
    return redirect("workbench:desk")


@screen
@require_GET
def desk_caller(request: HttpRequest) -> HttpResponse:
    """The caller panel: the citizen's record and earlier tickets (each read audited)."""
    _require(request, "agent", "reviewer", "callback", "supervisor")
    phone = request.GET.get("phone", "").strip()
    citizens = (
        citizen_search_for_user(_user(request), phone=phone, request=request)
        if len(phone) >= 5
        else []
    )
    history = sel.caller_history(_user(request), citizens)
    # INTAKE-7: the centre's rule for a flagged number; it informs, it never blocks the call.
    warning = flag_warning_for(_user(request), phone, request=request)
    finished = {s.value for s in sel.FINISHED}
    open_tickets = [t for t in history if t.state not in finished]
    return render(
        request,
        "workbench/_caller.html",
        {
            "phone": phone,
            "citizens": citizens,
            "history": history,
            "open_tickets": open_tickets,
            "finished": finished,
            "repeat": len(history) > 0,
            "warning": warning,
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def desk_assist(request: HttpRequest) -> HttpResponse:
    """Suggested categories and units (``suggest.services.suggest``: learned, responsibility
    lists, area, each with its reason), the same matter registered lately in the area
    (INTAKE-4/-5, ``suggest.similar``) and the time limits, before saving.

    The workstation POSTs the form: a realistic complaint of 500+ characters does not fit in
    a URL (issue 19). GET stays for short look-ups.
    """
    _require(request, "agent", "reviewer")
    params = request.POST if request.method == "POST" else request.GET
    area, _error = sel.area_resolve(params.get("area", ""))
    category = params.get("category", "")
    content = params.get("content", "")
    answer = suggest(content, area=area, category=category)
    # INTAKE-4/-5: the same matter registered in this area in the last days.
    duplicates = near_duplicates(
        content, area=area, now=timezone.now(), among=tickets_visible_to(_user(request))
    )
    limits = sel.limits_preview(
        category=category,
        urgent=bool(params.get("urgent")),
        complex_=bool(params.get("complex")),
        now=timezone.now(),
        clocks=("dispatch", "sign_for", "first_contact", "reply"),
    )
    return render(
        request,
        "workbench/_assist.html",
        {
            "suggestions": answer.units,
            "categories": answer.categories,
            "duplicates": duplicates,
            "window_days": DUPLICATE_DAYS,
            "limits": limits,
            "target": params.get("target", ""),
        },
    )


# ----------------------------------------------------------------------------- queues


@screen
def dispatch_queue(request: HttpRequest) -> HttpResponse:
    """Tickets awaiting review, dispatch, or re-dispatch after a unit's return (with reason)."""
    _require(request, "agent", "reviewer", "supervisor")
    tickets = sel.dispatch_queue(_user(request))
    state = request.GET.get("state", "")
    if state in {s.value for s in sel.DISPATCH_WAITING}:
        tickets = tickets.filter(state=state)
    page = _page(request, tickets)
    items = list(page.object_list)
    now = timezone.now()
    rows = ticket_rows(_user(request), items, now)
    returns = sel.last_events(items, "ticket.returned")
    for row, ticket in zip(rows, items, strict=True):
        row["ticket"] = ticket
        row["returned"] = returns.get(ticket.pk)
    counts = {
        s.value: sel.dispatch_queue(_user(request)).filter(state=s.value).count()
        for s in sel.DISPATCH_WAITING
    }
    return render(
        request,
        "workbench/dispatch_queue.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "counts": counts,
            "review_required": _review_required(),
            "query": _query_without_page(request),
        },
    )


@screen
def unit_inbox(request: HttpRequest) -> HttpResponse:
    """The unit's tickets (承办单位工作台): overdue first, with counts by light."""
    _require(request, "unit_handler", "unit_admin")
    user = _user(request)
    now = timezone.now()
    tickets = sel.unit_inbox(user)
    counts = sel.light_counts(tickets, now)
    light = request.GET.get("light", "")
    state = request.GET.get("state", "")
    ordered: Any = sel.by_light_first(tickets, now)
    if light in sel.LIGHTS:
        ordered = ordered.filter(light_rank=sel.LIGHTS.index(light))
    if state in {s.value for s in sel.UNIT_OPEN}:
        ordered = ordered.filter(state=state)
    if q := request.GET.get("q", "").strip():
        ordered = tickets_search(user, ordered, q)
    if state == "assisting":
        ordered = sel.unit_inbox_assisting(user, ordered)
    page = _page(request, ordered)
    rows = ticket_rows(user, list(page.object_list), now)
    state_counts = {s.value: tickets.filter(state=s.value).count() for s in sel.UNIT_OPEN}
    state_counts["assisting"] = sel.unit_inbox_assisting(user, tickets).count()
    return render(
        request,
        "workbench/unit_inbox.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "state_counts": state_counts,
            "light": light,
            "state": state,
            "q": request.GET.get("q", ""),
            "query": _query_without_page(request),
            "unit": user.unit,
            "assisting": set(
                sel.unit_inbox_assisting(
                    user, tickets.filter(pk__in=[t.pk for t in page.object_list])
                ).values_list("number", flat=True)
            ),
            "dispatch_counts": unit_dispatch_counts(unit_ids=[user.unit.pk]).get(
                user.unit.pk, DispatchCounts()
            )
            if user.unit
            else None,
            "citizen_notices": list(sel.citizen_notices_open(user)[:50]),
        },
    )


@screen
def board(request: HttpRequest) -> HttpResponse:
    """The supervision board (督办看板): lights by unit, decisions awaiting, recent breaches."""
    _require(request, "supervisor", "reviewer", "centre_admin")
    user = _user(request)
    now = timezone.now()
    totals, unit_rows = sel.board_rows(user, now)
    extensions = list(sel.pending_extensions(user)[:50])
    returned = list(sel.dispatch_queue(user).filter(state=State.RETURNED.value)[:50])
    returns = sel.last_events(returned, "ticket.returned")
    breaches = list(sel.recent_breaches(user, now)[:30])
    # HANDLE-3, QLH 六(二): each unit's returns and repeated dispatches beside its lights.
    counts = unit_dispatch_counts(unit_ids=[r.unit.pk for r in unit_rows if r.unit is not None])
    for row in unit_rows:
        row.dispatch_counts = counts.get(row.unit.pk) if row.unit else None  # type: ignore[attr-defined]
    return render(
        request,
        "workbench/board.html",
        {
            "totals": totals,
            "unit_rows": unit_rows,
            "extensions": extensions,
            "returned": [(t, returns.get(t.pk)) for t in returned],
            "breaches": breaches,
            "now": now,
            "citizen_notices": list(sel.citizen_notices_open(user)[:50]),
            "can_decide": bool({"supervisor", "reviewer"} & set(user.role_codes())),
        },
    )


@screen
def callbacks(request: HttpRequest) -> HttpResponse:
    """The callback queue (回访): replied tickets due for a callback; dissatisfied ones."""
    _require(request, "callback", "inspector", "reviewer", "supervisor")
    user = _user(request)
    page = _page(request, sel.callback_queue(user), 20)
    items = list(page.object_list)
    replies = sel.last_events(items, "ticket.replied")
    tries = sel.last_events(items, "ticket.called_back")
    rows = []
    for ticket in items:
        reply = replies.get(ticket.pk)
        rows.append(
            {
                "ticket": ticket,
                "reply": reply,
                "last_try": tries.get(ticket.pk),
                # PRIVACY-3: masked here; the ticket page shows the number in full (audited).
                "citizen": citizen_masked(ticket.citizen),
            }
        )
    dissatisfied = list(sel.dissatisfied_queue(user).select_related("citizen")[:50])
    results = sel.last_events(dissatisfied, "ticket.called_back")
    return render(
        request,
        "workbench/callbacks.html",
        {
            "page": page,
            "rows": rows,
            "dissatisfied": [(t, results.get(t.pk)) for t in dissatisfied],
            "can_callback": "callback" in user.role_codes() or user.is_superuser,
            "can_redo": bool({"reviewer", "inspector", "supervisor"} & set(user.role_codes())),
            "result_choices": f.CALLBACK_CHOICES,
            "yes_no": f.YES_NO_CHOICES,
            "query": _query_without_page(request),
        },
    )


@screen
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Every ticket the user may see, filterable (states, unit by name, dates), paginated."""
    form = f.TicketFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    unit = data.get("unit")
    filters = TicketFilters(
        state=data.get("state") or None,
        unit=unit.code if unit else None,
        light=data.get("light") or None,
        category=data.get("category") or None,
        q=data.get("q") or None,
        registered_from=data.get("registered_from"),
        registered_to=data.get("registered_to"),
    )
    tickets = tickets_filtered(_user(request), filters, now).order_by("-registered_at", "-id")
    page = _page(request, tickets)
    query = _query_without_page(request)
    return render(
        request,
        "workbench/ticket_list.html",
        {
            "form": form,
            "page": page,
            "rows": ticket_rows(_user(request), list(page.object_list), now),
            "query": query,
            "unit": unit,
            "units": sel.units_for_filter(),
            "saved": sel.saved_filters(_user(request)),
            "save_form": f.SavedFilterForm(initial={"query": query}),
        },
    )


@screen
@require_POST
def ticket_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name (a name used again is replaced)."""
    form = f.SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the filter a name."))
        return redirect(reverse("workbench:ticket_list") + "?" + request.POST.get("query", ""))
    name, query = form.cleaned_data["name"].strip(), form.cleaned_data["query"]
    SavedFilter.objects.update_or_create(user=_user(request), name=name, defaults={"query": query})
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": name})
    return redirect(reverse("workbench:ticket_list") + (f"?{query}" if query else ""))


@screen
@require_POST
def ticket_filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Delete one of the user's saved filters."""
    deleted, _rows = SavedFilter.objects.filter(user=_user(request), pk=filter_id).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("The saved filter was deleted."))
    return redirect("workbench:ticket_list")


# ----------------------------------------------------------------------------- the ticket page


def _svc_reject(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_reject(actor=user, ticket=t, reason=d["reason"], note=d["note"])


def _svc_answer(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_answer(
        actor=user, ticket=t, content=d["content"], articles=form.article_ids()
    )


def _svc_dispatch(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_dispatch(
        actor=user, ticket=t, unit_code=d["unit"].code, assisting=d["assisting"], note=d["note"]
    )


def _svc_redispatch(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_redispatch(
        actor=user, ticket=t, unit_code=d["unit"].code, assisting=d["assisting"], note=d["note"]
    )


def _svc_extension(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_extension_request(
        actor=user, ticket=t, until=f.day_end(d["until"]), reason=d["reason"], basis=d["basis"]
    )


def _svc_decide(user: Any, t: Ticket, d: dict[str, Any], form: Any) -> Any:
    return svc.ticket_extension_decide(
        actor=user,
        ticket=t,
        extension_id=d["extension"],
        decision=d["decision"],
        until=f.day_end(d["until"]) if d.get("until") else None,
        note=d["note"],
    )


#: Each action: its form and the one service call it makes.
def _transfer(actor: Any, ticket: Ticket, data: dict[str, Any]) -> None:
    """DISPATCH-6: a platform connected as a peer receives the ticket itself (and answers its
    own number); any other platform (110, 119 …) is recorded by name."""
    if Peer.objects.filter(name=data["platform"], active=True).exists():
        transfer_out(actor=actor, ticket=ticket, peer_name=data["platform"], note=data["note"])
    else:
        svc.ticket_transfer(
            actor=actor, ticket=ticket, platform=data["platform"], note=data["note"]
        )


ACTIONS: dict[str, tuple[type[Any], Callable[[Any, Ticket, dict[str, Any], Any], Any]]] = {
    "reject": (f.RejectForm, _svc_reject),
    "answer": (f.AnswerForm, _svc_answer),
    "defer": (f.NoteForm, lambda u, t, d, _f: svc.ticket_defer(actor=u, ticket=t, note=d["note"])),
    "review": (
        f.NoteForm,
        lambda u, t, d, _f: svc.ticket_review(actor=u, ticket=t, note=d["note"]),
    ),
    "dispatch": (f.DispatchForm, _svc_dispatch),
    "redispatch": (f.DispatchForm, _svc_redispatch),
    "sign": (f.EmptyForm, lambda u, t, d, _f: svc.ticket_sign(actor=u, ticket=t)),
    "contact": (
        f.RequiredNoteForm,
        lambda u, t, d, _f: svc.ticket_contact(actor=u, ticket=t, note=d["note"]),
    ),
    "return": (
        f.ReturnForm,
        lambda u, t, d, _f: svc.ticket_return(
            actor=u, ticket=t, reason=d["reason"], basis=d["basis"], ground=d["ground"]
        ),
    ),
    "extension_request": (f.ExtensionForm, _svc_extension),
    "extension_decide": (f.DecisionForm, _svc_decide),
    "explain": (
        f.RequiredNoteForm,
        lambda u, t, d, _f: svc.ticket_explain(actor=u, ticket=t, note=d["note"]),
    ),
    "escalate": (
        f.NoteForm,
        lambda u, t, d, _f: svc.ticket_escalate(actor=u, ticket=t, note=d["note"]),
    ),
    "reply": (
        f.ReplyForm,
        lambda u, t, d, _f: svc.ticket_reply(
            actor=u,
            ticket=t,
            content=d["content"],
            citizen_satisfaction=d["citizen_satisfaction"],
        ),
    ),
    "callback": (
        f.CallbackForm,
        lambda u, t, d, _f: svc.ticket_callback(
            actor=u,
            ticket=t,
            result=d["result"],
            note=d["note"],
            solved=d["solved"],
            contacted_in_time=d["contacted_in_time"],
        ),
    ),
    "redo": (f.NoteForm, lambda u, t, d, _f: svc.ticket_redo(actor=u, ticket=t, note=d["note"])),
    "close": (f.NoteForm, lambda u, t, d, _f: svc.ticket_close(actor=u, ticket=t, note=d["note"])),
    "transfer": (f.TransferForm, lambda u, t, d, _f: _transfer(u, t, d)),
    "reopen": (
        f.NoteForm,
        lambda u, t, d, _f: svc.ticket_reopen(actor=u, ticket=t, note=d["note"]),
    ),
    "archive": (f.EmptyForm, lambda u, t, d, _f: svc.ticket_archive(actor=u, ticket=t)),
    # Issue 12 part 2.
    "liaison_call": (
        f.LiaisonCallForm,
        lambda u, t, d, _f: svc.ticket_liaison_call(
            actor=u, ticket=t, liaison_id=d["liaison"], reached=d["reached"], note=d["note"]
        ),
    ),
    "assist_sign": (f.EmptyForm, lambda u, t, d, _f: svc.ticket_assist_sign(actor=u, ticket=t)),
    "assist_submit": (
        f.ContributionForm,
        lambda u, t, d, _f: svc.ticket_assist_submit(actor=u, ticket=t, content=d["content"]),
    ),
    "assist_waive": (
        f.WaiveForm,
        lambda u, t, d, _f: svc.ticket_assist_waive(
            actor=u, ticket=t, unit_code=d["unit"], reason=d["reason"]
        ),
    ),
    "escalation_flag": (
        f.EscalationFlagForm,
        lambda u, t, d, _f: svc.ticket_escalation_flag(
            actor=u, ticket=t, kinds=d["kinds"], note=d["note"]
        ),
    ),
    "reclassify_request": (
        f.ReasonForm,
        lambda u, t, d, _f: svc.ticket_reclassify_request(actor=u, ticket=t, reason=d["reason"]),
    ),
    "reclassify_decide": (
        f.ReclassifyDecisionForm,
        lambda u, t, d, _f: svc.ticket_reclassify_decide(
            actor=u, ticket=t, decision=d["decision"], note=d["note"]
        ),
    ),
    "event_flag": (
        f.EventFlagForm,
        lambda u, t, d, _f: svc.ticket_event_flag(
            actor=u, ticket=t, event_at=d["event_at"], note=d["note"]
        ),
    ),
    "event_report": (
        f.EventReportForm,
        lambda u, t, d, _f: svc.ticket_event_report(
            actor=u, ticket=t, kind=d["kind"], note=d["note"]
        ),
    ),
    # Issue 12: navigation help, the evaluation of a direct answer, telling the citizen.
    "navigate": (
        f.NavigateForm,
        lambda u, t, d, _f: svc.ticket_navigate(
            actor=u, ticket=t, note=d["note"], pointed_to=d["pointed_to"]
        ),
    ),
    "evaluate": (
        f.EvaluateForm,
        lambda u, t, d, _f: svc.ticket_evaluate(
            actor=u, ticket=t, result=d["result"], note=d["note"]
        ),
    ),
    svc.TELL_CITIZEN: (
        f.TellCitizenForm,
        lambda u, t, d, _f: svc.ticket_tell_citizen(
            actor=u,
            ticket=t,
            how=d["how"],
            told_at=d.get("told_at"),
            told_by=d["told_by"],
            note=d["note"],
        ),
    ),
}


def _form(form_class: type[Any], ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
    """Build an action's form, giving the ticket to forms whose choices depend on it."""
    if getattr(form_class, "needs_ticket", False):
        kwargs["ticket"] = ticket
    return form_class(*args, **kwargs)


def _action_label(action: str) -> str:
    """Return the Chinese name of an action (the tell-citizen to-do is not a state change)."""
    if action == svc.TELL_CITIZEN:
        return _("Tell the citizen of the extension")
    return labels.action_label(action)


#: The order and grouping of action forms on the ticket page: main actions first.
PRIMARY = (
    "liaison_call",
    "assist_sign",
    "assist_submit",
    "sign",
    "contact",
    "reply",
    "dispatch",
    "redispatch",
    "review",
    "callback",
    "redo",
    "answer",
    "evaluate",
    svc.TELL_CITIZEN,
    "close",
)


@screen
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket page for every role: timeline, deadlines, units, attachments, actions."""
    return _ticket_page(request, ticket_for(request, number))


def _ticket_page(
    request: HttpRequest,
    current: Ticket,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    data = ticket_view_for(user, current, request=request)
    allowed = [a for a in data["allowed_actions"] if a in ACTIONS]
    pending = current.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    action_forms: list[dict[str, Any]] = []
    for action in sorted(
        allowed, key=lambda a: (a not in PRIMARY, PRIMARY.index(a) if a in PRIMARY else 0)
    ):
        if action == "extension_decide" and pending is None:
            continue
        form_class = ACTIONS[action][0]
        if bound is not None and bound[0] == action:
            form = bound[1]
        elif action == "extension_decide" and pending is not None:
            form = form_class(prefix=action, initial={"extension": pending.pk})
        elif action == "reply":
            form = form_class(prefix=action)
        else:
            form = _form(form_class, current, prefix=action)
        action_forms.append(
            {
                "action": action,
                "label": _action_label(action),
                "form": form,
                "primary": action in PRIMARY,
                "error": error if bound is not None and bound[0] == action else "",
            }
        )
    if bound is not None and bound[0] in ACTIONS and bound[0] not in allowed:
        # Refused because the ticket moved on (or never allowed it): keep what was typed.
        action_forms.insert(
            0,
            {
                "action": bound[0],
                "label": _action_label(bound[0]),
                "form": bound[1],
                "primary": True,
                "error": error,
            },
        )
    dispatching = {"dispatch", "redispatch"} & set(allowed)
    events = data["events"]
    returned = next((e for e in reversed(events) if e["action"] == "ticket.returned"), None)
    rejected = next((e for e in reversed(events) if e["action"] == "ticket.rejected"), None)
    # The timeline names units, never their codes (issue 19).
    codes = {e["payload"].get("unit") for e in events if isinstance(e["payload"], dict)}
    unit_names = dict(
        Unit.objects.filter(code__in=[c for c in codes if isinstance(c, str)]).values_list(
            "code", "name"
        )
    )
    open_deadlines = [d for d in data["deadlines"] if d["met_at"] is None and d["due_at"]]
    next_due = min(open_deadlines, key=lambda d: d["due_at"]) if open_deadlines else None
    context = {
        "t": data,
        "ticket": current,
        "unit_names": unit_names,
        "action_forms": action_forms,
        "pending": pending,
        "returned": returned,
        "rejected": rejected,
        "next_due": next_due,
        "related": ticket_rows(
            user, list(tickets_visible_to(user).filter(number__in=data["related"])), timezone.now()
        ),
        "units": _unit_choices() if dispatching else [],
        "suggestions": _redispatch_suggestions(current) if dispatching else [],
        "can_attach": not data["citizen"]["hidden"],
        "can_upload": attachments_open(current),
        "attach_form": bound[1] if bound and bound[0] == "attach" else f.AttachmentForm(),
        "attach_error": error if bound and bound[0] == "attach" else "",
        "is_unit_user": not user.is_centre_staff,
        "finished": current.state in {s.value for s in sel.FINISHED},
        "liaison_prompt": user.is_centre_staff and sel.liaison_prompt(current),
        "reply_waits": svc.reply_blocked_by(current)
        if current.state in {s.value for s in sel.UNIT_OPEN}
        else "",
        "escalation_labels": dict(sel.escalation_choices(current)),
        "lead_named_by": load_profile(current.profile).assisting.named_by_label,
        # CALLCENTRE-3: the call the ticket came from and its recording, for the centre's staff
        # only (the recording holds the caller's voice, PRIVACY-2).
        # Issue 16: a market-service request goes to the market dispatch (centre agents).
        "market_service": market_service_of(current)
        if user.is_centre_staff and user.can("ticket.dispatch")
        else "",
        "call": call_for_ticket(current)
        if user.is_centre_staff and not data["citizen"]["hidden"]
        else None,
    }
    return render(request, "workbench/ticket.html", context, status=status)


def _redispatch_suggestions(ticket: Ticket) -> list[Any]:
    """The suggested units for (re)dispatching ``ticket``, without those that already
    returned it: the agent can still type one, but it is not offered first again."""
    returned_by = set(
        ticket.assignments.filter(returned_at__isnull=False).values_list("unit__code", flat=True)
    )
    answer = suggest(ticket.content, area=ticket.area, category=ticket.category)
    return [s for s in answer.units if s.unit.code not in returned_by]


@screen
@require_POST
def ticket_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Carry out one action on a ticket (one POST, one service call), then redirect."""
    current = ticket_for(request, number)
    if action not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[action]
    form = _form(form_class, current, request.POST, prefix=action)
    if form.is_valid():
        try:
            call(_user(request), current, form.cleaned_data, form)
        except DomainError as exc:
            return _ticket_page(
                request, current, bound=(action, form), error=exc.message, status=exc.status
            )
        messages.success(
            request,
            _("%(action)s: done for ticket %(number)s.")
            % {"action": _action_label(action), "number": current.number},
        )
        return redirect(_next(request, reverse("workbench:ticket", args=[current.number])))
    return _ticket_page(request, current, bound=(action, form), status=400)


@screen
@require_POST
def ticket_attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a document or image; its type and size are checked by the service."""
    current = ticket_for(request, number)
    if citizen_hidden_from(_user(request), current):
        raise _Forbidden
    form = f.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(actor=_user(request), ticket=current, upload=form.cleaned_data["file"])
        except DomainError as exc:
            return _ticket_page(
                request, current, bound=("attach", form), error=exc.message, status=exc.status
            )
        messages.success(request, _("The file was attached."))
        return redirect("workbench:ticket", current.number)
    return _ticket_page(request, current, bound=("attach", form), status=400)


@screen
@require_GET
def ticket_file(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """Download an attachment (never to a unit the complainant is hidden from, PRIVACY-2)."""
    current = ticket_for(request, number)
    if citizen_hidden_from(_user(request), current):
        raise _Forbidden
    attachment = current.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# ----------------------------------------------------------------------------- inbox, admin


@screen
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications; POST marks them all read."""
    user = _user(request)
    items = InboxItem.objects.filter(user=user).select_related(
        "ticket__citizen", "ticket__complained_unit"
    )
    if request.method == "POST":
        items.filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, _("All notifications marked read."))
        return redirect("workbench:inbox")
    page = _page(request, items, 50)
    for item in page.object_list:  # shown, never saved: PRIVACY-2 and masking per reader
        item.title = ticket_text_for(user, item.ticket, item.title)
        item.body = ticket_text_for(user, item.ticket, item.body)
    return render(
        request, "workbench/inbox.html", {"page": page, "query": _query_without_page(request)}
    )


@screen
def manage(request: HttpRequest) -> HttpResponse:
    """What centre administrators maintain, with counts and the screens that maintain it."""
    _require(request, "centre_admin")
    from hotline.accounts.models import User
    from hotline.policy.models import CalendarOverride

    users = User.objects.filter(is_active=True).select_related("unit").prefetch_related("role_rows")
    return render(
        request,
        "workbench/manage.html",
        {
            "counts": {
                "units": Unit.objects.count(),
                "areas": Area.objects.count(),
                "responsibilities": ResponsibilityItem.objects.filter(active=True).count(),
                "users": User.objects.filter(is_active=True).count(),
                "overrides": CalendarOverride.objects.count(),
            },
            "users": _page(request, users.order_by("unit__path", "username"), 50),
            "profile": load_profile(settings.HOTLINE_PROFILE),
            "query": _query_without_page(request),
        },
    )
