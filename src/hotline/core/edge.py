"""The edge: every piece of text a request brings is checked here, once, before it reaches a
service or the database (issue 11, "Bad input gets a 4xx").

- ``EdgeMiddleware`` checks the path and the query string of every request, pages and API
  alike: a NUL character, a lone UTF-16 surrogate or an over-long value is a 400 (a page, or
  ``{"code", "message"}`` under ``/api/``). It also makes every error answered under ``/api/``
  JSON, whatever produced it (Django's 404/405/400/403/500 pages included).
- ``EdgeParser`` is the API's body parser: the size limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``),
  malformed JSON and NUL or lone surrogates anywhere in a JSON body (keys too) are refused.
- ``InSchema``, ``model_field`` and ``text_field`` give the API's input schemas their limits:
  JSON objects only, and each string no longer than the model's ``max_length`` (free text:
  ``TEXT_MAX_CHARS``). The limits appear in the OpenAPI document as ``maxLength``.
- ``EdgeFormMixin`` gives the pages' forms the same limits and checks.
- ``upload_name`` turns an uploaded file's name into one the file system can store.

PostgreSQL refuses NUL in text and both databases refuse lone surrogates (they cannot be encoded
as UTF-8); SQLite stores over-long values silently. So these checks are what keeps bad input a
400 rather than a 500 or a silently stored value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import Annotated, Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.parser import Parser
from pydantic import model_validator
from pydantic_core import PydanticCustomError, PydanticUndefined

from hotline.core.errors import InvalidInput

#: The longest free text (a citizen's request, a note, a reply) a request may carry, in
#: characters. Fields backed by a ``CharField`` take the model's ``max_length`` instead.
TEXT_MAX_CHARS = 10_000
#: The longest value (or name) of one query-string parameter, in characters (a search may
#: paste a whole paragraph; the searches cut it down themselves).
QUERY_MAX_CHARS = 10_000
#: The longest stored file name, in UTF-8 bytes: the file system allows 255 per name, and
#: Django may add ``_<7 characters>`` to keep names unique.
UPLOAD_NAME_MAX_BYTES = 150

API_PREFIX = "/api/"

#: The largest id a row can have (``BigAutoField``); a larger number in a request would
#: overflow the database's integer (a 500) instead of simply not being found.
ID_MAX = 2**63 - 1
#: The largest value of an ``IntegerField`` (PostgreSQL ``integer``), e.g. a version number.
INT_MAX = 2**31 - 1

#: A row's id in a path or query: 1 … ``ID_MAX``.
RowId = Annotated[int, Field(ge=1, le=ID_MAX)]
#: A small whole number in a path or query (a version, a page): 1 … ``INT_MAX``.
Count = Annotated[int, Field(ge=1, le=INT_MAX)]


# ----------------------------------------------------------------------------- text


def text_problem(value: str) -> str | None:
    """Return what is wrong with ``value`` (``"nul"``, ``"surrogate"``) or ``None``."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def problem_message(problem: str, where: str) -> str:
    """Return the clerk's message for a ``text_problem`` found in ``where``."""
    if problem == "nul":
        return _("%(where)s contains a NUL character (\\0); remove it and try again.") % {
            "where": where
        }
    return _(
        "%(where)s contains an invalid character (a lone UTF-16 surrogate); "
        "check the text and try again."
    ) % {"where": where}


def too_long_message(where: str, limit: int, length: int) -> str:
    return _("%(where)s is too long: at most %(limit)d characters (%(length)d given).") % {
        "where": where,
        "limit": limit,
        "length": length,
    }


def _refusal(field: str, message: str, code: str = "invalid_input") -> InvalidInput:
    return InvalidInput(
        message, code=code, extra={"errors": [{"field": field, "message": message}]}
    )


def _strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(path, text)`` for every string in a parsed JSON document, keys included."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            yield where, node
        elif isinstance(node, dict):
            for key, value in node.items():
                child = f"{where}.{key}" if where else str(key)
                yield child, key
                stack.append((child, value))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", value) for i, value in enumerate(node))


