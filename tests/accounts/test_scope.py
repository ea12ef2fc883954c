"""Least privilege: a unit sees only its own objects, in pages and in the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.scope import scope_to_units, units_visible_to
from hotline.directory.models import Liaison
from tests.factories import LiaisonFactory

pytestmark = pytest.mark.django_db


def unit_page(code: str) -> str:
    return reverse("directory:unit_detail", args=[code])


def test_unit_handler_reads_their_own_unit(client, unit_officer, unit):
    LiaisonFactory(unit=unit, name="张联络", phone="13800001111")
    client.force_login(unit_officer)
    response = client.get(unit_page("ZJJ"))
    assert response.status_code == 200
    assert "张联络" in response.content.decode()


def test_unit_handler_cannot_read_another_units_page(client, unit_officer, other_unit):
    LiaisonFactory(unit=other_unit, name="李联络")
    client.force_login(unit_officer)
    response = client.get(unit_page("SW"))
    assert response.status_code == 404
    assert "李联络" not in response.content.decode()


def test_unit_handler_cannot_read_another_unit_in_the_api(client, unit_officer, other_unit):
    client.force_login(unit_officer)
    response = client.get("/api/v1/units/SW")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_out_of_scope_looks_exactly_like_missing(client, unit_officer, other_unit):
    client.force_login(unit_officer)
    hidden = client.get("/api/v1/units/SW").json()
    missing = client.get("/api/v1/units/NO-SUCH").json()
    assert hidden == missing


def test_unit_list_shows_only_the_own_unit(client, unit_officer, other_unit, subunit):
    client.force_login(unit_officer)
    codes = [u["code"] for u in client.get("/api/v1/units").json()["items"]]
    assert codes == ["ZJJ"]


def test_unit_admin_also_reaches_sub_units(client, unit_admin, subunit, other_unit):
    client.force_login(unit_admin)
    codes = [u["code"] for u in client.get("/api/v1/units").json()["items"]]
    assert codes == ["ZJJ", "ZJJ-WY"]
    assert client.get(unit_page("ZJJ-WY")).status_code == 200
    assert client.get(unit_page("SW")).status_code == 404


def test_unit_handler_does_not_reach_sub_units(client, unit_officer, subunit):
    client.force_login(unit_officer)
    assert client.get(unit_page("ZJJ-WY")).status_code == 404


def test_centre_staff_reach_every_unit(client, supervisor, unit, other_unit):
    client.force_login(supervisor)
    assert client.get(unit_page("SW")).status_code == 200
    assert client.get("/api/v1/units/ZJJ").status_code == 200


def test_scope_filter_is_the_same_for_related_objects(unit_officer, unit, other_unit):
    mine = LiaisonFactory(unit=unit)
    LiaisonFactory(unit=other_unit)
    visible = scope_to_units(unit_officer, Liaison.objects.all(), "unit")
    assert list(visible) == [mine]


def test_moving_a_unit_moves_its_subtree_in_scope(unit_admin, unit, other_unit, subunit):
    deeper = type(subunit).objects.create(
        code="ZJJ-WY-1", name="一组", kind="other", parent=subunit
    )
    assert set(units_visible_to(unit_admin)) == {unit, subunit, deeper}
    subunit.parent = other_unit
    subunit.save()
    deeper.refresh_from_db()
    assert deeper.path == "/SW/ZJJ-WY/ZJJ-WY-1/"
    assert set(units_visible_to(unit_admin)) == {unit}


def test_inactive_user_reaches_nothing(unit_officer):
    unit_officer.is_active = False
    assert list(units_visible_to(unit_officer)) == []


def test_centre_pages_are_closed_to_unit_staff(client, unit_officer):
    client.force_login(unit_officer)
    assert client.get(reverse("core:audit")).status_code == 403
    assert client.get(reverse("core:status")).status_code == 403
    assert client.get(reverse("citizens:lookup")).status_code == 404
    assert client.get("/admin/").status_code == 302
