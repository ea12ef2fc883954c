"""The quality-inspection page (质检, CALLBACK-3): open inspections with the ticket's timeline
and the decide form; decided ones below. The callback queue itself is the workbench's
``/callbacks/`` page. Every change goes through a service; a refusal comes back as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.callbacks import selectors as sel
from hotline.callbacks import services as svc
from hotline.callbacks.models import InspectionState, Responsibility
from hotline.core.errors import DomainError, InvalidInput

#: The most rows each list of the page shows.
ROWS = 100


@login_required
@require_GET
def inspections(request: HttpRequest) -> HttpResponse:
    """Inspectors decide; supervisors read."""
    user: Any = request.user
    if not sel.may_read_inspections(user):
        return render(
            request,
            "workbench/forbidden.html",
            {"message": _("You may not open this page.")},
            status=403,
        )
    found = sel.inspection_list(user)
    open_ = list(found.filter(state=InspectionState.OPEN).order_by("opened_at", "id")[:ROWS])
    events = sel.timelines([i.ticket_id for i in open_])
    return render(
        request,
        "callbacks/inspections.html",
        {
            "open": [(i, events.get(i.ticket_id, [])) for i in open_],
            "decided": list(found.filter(state=InspectionState.DECIDED)[:20]),
            "responsibilities": Responsibility.choices,
            "can_decide": user.is_superuser or user.can("ticket.inspect"),
        },
    )


@login_required
@require_POST
def inspection_decide(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """Decide one inspection: responsibility, finding, redo or close."""
    try:
        inspection = sel.inspection_get_for_user(request.user, inspection_id)
        choice = request.POST.get("outcome", "")
        if choice not in ("redo", "close"):
            raise InvalidInput(_("Choose: a redo order or close with the finding."))
        finding = request.POST.get("finding", "")
        if len(finding) > 10_000:
            raise InvalidInput(_("The text is too long."))
        svc.inspection_decide(
            actor=request.user,
            inspection=inspection,
            responsibility=request.POST.get("responsibility", "")[:16],
            finding=finding,
            redo=choice == "redo",
        )
        messages.success(
            request,
            _("Inspection of ticket %(number)s decided.") % {"number": inspection.ticket.number},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("callbacks:inspections"))
