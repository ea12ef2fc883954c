"""The citizen portal (``/portal/``) and the workstation fragments (ringing call, bulletins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hotline.core.audit import audit_record
from hotline.core.categories import Category
from hotline.core.errors import DomainError
from hotline.core.throttle import throttle_view
from hotline.knowledge.search import kb_search
from hotline.tickets.models import Ticket

from .models import Bulletin, Rating
from .services import (
    DONE_STATES,
    bulletin_publish,
    bulletin_withdraw,
    bulletins_current,
    bulletins_of,
    code_send,
    portal_rate,
    portal_reply,
    portal_submit,
    portal_ticket,
    portal_timeline,
    rating_for,
    ringing_take,
)

#: The categories a citizen picks from (praise and criticism are given by phone too).
PORTAL_CATEGORIES = [(c.value, c.label) for c in Category]
RATINGS = [
    ("satisfied", pgettext_lazy("portal", "Satisfied")),
    ("basically_satisfied", pgettext_lazy("portal", "Basically satisfied")),
    ("dissatisfied", pgettext_lazy("portal", "Dissatisfied")),
]
MAX_PHOTOS = 3


@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "channels/portal_home.html", {"bulletins": bulletins_current(public_only=True)}
    )


#: How many public articles the portal's knowledge-base panel shows.
KB_PANEL_LIMIT = 5


@require_GET
@throttle_view("kb-public")
def portal_kb(request: HttpRequest) -> HttpResponse:
    """The public knowledge base beside the portal (issue 15 item 1, KB-2): public articles in
    force matching ``q`` (the search box) or ``content`` (the request being typed, for suggested
    answers). An htmx fragment, throttled like the public search page."""
    suggest = "content" in request.GET and "q" not in request.GET
    q = (request.GET.get("q") if not suggest else request.GET.get("content")) or ""
    q = q[:500]
    results = kb_search(q, limit=KB_PANEL_LIMIT, public_only=True) if q.strip() else []
    return render(
        request,
        "channels/_portal_kb.html",
        {"q": q, "results": results, "searched": bool(q.strip()), "suggest": suggest},
    )


def _submit_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else {}
    values = {
        key: data.get(key, "")
        for key in ("phone", "code", "name", "category", "content", "address", "area")
    }
    return {"values": values, "categories": PORTAL_CATEGORIES, **extra}


def _market_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    from hotline.franchise.models import Service

    data = request.POST if request.method == "POST" else request.GET
    values = {
        key: data.get(key, "")
        for key in ("phone", "code", "name", "service", "content", "address", "area")
    }
    return {"values": values, "services": Service.choices, **extra}


def _client_status(exc: DomainError) -> int:
    """A refused citizen's form answers 4xx: the error's own status, else 400."""
    return exc.status if 400 <= exc.status < 500 else 400


def _code_sent() -> str:
    return pgettext("portal", "The code has been sent: check your text messages.")


def _submitted(request: HttpRequest, number: str, query: str) -> HttpResponse:
    """The page that shows the new ticket's number and query code once."""
    return render(
        request,
        "channels/portal_submitted.html",
        {"number": number, "query_code": query},
        status=201,
    )


@require_http_methods(["GET", "POST"])
@throttle_view("portal-submit", methods=("POST",))
def portal_market(request: HttpRequest) -> HttpResponse:
    """Ask for a market service (cleaning, moving, repairs …; issue 16): a help request with
    the service class, confirmed by the SMS code; the centre routes it to a franchisee."""
    from hotline.franchise.services import market_request_submit

    if request.method == "GET":
        return render(request, "channels/portal_market.html", _market_context(request))
    try:
        if request.POST.get("action") == "code":
            code_send(phone=request.POST.get("phone", ""))
            return render(
                request,
                "channels/portal_market.html",
                _market_context(request, notice=_code_sent()),
            )
        ticket, query = market_request_submit(
            service=request.POST.get("service", "")[:32],
            phone=request.POST.get("phone", ""),
            code=request.POST.get("code", ""),
            content=request.POST.get("content", ""),
            name=request.POST.get("name", ""),
            address=request.POST.get("address", ""),
            area_code=request.POST.get("area", ""),
        )
    except DomainError as exc:
        return render(
            request,
            "channels/portal_market.html",
            _market_context(request, error=exc.message),
            status=_client_status(exc),
        )
    return _submitted(request, ticket.number, query)


@require_http_methods(["GET", "POST"])
@throttle_view("portal-submit", methods=("POST",))
def portal_submit_view(request: HttpRequest) -> HttpResponse:
    """Submit a request: get a one-time code by SMS, then send the form with it.

    Every value typed comes back on the page after an error (photos must be chosen again:
    browsers never refill file fields).
    """
    if request.method == "GET":
        return render(request, "channels/portal_submit.html", _submit_context(request))
    action = request.POST.get("action", "submit")
    try:
        if action == "code":
            code_send(phone=request.POST.get("phone", ""))
            return render(
                request,
                "channels/portal_submit.html",
                _submit_context(request, notice=_code_sent()),
            )
        photos = request.FILES.getlist("photos")
        if len(photos) > MAX_PHOTOS:
            raise DomainError(
                pgettext("portal", "Upload at most %(count)d photos.") % {"count": MAX_PHOTOS},
                code="invalid_input",
            )
        ticket, query = portal_submit(
            phone=request.POST.get("phone", ""),
            code=request.POST.get("code", ""),
            category=request.POST.get("category", ""),
            content=request.POST.get("content", ""),
            name=request.POST.get("name", ""),
            address=request.POST.get("address", ""),
            area_code=request.POST.get("area", ""),
            photos=photos,
        )
    except DomainError as exc:
        return render(
            request,
            "channels/portal_submit.html",
            _submit_context(request, error=exc.message),
            status=_client_status(exc),
        )
    return _submitted(request, ticket.number, query)


