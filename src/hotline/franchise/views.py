"""The market-service pages (issue 16): the centre's page, the franchisee's orders, the public
enrolment form, the published ratings and the resident's feedback sheet.

Every change goes through a service; a refusal comes back as a message above the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core.edge import EdgeFormMixin
from hotline.core.errors import DomainError, InvalidInput
from hotline.core.throttle import throttle_view
from hotline.directory.models import Area
from hotline.franchise import selectors as sel
from hotline.franchise import services as svc
from hotline.franchise.models import (
    Agreement,
    ApplicantKind,
    Application,
    Complaint,
    FeedbackSheet,
    Franchisee,
    MarketOrder,
    Offer,
    PriceGuide,
    Service,
    Volunteer,
    VolunteerService,
)
from hotline.tickets.access import ticket_get_for_user


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbench/forbidden.html",
        {"message": _("You may not open this page.")},
        status=403,
    )


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not target.startswith("/market/"):
        target = reverse(default)
    return HttpResponseRedirect(target)


def _action(view: Callable[..., str]) -> Callable[..., HttpResponse]:
    """A POST that runs one service: its message on success, the refusal's on failure."""

    @login_required
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            messages.success(request, view(request, *args, **kwargs))
        except DomainError as exc:
            messages.error(request, exc.message)
        return _back(request, "franchise:page")

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _text(request: HttpRequest, name: str, limit: int = 10_000) -> str:
    value = request.POST.get(name, "")
    if len(value) > limit:
        raise InvalidInput(_("The text is too long."))
    return value


def _franchisee(code: str) -> Franchisee:
    return svc.franchisee_get(code[:32])


# ----------------------------------------------------------------------------- centre


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The centre: applications, franchisees, expiring agreements, the override report;
    a franchisee's staff: their offers and orders."""
    user: Any = request.user
    if not user.is_centre_staff:
        if user.unit is not None and hasattr(user.unit, "franchisee"):
            return orders_page(request)
        return _forbidden(request)
    today = timezone.localdate()
    context = {
        "admin": user.can("directory.manage"),
        "applications": Application.objects.filter(
            state__in=[Application.State.SUBMITTED, Application.State.CHECKED]
        ),
        "franchisees": Franchisee.objects.select_related("unit").order_by("unit__code"),
        "expiring": Agreement.objects.filter(
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=svc.EXPIRY_WARNING_DAYS),
            terminated_at__isnull=True,
        ).select_related("franchisee__unit"),
        "overrides": svc.overrides_report()[:100],
        "open_orders": MarketOrder.objects.filter(
            state__in=[MarketOrder.State.OFFERED, MarketOrder.State.UNSERVED]
        ).select_related("ticket", "franchisee__unit")[:100],
        "complaints": Complaint.objects.filter(resolved_at__isnull=True).select_related(
            "franchisee__unit", "ticket", "referred_to"
        )[:100],
        "sheets": FeedbackSheet.objects.filter(filled_at__isnull=True).select_related(
            "order__ticket", "order__franchisee__unit"
        )[:100],
        "guides": PriceGuide.objects.all(),
        "services": Service.choices,
        "kinds": [
            ("blacklist", _("Blacklist")),
            ("terminate", _("Terminate the agreement")),
            ("recommend", _("Recommend with priority")),
            ("notice", _("Public notice")),
        ],
        "year": today.year,
    }
    return render(request, "franchise/page.html", context)


@login_required
@require_GET
def franchisee_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A franchisee's credit file: agreements, decisions, orders, complaints (FRANCHISE-6)."""
    user: Any = request.user
    franchisee = _franchisee(code)
    if not user.is_centre_staff and user.unit_id != franchisee.unit_id:
        return _forbidden(request)
    return render(
        request,
        "franchise/franchisee.html",
        {
            "f": franchisee,
            "admin": user.is_centre_staff and user.can("directory.manage"),
            "agreements": franchisee.agreements.all(),
            "decisions": franchisee.decisions.select_related("decided_by"),
            "orders": franchisee.orders.select_related("ticket")[:50],
            "complaints": franchisee.complaints.select_related("ticket")[:50],
            "offers": franchisee.offers.select_related("order__ticket").order_by("-offered_at")[
                :50
            ],
            "services": [Service(s).label for s in franchisee.services],
        },
    )


