"""The one application error, rendered as JSON by the API and next to the form by the UI.

A ``DomainError`` carries a stable machine ``code``, a ``message`` a clerk can read (translated)
and the HTTP ``status`` it maps to. Services refuse by raising one of these, never by returning
``None``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused business action, with a code, a readable message and an HTTP status."""

    code: str = "error"
    status: int = 400
    default_message: Any = _("The request could not be carried out.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra: dict[str, Any] = extra or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON body: ``{"code", "message"}`` plus ``extra`` when there is any."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.extra:
            body["extra"] = self.extra
        return body


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400
    default_message = _("The input is not valid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("The requested object does not exist or is not visible to you.")


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("Someone else changed this record at the same time; reload and retry.")
