"""The market services' demo data (issue 16): a dozen franchisees, volunteers, two logins."""

from __future__ import annotations

import pytest

from hotline.accounts.demo import accounts_demo_load
from hotline.directory.demo import directory_demo_load
from hotline.franchise.demo import franchise_demo_load
from hotline.franchise.models import Franchisee, MarketOrder, Volunteer
from tests.franchise.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.req("FRANCHISE-2", "FRANCHISE-7")
def test_the_demo_has_a_dozen_franchisees_volunteers_and_orders():
    directory_demo_load()
    accounts_demo_load()
    assert franchise_demo_load(NOW) == 12
    assert franchise_demo_load(NOW) == 12  # idempotent
    assert Volunteer.objects.count() == 10
    services = {s for f in Franchisee.objects.all() for s in f.services}
    assert len(services) == 9
    assert Franchisee.objects.get(unit__code="FR12").blacklisted
    assert sorted(MarketOrder.objects.values_list("state", flat=True)) == [
        "accepted",
        "offered",
        "reported",
    ]
    franchise1 = Franchisee.objects.get(unit__code="FR01").unit.staff.get()
    assert franchise1.username == "franchise1"
