from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.forms import LoginForm
from hotline.accounts.roles import ROLE_LABELS, Role
from hotline.core.heartbeat import heartbeat_is_fresh, heartbeat_latest
from hotline.policy.calendar import missing_next_year
from hotline.policy.profiles import load_profile
from hotline.policy.services import calendar_current


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their role's home page (the first role in HOME_PRIORITY they hold)."""
    role = request.user.home_role  # type: ignore[union-attr]
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(reverse("accounts:role_home", kwargs={"role": role.value}))


@login_required
def role_home(request: HttpRequest, role: str) -> HttpResponse:
    """Return the home page of one of the user's roles: what that role has to do now."""
    try:
        current = Role(role)
    except ValueError:
        raise Http404 from None
    user: Any = request.user
    if not user.is_superuser and current not in user.roles:
        raise Http404
    context: dict[str, Any] = {
        "role": current,
        "role_label": ROLE_LABELS[current],
        "other_roles": [(r, ROLE_LABELS[r]) for r in user.roles if r != current],
        "unit": user.unit,
        # People read the profile's title; its code is for administrators (issue 19).
        "profile_title": load_profile(settings.HOTLINE_PROFILE).profile.title,
    }
    if user.can("status.view"):
        beat = heartbeat_latest()
        context["show_heartbeat"] = True
        context["heartbeat"] = beat
        context["worker_running"] = heartbeat_is_fresh(beat)
    if user.can("policy.manage"):
        context["missing_year"] = missing_next_year(timezone.localdate(), calendar_current())
    return render(request, f"accounts/home_{current.value}.html", context)
