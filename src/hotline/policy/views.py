from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hotline.policy.calendar import missing_next_year
from hotline.policy.models import CalendarOverride, PublishedYear
from hotline.policy.profiles import load_profile
from hotline.policy.services import calendar_current


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The active policy profile, read-only: every rule with the article it comes from."""
    active = load_profile(settings.HOTLINE_PROFILE)
    today = timezone.localdate()
    return render(
        request,
        "policy/profile.html",
        {
            "profile": active,
            "clocks": list(active.clocks.items()),
            "categories": list(active.categories.items()),
            "missing_year": missing_next_year(today, calendar_current()),
            "overrides": CalendarOverride.objects.filter(date__year__gte=today.year)[:400],
            "published_years": PublishedYear.objects.all(),
        },
    )
