"""The assessment weights' settings page (STATS-4): versioned, set by the centre admin."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from hotline.stats.assessment import weights_for
from hotline.stats.models import AssessmentWeights

pytestmark = pytest.mark.django_db

URL = "/stats/weights/"
GOOD = {
    "valid_from": "2027-01-01",
    "on_time": "50",
    "satisfaction": "30",
    "kb_timeliness": "20",
    "per_order": "2.5",
    "per_reminder": "1",
    "per_notice": "5",
    "note": "2027年考核办法",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("STATS-4")
def test_the_centre_admin_sets_a_new_version_and_old_periods_keep_theirs(centre_admin):
    """STATS-4: each save is a new version from its date; a period before it keeps the old."""
    admin = _client(centre_admin)
    page = admin.get(URL)
    assert page.status_code == 200
    assert "考核权重" in page.content.decode()
    first = admin.post(URL, {**GOOD, "valid_from": "2026-01-01", "on_time": "40"})
    assert first.status_code == 302
    assert admin.get(first["Location"]).content.decode().count("已保存第 1 版") == 1
    assert admin.post(URL, GOOD).status_code == 302
    assert list(
        AssessmentWeights.objects.order_by("version").values_list("version", "on_time")
    ) == [
        (1, 40),
        (2, 50),
    ]
    assert weights_for(date(2026, 10, 1)).version == 1  # an old period keeps its version
    assert weights_for(date(2027, 1, 1)).version == 2
    listed = admin.get(URL).content.decode()
    assert "2027年考核办法" in listed and "2027-01-01" in listed


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("on_time", "五十", "按时办结率权重：请输入0至1000之间的数"),
        ("per_notice", "-1", "每次通报扣分：请输入0至1000之间的数"),
        ("satisfaction", "1.234", "满意率权重：请输入0至1000之间的数"),
        ("valid_from", "2027-13-01", "生效日期：请输入日期"),
    ],
)
def test_bad_input_keeps_what_was_typed_with_a_clear_message(centre_admin, field, typed, message):
    with translation.override("zh-hans"):
        answer = _client(centre_admin).post(URL, {**GOOD, field: typed})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message in html
    assert f'value="{typed}"' in html and 'value="2027年考核办法"' in html
    assert not AssessmentWeights.objects.exists()


def test_all_weights_zero_is_refused_with_the_rule(centre_admin):
    zero = {**GOOD, "on_time": "0", "satisfaction": "0", "kb_timeliness": "0"}
    answer = _client(centre_admin).post(URL, zero)
    assert answer.status_code == 400
    assert "三项指标权重之和须大于0" in answer.content.decode()
    assert not AssessmentWeights.objects.exists()


def test_supervisors_read_the_weights_others_may_not(supervisor, unit_officer):
    boss = _client(supervisor)
    page = boss.get(URL)
    assert page.status_code == 200 and 'id="weights-form"' not in page.content.decode()
    assert boss.post(URL, GOOD).status_code == 403
    assert _client(unit_officer).get(URL).status_code == 403
    assert not AssessmentWeights.objects.exists()
