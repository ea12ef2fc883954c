from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.citizens.access import citizen_get_for_user, citizen_search_for_user
from hotline.core.errors import NotFound
from hotline.quality.selectors import phones_flagged


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Find a caller by phone number (centre staff only; each record shown is audited)."""
    if not request.user.can("citizen.view"):  # type: ignore[union-attr]
        raise Http404
    phone = request.GET.get("phone", "").strip()
    found = citizen_search_for_user(request.user, phone=phone, request=request) if phone else []  # type: ignore[arg-type]
    flagged = phones_flagged([c.phone for c in found])
    rows = [(c, c.phone in flagged) for c in found]
    return render(request, "citizens/lookup.html", {"phone": phone, "rows": rows})


@login_required
def detail(request: HttpRequest, citizen_id: int) -> HttpResponse:
    """One citizen record; the read is written to the audit log (PRIVACY-3)."""
    try:
        citizen = citizen_get_for_user(request.user, citizen_id, request=request)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    return render(request, "citizens/detail.html", {"citizen": citizen})
