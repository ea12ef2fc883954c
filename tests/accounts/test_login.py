from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body
    assert 'lang="zh-hans"' in body


def test_login_page_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in to the hotline centre" in body


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_home_page(client, centre, unit, role):
    user_unit = unit if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else centre
    UserFactory(username="someone", unit=user_unit, roles=[role.value])

    response = login(client, "someone")
    assert response.status_code == 302
    landing = client.get(response.url, follow=True)
    assert landing.redirect_chain[-1][0] == reverse("accounts:role_home", args=[role.value])
    assert landing.status_code == 200


def test_user_cannot_open_the_home_page_of_a_role_they_do_not_hold(client, agent):
    client.force_login(agent)
    assert client.get(reverse("accounts:role_home", args=["supervisor"])).status_code == 404


def test_wrong_password_gives_a_chinese_message(client, agent):
    response = login(client, "agent", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_five_wrong_passwords_lock_the_account(client, agent):
    for _ in range(5):
        login(client, "agent", "wrong-password")
    response = login(client, "agent", TEST_PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_not_for_the_whole_room(client, agent, supervisor):
    for _ in range(5):
        login(client, "agent", "wrong-password")
    response = login(client, "supervisor")
    assert response.status_code == 302


def test_four_wrong_passwords_do_not_lock(client, agent):
    for _ in range(4):
        login(client, "agent", "wrong-password")
    assert login(client, "agent").status_code == 302


def test_session_expires_after_inactivity(client, agent):
    assert login(client, "agent").status_code == 302
    home = reverse("accounts:role_home", args=["agent"])
    assert client.get(home).status_code == 200
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(timezone.now() + idle, tick=False):
        response = client.get(home)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_activity_keeps_the_session_alive(client, agent):
    assert login(client, "agent").status_code == 302
    home = reverse("accounts:role_home", args=["agent"])
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
    now = timezone.now()
    for i in range(1, 4):
        with time_machine.travel(now + i * step, tick=False):
            assert client.get(home).status_code == 200


def test_passwords_are_hashed_with_argon2_in_production():
    production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0].endswith("Argon2PasswordHasher")
    assert make_password("x" * 12, hasher="argon2").startswith("argon2$")


@pytest.mark.parametrize("password", ["12345678901", "short", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_logout_ends_the_session(client, agent):
    client.force_login(agent)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302


def test_an_english_browser_still_gets_chinese(client):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in body.content.decode()