@_action
def application_check(request: HttpRequest, application_id: int) -> str:
    application = _application(application_id)
    svc.application_site_check(
        actor=request.user, application=application, note=_text(request, "note")
    )
    return _("The on-site check was recorded.")


def _application(application_id: int) -> Application:
    found = Application.objects.filter(pk=application_id).first()
    if found is None:
        raise InvalidInput(_("No such application."))
    return found


@_action
def application_decide(request: HttpRequest, application_id: int) -> str:
    application = _application(application_id)
    approve = request.POST.get("decision") == "approve"
    svc.application_decide(
        actor=request.user,
        application=application,
        approve=approve,
        note=_text(request, "note"),
        code=_text(request, "code", 32),
        base_area_code=_text(request, "base_area", 32),
    )
    return _("The application was approved.") if approve else _("The application was rejected.")


def _date(request: HttpRequest, name: str) -> date:
    try:
        return date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        raise InvalidInput(_("Enter a date such as 2026-01-31.")) from None


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(_("Enter a whole number.")) from None


@_action
def agreement_sign(request: HttpRequest, code: str) -> str:
    svc.agreement_sign(
        actor=request.user,
        franchisee=_franchisee(code),
        rights=_text(request, "rights"),
        duties=_text(request, "duties"),
        hours=_text(request, "hours", 100),
        standards=_text(request, "standards"),
        fees=_text(request, "fees"),
        valid_from=_date(request, "valid_from"),
        valid_until=_date(request, "valid_until"),
        response_minutes=_int(request, "response_minutes", 30),
        onsite_hours=_int(request, "onsite_hours", 24),
    )
    return _("The agreement was signed.")


@_action
def sanction(request: HttpRequest, code: str) -> str:
    svc.franchisee_sanction(
        actor=request.user,
        franchisee=_franchisee(code),
        kind=request.POST.get("kind", ""),
        reason=_text(request, "reason"),
    )
    return _("The decision was recorded in the credit file.")


@_action
def assess(request: HttpRequest) -> str:
    year = _int(request, "year", timezone.localdate().year)
    decisions = svc.credit_assess_year(actor=request.user, year=year)
    return _("%(count)d franchisees were assessed.") % {"count": len(decisions)}


@_action
def complaint_file(request: HttpRequest) -> str:
    complaint = svc.complaint_file(
        actor=request.user,
        franchisee=_franchisee(request.POST.get("franchisee", "")),
        content=_text(request, "content"),
        citizen_phone=_text(request, "phone", 32),
        order_ticket=_text(request, "order_ticket", 20).strip(),
    )
    return _("Complaint ticket %(number)s was registered.") % {"number": complaint.ticket.number}


def _complaint(complaint_id: int) -> Complaint:
    found = Complaint.objects.filter(pk=complaint_id).first()
    if found is None:
        raise InvalidInput(_("No such complaint."))
    return found


@_action
def complaint_verify(request: HttpRequest, complaint_id: int) -> str:
    svc.complaint_verify(
        actor=request.user, complaint=_complaint(complaint_id), finding=_text(request, "finding")
    )
    return _("The complaint was verified.")


@_action
def complaint_refer(request: HttpRequest, complaint_id: int) -> str:
    svc.complaint_refer(
        actor=request.user,
        complaint=_complaint(complaint_id),
        department_code=_text(request, "department", 32),
        note=_text(request, "note"),
    )
    return _("The dispute was referred to the competent department.")


# ----------------------------------------------------------------------------- dispatch desk


