"""The policy profile page reads as names in both languages, never the profile's codes
(issue 19, item 4): limits, what starts a clock, deadline groups and the callback mode."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"<code[^>]*>[^<]*</code>", "", html)  # codes stay for administrators


def test_the_chinese_profile_page_shows_names_not_codes(client, agent):
    client.force_login(agent)
    text = _text(client.get("/manage/profile/"))
    for code in ("working_days", "every_ticket", "complaint_report_suggestion_criticism"):
        assert code not in text
    assert "15个工作日" in text
    assert "承办单位收到工单" in text  # the reply clock starts at the unit's receipt
    assert "投诉、举报、建议、批评" in text
    assert "逐件回访" in text
    assert "办理答复" in text  # the reply clock by its name


def test_the_english_profile_page_reads_english(client, agent):
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    text = _text(client.get("/manage/profile/"))
    assert "15 working days" in text
    assert "Receipt by the unit" in text
    assert "Every ticket" in text
    assert "working_days" not in text