def json_check(data: Any) -> None:
    """Raise ``InvalidInput`` naming the first string of ``data`` with NUL or a surrogate."""
    for where, text in _strings(data):
        if problem := text_problem(text):
            label = where.encode("utf-8", "backslashreplace").decode() or "-"
            raise _refusal(label, problem_message(problem, _("Field %(name)s") % {"name": label}))


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def body_too_large() -> InvalidInput:
    """Return the refusal of a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (RequestDataTooBig)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    message = _("The request is too large: at most %(limit)s of data (attachments excepted).") % {
        "limit": _size(limit)
    }
    return InvalidInput(message, code="request_too_large", extra={"limit_bytes": limit})


# ----------------------------------------------------------------------------- the API


class EdgeParser(Parser):
    """The API's parser: JSON bodies within the size limit, well formed, without NUL or lone
    surrogates; form fields of multipart bodies without them either."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            raw = request.body
        except RequestDataTooBig:
            raise body_too_large() from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidInput(
                _("The request body is not valid JSON: it is not UTF-8 text."),
                code="malformed_json",
            ) from None
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                _("The request body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": exc.lineno, "column": exc.colno},
                code="malformed_json",
            ) from None
        except RecursionError:
            raise InvalidInput(
                _("The request body is not valid JSON: it is nested too deeply."),
                code="malformed_json",
            ) from None
        json_check(data)
        return cast(dict[str, Any], data)

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            for value in [key, *values]:
                if isinstance(value, str) and (problem := text_problem(value)):
                    raise _refusal(
                        key, problem_message(problem, _("Field %(name)s") % {"name": key})
                    )
        return super().parse_querydict(data, list_fields, request)


class InSchema(Schema):
    """An API input: a JSON object (not a list, a string or a number), fields as declared."""

    @model_validator(mode="wrap")
    @classmethod
    def _an_object(cls, value: Any, handler: Callable[[Any], Any]) -> Any:
        if not isinstance(value, dict | Schema):
            raise PydanticCustomError("object_expected", "a JSON object is expected")
        return handler(value)


def text_field(default: Any = PydanticUndefined, *, max_length: int = TEXT_MAX_CHARS) -> Any:
    """Return a string field of an input schema, at most ``max_length`` characters."""
    return Field(default, max_length=max_length)


def model_field(model: type[models.Model], name: str, default: Any = PydanticUndefined) -> Any:
    """Return a string field as long as ``model.name`` may be (``TEXT_MAX_CHARS`` for text)."""
    field = model._meta.get_field(name)
    return text_field(default, max_length=getattr(field, "max_length", None) or TEXT_MAX_CHARS)


# ----------------------------------------------------------------------------- forms


class EdgeFormMixin:
    """Give every text field of a form a length limit (``TEXT_MAX_CHARS`` where none is set)
    and refuse lone surrogates; Django's ``CharField`` already refuses NUL characters."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                if field.max_length is None:
                    field.max_length = TEXT_MAX_CHARS
                    field.validators.append(MaxLengthValidator(TEXT_MAX_CHARS))
                    field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_CHARS))
                field.validators.append(_no_surrogates)


def _no_surrogates(value: Any) -> None:
    if isinstance(value, str) and text_problem(value) == "surrogate":
        raise forms.ValidationError(problem_message("surrogate", _("This field")))


# ----------------------------------------------------------------------------- uploads


def file_name_clean(name: str) -> str:
    """Return the base name of an uploaded file without directories, control characters or
    lone surrogates; raise ``InvalidInput`` when nothing usable is left."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch >= " " and ch != "\x7f")
    base = base.encode("utf-8", "ignore").decode("utf-8").strip(" .")
    if not base:
        raise InvalidInput(_("The file has no usable name; rename it and upload it again."))
    return base


def file_name_shorten(
    name: str, *, max_bytes: int | None = None, max_chars: int | None = None
) -> str:
    """Return ``name`` cut to ``max_bytes`` UTF-8 bytes and ``max_chars`` characters, the
    extension kept (an extension longer than 16 bytes counts as part of the name)."""
    suffix = PurePath(name).suffix
    if len(suffix.encode("utf-8")) > 16:
        suffix = ""
    stem = name[: len(name) - len(suffix)]
    if max_chars is not None:
        stem = stem[: max(1, max_chars - len(suffix))]
    if max_bytes is not None:
        room = max(1, max_bytes - len(suffix.encode("utf-8")))
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return (stem.rstrip(" .") or "file") + suffix