def _ticket_context(request: HttpRequest, ticket: Ticket, code: str, **extra: Any) -> Any:
    rating: Rating | None = rating_for(ticket)
    reply = portal_reply(ticket)
    return {
        "ticket": ticket,
        "query_code": code,
        "timeline": portal_timeline(ticket),
        "reply": reply,
        "done": ticket.state in DONE_STATES,
        "rating": rating,
        "can_rate": bool(reply) and rating is None,
        "ratings": RATINGS,
        "category": Category(ticket.category).label,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@throttle_view("portal-query", methods=("POST",))
def portal_follow(request: HttpRequest) -> HttpResponse:
    """Follow a ticket with its number and query code; rate the reply."""
    if request.method == "GET":
        return render(request, "channels/portal_follow.html", {"number": "", "query_code": ""})
    number = request.POST.get("number", "").strip()[:20]
    code = request.POST.get("query_code", "").strip()[:16]
    try:
        ticket = portal_ticket(number=number, query_code=code)
    except DomainError as exc:
        return render(
            request,
            "channels/portal_follow.html",
            {"number": number, "query_code": code, "error": exc.message},
            status=404,
        )
    # PRIVACY-3: a read of a ticket (personal data) from outside is audited like a staff read.
    audit_record(actor=None, action="portal.ticket.view", obj=ticket, request=request)
    extra: dict[str, Any] = {}
    status = 200
    if request.POST.get("action") == "rate":
        try:
            portal_rate(
                ticket=ticket,
                result=request.POST.get("result", ""),
                comment=request.POST.get("comment", ""),
            )
            ticket.refresh_from_db()
            extra["notice"] = pgettext("portal", "Thank you for your rating.")
        except DomainError as exc:
            extra["error"] = exc.message
            extra["comment"] = request.POST.get("comment", "")
            status = _client_status(exc)
    return render(
        request,
        "channels/portal_ticket.html",
        _ticket_context(request, ticket, code, **extra),
        status=status,
    )


@login_required
@require_GET
def desk_ringing(request: HttpRequest) -> HttpResponse:
    """Polled by the agent's workstation every second: a ringing call fills the phone field,
    which loads the caller's record (CALLCENTRE-1); nothing otherwise."""
    ring = ringing_take(agent=request.user)
    if ring is None:
        return HttpResponse(status=204)  # htmx swaps nothing
    return render(request, "channels/_ringing.html", {"ring": ring})


@login_required
@require_GET
def desk_bulletins(request: HttpRequest) -> HttpResponse:
    """The information valid now, beside the workstation (PUBLISH-1)."""
    return render(request, "channels/_bulletins.html", {"bulletins": bulletins_current()})


def _local(text: str) -> Any:
    """A ``datetime-local`` value read in the centre's time zone, or None."""
    moment = parse_datetime((text or "").strip()[:32])
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


@login_required
@require_http_methods(["GET", "POST"])
def bulletins_page(request: HttpRequest) -> HttpResponse:
    """Staff publish and withdraw real-time information (PUBLISH-1, PUBLISH-3): the centre and
    every unit; it shows on the workstation and, when public, on the portal."""
    user: Any = request.user
    if getattr(user, "unit_id", None) is None:
        raise PermissionDenied
    typed: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                row = bulletin_withdraw(actor=user, bulletin_id=int(request.POST.get("id") or 0))
                audit_record(actor=user, action="bulletin.withdraw", obj=row, request=request)
                messages.success(request, pgettext("bulletins", "The information was withdrawn."))
                return redirect("channels:bulletins")
            typed = {k: request.POST.get(k, "") for k in ("kind", "title", "body", "area")}
            typed.update(
                valid_from=request.POST.get("valid_from", ""),
                valid_until=request.POST.get("valid_until", ""),
                public=bool(request.POST.get("public")),
            )
            start, end = _local(typed["valid_from"]), _local(typed["valid_until"])
            if start is None or end is None:
                raise DomainError(
                    pgettext("bulletins", "Give the start and end of the validity period."),
                    code="invalid_input",
                    status=400,
                )
            row = bulletin_publish(
                actor=user,
                kind=typed["kind"],
                title=typed["title"],
                body=typed["body"],
                valid_from=start,
                valid_until=end,
                area_code=typed["area"].strip(),
                public=typed["public"],
            )
            audit_record(actor=user, action="bulletin.publish", obj=row, request=request)
            messages.success(request, pgettext("bulletins", "The information was published."))
            return redirect("channels:bulletins")
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", None) or str(exc))
            status = 400
    now = timezone.localtime()
    if not typed:
        typed = {
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "public": True,
        }
    return render(
        request,
        "channels/bulletins.html",
        {
            "rows": bulletins_of(user),
            "kinds": Bulletin.Kind.choices,
            "typed": typed,
            "now": timezone.now(),
        },
        status=status,
    )
