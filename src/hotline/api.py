"""The HTTP API: one NinjaAPI under /api/, versioned routers under /api/v1/.

Authentication is ``Authorization: Bearer <token>`` (tokens from ``hotline token create``) or
the browser session. Every error is JSON ``{"code", "message"}`` with the right HTTP status.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import (
    AuthenticationError,
    AuthorizationError,
    HttpError,
    Throttled,
    ValidationError,
)
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, SessionAuth

from hotline.accounts.lockout import AccountLocked, account_is_locked
from hotline.accounts.models import ApiToken
from hotline.core.errors import DomainError


class BearerToken(HttpBearer):
    """``Authorization: Bearer hl_…``: an API token created with ``hotline token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        if account_is_locked(request, found.user):
            raise AccountLocked()
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class StaffSession(SessionAuth):
    """The browser session of a logged-in staff user (CSRF-checked for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times in the centre's zone (``+08:00``), as clerks and the regulations read them."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder


api = NinjaAPI(
    title="hotline API",
    version="1",
    description=(
        "The API of the hotline platform. Authenticate with `Authorization: Bearer <token>`; "
        "create a token with `hotline token create <username>`. Errors are "
        '`{"code": "...", "message": "..."}`.'
    ),
    auth=[BearerToken(), StaffSession()],
    renderer=LocalTimeRenderer(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if extra:
        body["extra"] = extra
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = _error(
        request, 401, "unauthorized", _("Sign in or send a valid API token (Bearer).")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", _("You do not have permission to do this."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        404,
        "not_found",
        _("The requested object does not exist or is not visible to you."),
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    fields = "、".join(e["field"] for e in errors if e["field"]) or "-"
    return _error(
        request,
        400,
        "invalid_input",
        _("The input is not valid: %(fields)s") % {"fields": fields},
        errors=errors,
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    from hotline.core.throttle import throttled_message

    seconds = max(1, int(exc.wait or 1))
    response = _error(request, 429, "throttled", throttled_message(seconds))
    response["Retry-After"] = str(seconds)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


def _register_routers() -> None:
    from hotline.accounts.api import router as accounts_router
    from hotline.citizens.api import router as citizens_router
    from hotline.core.api import router as core_router
    from hotline.directory.api import router as directory_router
    from hotline.knowledge.api import public_router as kb_public_router
    from hotline.knowledge.api import router as kb_router
    from hotline.notifications.api import router as notifications_router
    from hotline.policy.api import router as policy_router
    from hotline.tickets.api import router as tickets_router

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", directory_router)
    api.add_router("/v1/", citizens_router)
    api.add_router("/v1/", core_router)
    api.add_router("/v1/", policy_router)
    api.add_router("/v1/", tickets_router)
    api.add_router("/v1/", notifications_router)
    api.add_router("/v1/", kb_router)
    api.add_router("/v1/", kb_public_router)


_register_routers()
