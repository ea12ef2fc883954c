"""Security headers of every response (等保 2.0 level 3 application controls, issue 11).

Django 5.2 has no Content-Security-Policy of its own (it arrives in Django 6.0), and our policy
is one fixed string, so a small middleware sets it rather than a dependency.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def carries_personal_data(request: HttpRequest) -> bool:
    """Return True when the response may hold personal data and must never be cached.

    Every page a signed-in user sees, every API answer, and every answer to a form someone
    sent (a citizen's proposal carries their contact details).
    """
    user = getattr(request, "user", None)
    return (
        bool(user is not None and user.is_authenticated)
        or request.path.startswith("/api/")
        or request.method not in ("GET", "HEAD")
    )


class SecurityHeadersMiddleware:
    """Set ``Content-Security-Policy`` on every response and ``Cache-Control: no-store`` on
    every response that may carry personal data (browser caches, proxies, the back button on
    a shared centre PC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.HOTLINE_CSP
        if carries_personal_data(request):
            add_never_cache_headers(response)
        return response
