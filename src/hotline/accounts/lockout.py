"""Whether an account is locked after failed sign-ins (django-axes), for every way in."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import DomainError


class AccountLocked(DomainError):
    """The account is locked after too many failed sign-ins; its API tokens wait too."""

    code = "account_locked"
    status = 403
    default_message = _(
        "This account is locked after too many failed sign-ins; its API tokens work again "
        "once it is unlocked."
    )


def account_is_locked(request: HttpRequest, user: Any) -> bool:
    """Return True while django-axes holds ``user`` locked (by username, as it locks logins).

    A password guesser must not be able to go on through the API with a token the account
    holds, nor a stolen token keep working while the account is locked.
    """
    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.username}))
