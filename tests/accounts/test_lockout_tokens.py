"""A locked account cannot use its API tokens until it is unlocked (issue 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _fail_logins(client, username: str, times: int = 5) -> None:
    for _ in range(times):
        client.post(reverse("accounts:login"), {"username": username, "password": "wrong"})


def _me(client, token: str):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_locked_account_cannot_use_its_tokens_until_unlocked(client, agent, supervisor):
    _row, token = ApiToken.issue(user=agent)
    _row, other = ApiToken.issue(user=supervisor)
    assert _me(client, token).status_code == 200

    _fail_logins(client, "agent")
    response = _me(client, token)
    assert response.status_code == 403
    assert response.json()["code"] == "account_locked"
    assert "锁定" in response.json()["message"]
    assert _me(client, other).status_code == 200  # only that account

    call_command("axes_reset_username", "agent", verbosity=0)
    assert _me(client, token).status_code == 200


def test_four_failures_do_not_stop_the_tokens(client, agent):
    _row, token = ApiToken.issue(user=agent)
    _fail_logins(client, "agent", times=4)
    assert _me(client, token).status_code == 200


def test_the_tokens_work_again_when_the_lock_expires(client, agent):
    _row, token = ApiToken.issue(user=agent)
    _fail_logins(client, "agent")
    assert _me(client, token).status_code == 403
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later):
        assert _me(client, token).status_code == 200
