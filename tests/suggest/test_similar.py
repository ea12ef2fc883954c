"""The near-duplicate signal (INTAKE-4: one matter, one ticket; INTAKE-5: repeat calls)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.suggest.similar import jaccard, near_duplicates, same_matter, shingles
from hotline.tickets.access import tickets_visible_to
from tests.factories import AreaFactory
from tests.suggest.conftest import register

pytestmark = pytest.mark.django_db

MATTER = "东门社区3栋门口的井盖丢失了，晚上很危险，请尽快处理"
AGAIN = "3栋门口井盖丢了好几天了，晚上很危险，怎么还没人处理"


def test_jaccard_is_the_one_overlap_measure():
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5
    assert jaccard(set(), set()) == 0.0
    assert jaccard("ab", "ab") == 1.0


@pytest.mark.req("INTAKE-4")
def test_the_same_matter_said_twice_is_alike_and_another_is_not():
    assert same_matter(shingles(MATTER), shingles(AGAIN)) > 0
    assert same_matter(shingles(MATTER), shingles("楼下饭店油烟太大影响休息")) == 0
    assert same_matter(shingles(""), shingles(AGAIN)) == 0
    assert "3" not in shingles(MATTER)  # a lone digit says nothing
    assert "a12" in shingles("车牌A12号")


@pytest.mark.req("INTAKE-4")
@pytest.mark.req("INTAKE-5")
def test_the_same_matter_of_the_same_area_in_the_last_days_is_found(agent):
    street = AreaFactory(code="DM", name="东门街道", kind="subdistrict")
    here = AreaFactory(code="DM01", name="东门社区", parent=street)
    elsewhere = AreaFactory(code="XM01", name="西门社区")
    now = timezone.now()
    first = register(agent, MATTER, area_code="DM01", now=now - timedelta(days=2))
    register(agent, MATTER, area_code="XM01", now=now - timedelta(days=1))  # another area
    register(agent, MATTER, area_code="DM01", now=now - timedelta(days=9))  # too old
    register(agent, "东门社区3栋楼道灯坏了", area_code="DM01", now=now - timedelta(hours=1))
    found = near_duplicates(AGAIN, area=here, now=now)
    assert [s.ticket.number for s in found] == [first.number]
    assert 0 < found[0].score <= 1
    # The street covers its communities; no area: every area.
    assert [s.ticket.number for s in near_duplicates(AGAIN, area=street, now=now)] == [first.number]
    assert len(near_duplicates(AGAIN, area=None, now=now)) == 2
    assert near_duplicates(AGAIN, area=elsewhere, now=now - timedelta(days=3)) == []
    assert near_duplicates("", area=here, now=now) == []


@pytest.mark.req("INTAKE-4")
def test_only_tickets_the_reader_may_see_are_shown(agent, unit_officer):
    register(agent, MATTER)
    now = timezone.now()
    assert near_duplicates(AGAIN, area=None, now=now, among=tickets_visible_to(agent))
    # Not dispatched to the clerk's unit: not theirs to see.
    assert near_duplicates(AGAIN, area=None, now=now, among=tickets_visible_to(unit_officer)) == []
