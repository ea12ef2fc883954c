from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The staff login form, with messages a clerk understands."""

    error_messages = {
        "invalid_login": _(
            "The username or password is wrong. After 5 failed attempts the account is "
            "locked for a while."
        ),
        "inactive": _("This account is disabled. Ask the centre administrator."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
