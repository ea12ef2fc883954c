"""Signing in, as staff do every morning, in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def sign_in(page, live_server, username, password=TEST_PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize(
    ("role", "title"),
    [("agent", "接线员"), ("unit_handler", "承办人"), ("centre_admin", "中心管理员")],
)
def test_staff_sign_in_and_land_on_their_role_page(page, live_server, centre, unit, role, title):
    user_unit = unit if role == "unit_handler" else centre
    UserFactory(username="staff", unit=user_unit, roles=[role])
    sign_in(page, live_server, "staff")
    page.wait_for_url(f"**/home/{role}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"home_{role}.png"))


def test_a_wrong_password_is_explained_in_chinese(page, live_server, agent):
    sign_in(page, live_server, "agent", "wrong-password")
    assert "用户名或密码错误" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("用户名").input_value() == "agent"