def upload_name(name: str) -> str:
    """Return the name to store an uploaded file under: clean, and at most
    ``UPLOAD_NAME_MAX_BYTES`` bytes with its extension (the file system allows 255 bytes)."""
    return file_name_shorten(file_name_clean(name), max_bytes=UPLOAD_NAME_MAX_BYTES)


# ----------------------------------------------------------------------------- middleware


def _api_error_text(status: int) -> tuple[str, str]:
    codes = {
        400: ("bad_request", _("The request is not valid.")),
        401: ("unauthorized", _("Sign in or send a valid API token (Bearer).")),
        403: ("forbidden", _("You do not have permission to do this.")),
        404: ("not_found", _("No such API path. See /api/docs for the paths.")),
        405: ("method_not_allowed", _("This API path does not accept this method.")),
        413: ("request_too_large", _("The request is too large.")),
        429: ("too_many_requests", _("Too many requests; wait a moment and try again.")),
    }
    if status in codes:
        return codes[status]
    if status >= 500:
        return "server_error", _(
            "An internal error occurred and has been logged. Try again later, or tell the "
            "system administrator."
        )
    return "http_error", _("The request could not be carried out.")


def api_error(status: int, code: str | None = None, message: str | None = None) -> JsonResponse:
    """Return ``{"code", "message"}`` for an error on an ``/api/`` path."""
    default_code, default_message = _api_error_text(status)
    return JsonResponse(
        {"code": code or default_code, "message": message or default_message},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class EdgeMiddleware:
    """Refuse NUL, lone surrogates and over-long values in the path and the query string with
    a 400, and answer every error under ``/api/`` as ``{"code", "message"}``.

    Sits after ``LocaleMiddleware`` (messages in the user's language) and before everything that
    reads the query string or may fail (CSRF, authentication, the views).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.check(request)
        if refusal is not None:
            return self.refuse(request, refusal)
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400 and not _is_json(response):
            converted = api_error(response.status_code)
            if response.status_code == 405 and response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
                converted.content = json.dumps(
                    {
                        "code": "method_not_allowed",
                        "message": _(
                            "This API path does not accept %(method)s; it accepts %(allowed)s."
                        )
                        % {"method": request.method, "allowed": response["Allow"]},
                    },
                    ensure_ascii=False,
                ).encode()
            for header in ("WWW-Authenticate", "Retry-After"):
                if response.has_header(header):
                    converted[header] = response[header]
            return converted
        return response

    def check(self, request: HttpRequest) -> InvalidInput | None:
        """Return the refusal of ``request``'s path, query string or token, or ``None``."""
        if problem := text_problem(request.path_info):
            return _refusal("path", problem_message(problem, _("The address (URL)")))
        try:
            query = request.GET
        except (TooManyFieldsSent, RequestDataTooBig):
            return _refusal("query", _("The address (URL) has too many query parameters."))
        for key, values in query.lists():
            for value in [key, *values]:
                where = _("Query parameter %(name)s") % {"name": key.replace("\x00", "\\0")}
                if problem := text_problem(value):
                    return _refusal(key, problem_message(problem, where))
                if len(value) > QUERY_MAX_CHARS:
                    return _refusal(key, too_long_message(where, QUERY_MAX_CHARS, len(value)))
        if "\x00" in request.META.get("HTTP_AUTHORIZATION", ""):
            return _refusal("Authorization", problem_message("nul", "Authorization"))
        return None

    def refuse(self, request: HttpRequest, refusal: InvalidInput) -> HttpResponse:
        if is_api(request):
            return JsonResponse(
                refusal.as_dict(), status=refusal.status, json_dumps_params={"ensure_ascii": False}
            )
        html = render_to_string("core/bad_input.html", {"message": refusal.message})
        return HttpResponse(html, status=refusal.status)
