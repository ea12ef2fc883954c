from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.accounts.models import ApiToken
from hotline.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def create_token(username: str) -> str:
    out = io.StringIO()
    call_command("token", "create", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_token_create_prints_the_token_alone_on_the_last_line(unit_officer):
    token = create_token("handler1")
    assert token.startswith("hl_")
    assert " " not in token


def test_token_is_stored_hashed(unit_officer):
    token = create_token("handler1")
    row = ApiToken.objects.get()
    secret = token.split("_", 2)[2]
    assert secret not in row.digest
    assert row.digest != token
    assert AuditEntry.objects.filter(action="token.create").count() == 1


def test_me_returns_username_unit_and_roles(client, unit_officer):
    token = create_token("handler1")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "handler1"
    assert body["unit"] == {"code": "ZJJ", "name": "测试区住房和城乡建设局"}
    assert body["roles"] == ["unit_handler"]


def test_api_without_a_token_is_401_with_a_json_error(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert body["message"]


@pytest.mark.parametrize(
    "header", ["Bearer hl_nope_nope", "Bearer garbage", "Token abc", "Bearer "]
)
def test_api_with_an_invalid_token_is_401(client, unit_officer, header):
    create_token("handler1")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_tampered_secret_is_refused(client, unit_officer):
    token = create_token("handler1")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert response.status_code == 401


def test_revoked_token_is_refused(client, unit_officer):
    token = create_token("handler1")
    key = token.split("_")[1]
    call_command("token", "revoke", key, stdout=io.StringIO())
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, unit_officer):
    token = create_token("handler1")
    unit_officer.is_active = False
    unit_officer.save()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_token_for_an_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "create", "nobody", stdout=io.StringIO())


def test_token_list_never_shows_secrets(unit_officer):
    token = create_token("handler1")
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    assert token.split("_", 2)[2] not in out.getvalue()
    assert "handler1" in out.getvalue()


def test_browser_session_also_reaches_the_api(client, unit_officer):
    client.force_login(unit_officer)
    assert client.get("/api/v1/me").json()["username"] == "handler1"
