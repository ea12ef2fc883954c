"""Throttling of anonymous endpoints per client address (issue 11).

One mechanism for pages and API: django-ninja's cache-based ``SimpleRateThrottle`` on Django's
database cache (``settings.CACHES``), so every web process and machine counts together. The
client address is ``REMOTE_ADDR``, or behind nginx (``HOTLINE_BEHIND_PROXY``) the last hop of
``X-Forwarded-For`` (ninja's ``NINJA_NUM_PROXIES``).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address: ``REMOTE_ADDR``, or behind nginx the address nginx
    put last into ``X-Forwarded-For``; None when it is not an IP address."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


class AddressThrottle(SimpleRateThrottle):
    """Allow ``settings.HOTLINE_THROTTLE_RATES[scope]`` requests per client address."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(settings.HOTLINE_THROTTLE_RATES[scope])

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def retry_after(self) -> int:
        """Return the whole seconds until the oldest counted request falls out of the window."""
        if not self.history:
            return 1
        elapsed = float(self.now) - float(self.history[-1])
        return max(1, math.ceil((self.duration or 0) - elapsed))

    def wait(self) -> float | None:
        # ninja puts this into its Throttled error; the API answers it as Retry-After.
        return float(self.retry_after())


def throttled_message(seconds: int) -> str:
    """Return the message of a 429 answer (Chinese in the Chinese interface)."""
    return _("Too many requests from your address. Please try again in %(seconds)d seconds.") % {
        "seconds": seconds
    }


def throttle_view(
    scope: str, *, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a page: over the rate, answer 429 with the ``429.html`` page and Retry-After."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                throttle = AddressThrottle(scope)
                if not throttle.allow_request(request):
                    seconds = throttle.retry_after()
                    response = render(
                        request,
                        "429.html",
                        {"message": throttled_message(seconds), "seconds": seconds},
                        status=429,
                    )
                    response["Retry-After"] = str(seconds)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