@login_required
def dispatch(request: HttpRequest, number: str) -> HttpResponse:
    """The agent's market dispatch: the rule's ranking for a service, then the offer."""
    user: Any = request.user
    if not (user.is_centre_staff and user.can("ticket.dispatch")):
        return _forbidden(request)
    ticket = ticket_get_for_user(user, number[:20])
    service = (request.POST.get("service") or request.GET.get("service") or "")[:32]
    if not service and request.method == "GET":
        service = svc.market_service_of(ticket)  # the class the citizen asked for
    if request.method == "POST":
        try:
            made = svc.market_dispatch(
                actor=user,
                ticket=ticket,
                service=service,
                franchisee_code=_text(request, "franchisee", 32),
                override_reason=_text(request, "override_reason", 500),
                citizen_choice=request.POST.get("citizen_choice") == "on",
            )
            messages.success(
                request,
                _("Offered to %(name)s.") % {"name": made.franchisee.unit.name},  # type: ignore[union-attr]
            )
            return HttpResponseRedirect(reverse("franchise:dispatch", args=[ticket.number]))
        except DomainError as exc:
            messages.error(request, exc.message)
    ranking = []
    if service in Service.values:
        ranking = [
            (f, c.reason(i))
            for i, (f, c) in enumerate(
                svc.franchisee_ranking(service=service, area=ticket.area), start=1
            )
        ]
    guide = PriceGuide.objects.filter(service=service).first()
    order = MarketOrder.objects.filter(ticket=ticket).select_related("franchisee__unit").first()
    return render(
        request,
        "franchise/dispatch.html",
        {
            "ticket": ticket,
            "service": service,
            "services": Service.choices,
            "ranking": ranking,
            "guide": guide,
            "order": order,
            "considered": [(c, order.reasons.get(c, "")) for c in order.considered]
            if order
            else [],
        },
    )


# ----------------------------------------------------------------------------- franchisee


