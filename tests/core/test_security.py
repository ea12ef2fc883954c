"""Browser and transport security of every response (issue 11, 等保 2.0 level 3)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from hotline.accounts.models import ApiToken

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(db):
    cache.clear()
    yield
    cache.clear()


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/kb/", "/kb/propose/", "/api/v1/me", "/healthz"])
def test_every_response_carries_a_strict_content_security_policy(client, path):
    policy = _csp(client.get(path))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_pages_of_a_signed_in_user_and_api_answers_are_never_cached(client, agent):
    client.force_login(agent)
    for path in ["/", "/home/agent/", "/tickets/", "/desk/", "/api/v1/me", "/api/v1/tickets"]:
        response = client.get(path, follow=True)
        assert "no-store" in response["Cache-Control"], path
    _row, token = ApiToken.issue(user=agent)
    client.logout()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_public_pages_without_personal_data_may_be_cached(client):
    assert "Cache-Control" not in client.get("/kb/")


def _template_files() -> list[Path]:
    return [p for p in (REPO / "src" / "hotline").rglob("*.html") if "vendor" not in p.parts]


def test_no_template_holds_inline_script_or_style():
    """The CSP refuses inline script; a template that slips one in would break in browsers."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>")
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        assert not inline_script.search(text), f"inline <script> in {path}"
        assert not handler.search(text), f"on* handler in {path}"
        assert "<style" not in text, f"inline <style> in {path}"
        assert 'style="' not in text, f"style attribute in {path}"
        assert "javascript:" not in text, f"javascript: URL in {path}"


def _production_env(tmp_path: Path) -> dict[str, str]:
    """Return the environment of the README's production block (secret key file made here)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    for line in block.splitlines():
        if line.startswith("export "):
            for pair in line.removeprefix("export ").split():
                key, value = pair.split("=", 1)
                env[key] = value
    assert env["HOTLINE_SECURE_COOKIES"] == "true"
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    env["HOTLINE_SECRET_KEY_FILE"] = str(key_file)
    env["HOTLINE_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    # The browser tests set this for Playwright's event loop in the test process; a production
    # environment never has it (Django's check rightly refuses it).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_redirect_to_https_and_send_hsts(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.NINJA_NUM_PROXIES)"
    )
    env = _production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "hotline.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.split() == [
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "1",
    ]


@pytest.mark.django_db
def test_secure_settings_redirect_plain_http_and_trust_the_proxy_header(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# --- throttling of anonymous endpoints ------------------------------------------------------


@pytest.mark.django_db
def test_knowledge_proposals_are_throttled_per_address_with_a_clear_429(client, settings):
    settings.HOTLINE_THROTTLE_RATES = {**settings.HOTLINE_THROTTLE_RATES, "kb-propose": "3/h"}
    data = {"question": "怎么办居住证？", "answer": "到派出所办理。"}
    for _ in range(3):
        assert client.post(reverse("knowledge:public_propose"), data).status_code == 200
    response = client.post(reverse("knowledge:public_propose"), data)
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert "请求过于频繁" in response.content.decode()
    # Another address is not affected, nor is reading the form.
    other = client.post(reverse("knowledge:public_propose"), data, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200
    assert client.get(reverse("knowledge:public_propose")).status_code == 200


@pytest.mark.django_db
def test_the_public_search_api_answers_429_as_json(client, settings):
    from hotline.knowledge import api as kb_api

    throttle = kb_api.public_router.throttle[0]  # type: ignore[index]
    throttle.num_requests, throttle.duration = 2, 60
    try:
        for _ in range(2):
            assert client.get("/api/v1/public/kb/search", {"q": "居住证"}).status_code == 200
        response = client.get("/api/v1/public/kb/search", {"q": "居住证"})
    finally:
        throttle.num_requests, throttle.duration = throttle.parse_rate(throttle.rate)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "请求过于频繁" in response.json()["message"]
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_address_is_counted(client, settings):
    from ninja.conf import settings as ninja_settings

    settings.HOTLINE_THROTTLE_RATES = {**settings.HOTLINE_THROTTLE_RATES, "kb-propose": "1/h"}
    data = {"question": "问题", "answer": "回答"}
    old = ninja_settings.NUM_PROXIES
    ninja_settings.NUM_PROXIES = 1
    try:
        url = reverse("knowledge:public_propose")
        assert client.post(url, data, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
        assert client.post(url, data, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 200
        assert client.post(url, data, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
    finally:
        ninja_settings.NUM_PROXIES = old


@pytest.mark.django_db
def test_behind_the_proxy_the_audit_log_records_the_client_address(rf, agent):
    from ninja.conf import settings as ninja_settings

    from hotline.core.audit import audit_record

    request = rf.get("/citizens/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert audit_record(actor=agent, action="citizen.view", request=request).ip_address == (
        "10.0.0.2"
    )
    old = ninja_settings.NUM_PROXIES
    ninja_settings.NUM_PROXIES = 1
    try:
        entry = audit_record(actor=agent, action="citizen.view", request=request)
    finally:
        ninja_settings.NUM_PROXIES = old
    assert entry.ip_address == "203.0.113.7"
