from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hotline.policy import labels
from hotline.policy.calendar import missing_next_year
from hotline.policy.models import CalendarOverride, PublishedYear
from hotline.policy.profiles import load_profile
from hotline.policy.services import calendar_current


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The active policy profile, read-only: every rule with the article it comes from."""
    active = load_profile(settings.HOTLINE_PROFILE)
    today = timezone.localdate()
    # A deadline group reads as the categories in it ("投诉、举报、建议、批评"), never its code.
    groups: dict[str, list[str]] = {}
    for category in active.categories.values():
        groups.setdefault(category.group, []).append(category.label)
    clocks = [
        {
            "name": name,
            "starts": labels.start_label(clock.starts),
            "actor_label": clock.actor_label,
            "rules": [
                {
                    "groups": "、".join(
                        "、".join(groups.get(g, [g])) for g in (rule.when.groups or ())
                    ),
                    "complex": rule.when.complex,
                    "urgent": rule.when.urgent,
                    "limit": labels.limit_text(rule.unit, rule.length),
                    "before": rule.before,
                    "basis": rule.basis,
                    "note": rule.note,
                }
                for rule in clock.rules
            ],
        }
        for name, clock in active.clocks.items()
    ]
    return render(
        request,
        "policy/profile.html",
        {
            "profile": active,
            "clocks": clocks,
            "callback_mode": labels.callback_mode_label(active.callback.mode),
            "categories": list(active.categories.items()),
            "missing_year": missing_next_year(today, calendar_current()),
            "overrides": CalendarOverride.objects.filter(date__year__gte=today.year)[:400],
            "published_years": PublishedYear.objects.all(),
        },
    )