@login_required
@require_GET
def orders_page(request: HttpRequest) -> HttpResponse:
    """A franchisee's staff: offers waiting for acceptance and accepted orders to report."""
    user: Any = request.user
    franchisee = getattr(user.unit, "franchisee", None) if user.unit else None
    if franchisee is None:
        return _forbidden(request)
    offers = Offer.objects.filter(
        franchisee=franchisee, outcome=Offer.Outcome.PENDING
    ).select_related("order__ticket", "order__ticket__area")
    accepted = MarketOrder.objects.filter(
        franchisee=franchisee, state=MarketOrder.State.ACCEPTED
    ).select_related("ticket")
    return render(
        request,
        "franchise/orders.html",
        {
            "f": franchisee,
            "offers": offers,
            "accepted": accepted,
            "reported": MarketOrder.objects.filter(
                franchisee=franchisee, state=MarketOrder.State.REPORTED
            ).select_related("ticket")[:30],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def accept(request: HttpRequest, number: str) -> HttpResponse:
    try:
        svc.market_accept(actor=request.user, ticket_number=number[:20])
        messages.success(request, _("Order accepted: contact the resident and agree the price."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("franchise:orders"))


@login_required
@require_POST
def report(request: HttpRequest, number: str) -> HttpResponse:
    try:
        try:
            price = Decimal(request.POST.get("price", ""))
        except InvalidOperation:
            raise InvalidInput(_("Enter the agreed price as a number.")) from None
        times = {}
        for name in ("agreed_at", "served_at"):
            value = parse_datetime(request.POST.get(name, ""))
            if value is None:
                raise InvalidInput(_("Enter the agreed and the service time."))
            times[name] = timezone.make_aware(value) if timezone.is_naive(value) else value
        svc.market_report(
            actor=request.user,
            ticket_number=number[:20],
            price=price,
            agreed_at=times["agreed_at"],
            served_at=times["served_at"],
            note=_text(request, "note"),
        )
        messages.success(request, _("The service was reported."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("franchise:orders"))


# ----------------------------------------------------------------------------- public


class ApplicationForm(EdgeFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the company or organisation"), max_length=100
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ApplicantKind.choices)
    licence_number = forms.CharField(label=gettext_lazy("Business licence number"), max_length=64)
    licence_file = forms.FileField(label=gettext_lazy("Business licence (PDF or image)"))
    qualification_file = forms.FileField(
        label=gettext_lazy("Qualifications (optional)"), required=False
    )
    services = forms.MultipleChoiceField(
        label=gettext_lazy("Service classes"),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Service areas (none: the whole district)"),
        queryset=Area.objects.filter(kind__in=["district", "subdistrict", "town"]),
        required=False,
        to_field_name="code",
    )
    hours = forms.CharField(label=gettext_lazy("Service hours"), max_length=100)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=64)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=32)


@throttle_view("market-public", methods=("POST",))
def apply(request: HttpRequest) -> HttpResponse:
    """FRANCHISE-1: apply online with licence and qualifications (no login)."""
    form = ApplicationForm(request.POST or None, request.FILES or None)
    done = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = svc.application_submit(
                name=data["name"],
                kind=data["kind"],
                licence_number=data["licence_number"],
                licence_file=data["licence_file"],
                qualification_file=data["qualification_file"],
                services=list(data["services"]),
                area_codes=[a.code for a in data["areas"]],
                hours=data["hours"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "franchise/apply.html", {"form": form, "done": done})


@require_GET
def ratings(request: HttpRequest) -> HttpResponse:
    """PUBLISH-2: franchisees, their service classes and quality evaluations; price guidance."""
    return render(
        request,
        "franchise/ratings.html",
        {
            "franchisees": sel.franchisees_published(),
            "decisions": sel.decisions_published(),
            "guides": PriceGuide.objects.all(),
        },
    )


@throttle_view("market-public", methods=("POST",))
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """CALLBACK-4: the resident fills in the feedback sheet (by its link), or a callback agent
    fills it in as the resident reads it out (signed in)."""
    sheet = (
        FeedbackSheet.objects.select_related("order__ticket", "order__franchisee__unit")
        .filter(token=token[:48])
        .first()
    )
    if sheet is None:
        raise Http404
    user: Any = request.user
    agent = user if user.is_authenticated and user.is_centre_staff else None
    error = ""
    if request.method == "POST" and sheet.filled_at is None:
        try:
            marks = [_mark(request, n) for n in ("quality", "attitude", "punctuality")]
            svc.feedback_fill(
                sheet=sheet,
                quality=marks[0],
                attitude=marks[1],
                punctuality=marks[2],
                price_fair=request.POST.get("price_fair") == "yes",
                comment=_text(request, "comment", 2000),
                actor=agent,
            )
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "franchise/feedback.html",
        {"sheet": sheet, "error": error, "marks": range(5, 0, -1), "agent": agent},
    )


def _mark(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise InvalidInput(_("Give every mark from 1 to 5.")) from None


# ----------------------------------------------------------------------------- volunteers


@login_required
def volunteers(request: HttpRequest) -> HttpResponse:
    """FRANCHISE-7: the volunteer database, matching and hours served."""
    user: Any = request.user
    if not user.is_centre_staff:
        return _forbidden(request)
    skill = (request.GET.get("skill") or "")[:16]
    area = Area.objects.filter(code=(request.GET.get("area") or "")[:32]).first()
    matches = svc.volunteer_match(skill=skill, area=area) if skill else []
    return render(
        request,
        "franchise/volunteers.html",
        {
            "volunteers": Volunteer.objects.select_related("area"),
            "skills": Volunteer.Skill.choices,
            "groups": VolunteerService.Group.choices,
            "skill": skill,
            "area": area,
            "matches": matches,
            "open_services": VolunteerService.objects.filter(hours__isnull=True).select_related(
                "volunteer"
            ),
            "report": sel.volunteer_hours_report(),
        },
    )


def _volunteer_back(view: Callable[..., str]) -> Callable[..., HttpResponse]:
    @login_required
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            messages.success(request, view(request, *args, **kwargs))
        except DomainError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("franchise:volunteers"))

    wrapped.__name__ = view.__name__
    return wrapped


@_volunteer_back
def volunteer_assign(request: HttpRequest, volunteer_id: int) -> str:
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if volunteer is None:
        raise InvalidInput(_("No such volunteer."))
    svc.volunteer_assign(
        actor=request.user,
        volunteer=volunteer,
        group=request.POST.get("group", ""),
        skill=request.POST.get("skill", ""),
        note=_text(request, "note", 200),
    )
    return _("The volunteer was matched.")


@_volunteer_back
def volunteer_hours(request: HttpRequest, service_id: int) -> str:
    service = VolunteerService.objects.filter(pk=service_id).first()
    if service is None:
        raise InvalidInput(_("No such service."))
    try:
        hours = Decimal(request.POST.get("hours", ""))
    except InvalidOperation:
        raise InvalidInput(_("Enter the hours as a number.")) from None
    svc.volunteer_hours_record(
        actor=request.user, service=service, hours=hours, served_on=timezone.localdate()
    )
    return _("The hours were recorded.")
