"""The HTTP API: one NinjaAPI under /api/, versioned routers under /api/v1/.

Authentication is ``Authorization: Bearer <token>`` (tokens from ``hotline token create``) or
the browser session. Every error is JSON ``{"code", "message"}`` with the right HTTP status
(``hotline.core.edge`` answers the errors that arise before or outside the API's views), and the
OpenAPI document lists the errors each operation may answer (``ErrorOut``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
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
from hotline.core.edge import EdgeParser, body_too_large
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


class ErrorOut(Schema):
    """Every refusal: a stable machine ``code`` and a ``message`` a clerk can read (Chinese).

    ``extra`` carries details where there are any, e.g. ``errors``: one ``{"field",
    "message"}`` per invalid field."""

    code: str
    message: str
    extra: dict[str, Any] | None = None


#: The refusals documented for every operation, with what each means.
ERROR_ANSWERS: dict[int, str] = {
    400: "Invalid input (code `invalid_input`, `malformed_json`, `request_too_large`, ...)",
    401: "No or bad token, or a bad signature (code `unauthorized`)",
    403: "Not allowed for your role or unit (code `forbidden`, `role_not_allowed`, ...)",
    404: "Missing or out of your reach (code `not_found`)",
    409: "Not allowed in the ticket's state, or changed by someone else (code "
    "`transition_not_allowed`, `conflict`, ...)",
}


#: Operations authenticated by a signature of the body instead of a token (issue 15).
SIGNED_PATHS = ("/api/v1/intake/", "/api/v1/transfers/in", "/api/v1/transfers/reply")


def _error_answers(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """Return the error statuses ``operation`` may answer, for its OpenAPI document."""
    statuses = [400]
    if operation.get("security"):
        statuses += [401, 403]
    elif path.startswith(SIGNED_PATHS):  # no token, but an HMAC signature (channels)
        statuses.append(401)
    if "{" in path or method == "post":
        statuses.append(404)
    if method == "post" and path.startswith(
        ("/api/v1/tickets/", "/api/v1/supervision/", "/api/v1/evaluation/")
    ):
        statuses.append(409)
    return statuses


class HotlineAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document also lists each operation's error answers."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = ErrorOut.model_json_schema()
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in _error_answers(method, path, operation):
                    responses.setdefault(
                        status,
                        {
                            "description": ERROR_ANSWERS[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


api = HotlineAPI(
    title="hotline API",
    version="1",
    description=(
        "The API of the hotline platform. Authenticate with `Authorization: Bearer <token>`; "
        "create a token with `hotline token create <username>`. Errors are "
        '`{"code": "...", "message": "..."}`.'
    ),
    auth=[BearerToken(), StaffSession()],
    renderer=LocalTimeRenderer(),
    parser=EdgeParser(),
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


def _field_message(error: dict[str, Any]) -> str:
    """Return a clerk's reading of one pydantic error (its type and context)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages: dict[str, str] = {
        "missing": _("required"),
        "string_type": _("must be text"),
        "int_type": _("must be a whole number"),
        "int_parsing": _("must be a whole number"),
        "bool_type": _("must be true or false"),
        "bool_parsing": _("must be true or false"),
        "list_type": _("must be a list"),
        "dict_type": _("must be a JSON object"),
        "model_type": _("must be a JSON object"),
        "model_attributes_type": _("must be a JSON object"),
        "object_expected": _("must be a JSON object"),
        "datetime_type": _("must be a date and time such as 2025-01-31T17:00:00+08:00"),
        "datetime_parsing": _("must be a date and time such as 2025-01-31T17:00:00+08:00"),
        "datetime_from_date_parsing": _(
            "must be a date and time such as 2025-01-31T17:00:00+08:00"
        ),
        "date_parsing": _("must be a date such as 2025-01-31"),
        "date_from_datetime_parsing": _("must be a date such as 2025-01-31"),
    }
    if kind == "string_too_long":
        return _("at most %(limit)d characters") % {"limit": ctx.get("max_length", 0)}
    if kind == "too_long":
        return _("at most %(limit)d items") % {"limit": ctx.get("max_length", 0)}
    if kind == "literal_error":
        return _("must be one of %(expected)s") % {"expected": ctx.get("expected", "")}
    return messages.get(kind, _("not valid"))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        # ninja prefixes the location with the parameter's source and name
        # (``body``/``payload``, ``query``/``filters``); the caller knows only the field.
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "form", "file"}:
            loc = loc[1:]
            if loc and loc[0] in {"payload", "filters"}:
                loc = loc[1:]
        field = ".".join(loc) or "-"
        errors.append({"field": field, "message": _field_message(error)})
    fields = "；".join(f"{e['field']}（{e['message']}）" for e in errors) or "-"
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
    if isinstance(exc.__cause__, DomainError):  # refused by the EdgeParser
        return _domain_error(request, exc.__cause__)
    if exc.status_code == 400:
        return _error(request, 400, "malformed_json", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _domain_error(request, body_too_large())


def _register_routers() -> None:
    from hotline.accounts.api import router as accounts_router
    from hotline.callbacks.api import router as callbacks_router
    from hotline.channels.api import ringing_router
    from hotline.channels.api import router as channels_router
    from hotline.citizens.api import router as citizens_router
    from hotline.core.api import router as core_router
    from hotline.directory.api import router as directory_router
    from hotline.evaluation.api import router as evaluation_router
    from hotline.franchise.api import router as franchise_router
    from hotline.knowledge.api import public_router as kb_public_router
    from hotline.knowledge.api import router as kb_router
    from hotline.notifications.api import router as notifications_router
    from hotline.policy.api import router as policy_router
    from hotline.quality.api import router as quality_router
    from hotline.stats.api import calls_router
    from hotline.stats.api import router as stats_router
    from hotline.suggest.api import router as suggest_router
    from hotline.supervision.api import router as supervision_router
    from hotline.tickets.api import router as tickets_router

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", directory_router)
    api.add_router("/v1/", quality_router)  # /citizens/flags before /citizens/{id}
    api.add_router("/v1/", citizens_router)
    api.add_router("/v1/", core_router)
    api.add_router("/v1/", policy_router)
    api.add_router("/v1/", tickets_router)
    api.add_router("/v1/", notifications_router)
    api.add_router("/v1/", supervision_router)
    api.add_router("/v1/", callbacks_router)
    api.add_router("/v1/", stats_router)
    api.add_router("/v1/calls", calls_router)
    api.add_router("/v1/", evaluation_router)
    api.add_router("/v1/", channels_router)
    api.add_router("/v1/calls/ringing", ringing_router)
    api.add_router("/v1/", franchise_router)
    api.add_router("/v1/", kb_router)
    api.add_router("/v1/", kb_public_router)
    api.add_router("/v1/", suggest_router)


_register_routers()
