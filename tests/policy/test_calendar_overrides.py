"""The Django side of the calendar: overrides, published years, the command and the API."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from hotline.core.models import AuditEntry
from hotline.policy.models import CalendarOverride, PublishedYear
from hotline.policy.services import calendar_current

pytestmark = pytest.mark.django_db

SH_REPLY = {
    "profile": "shanghai-962200",
    "clock": "reply",
    "category": "help",
    "start": "2026-09-30T15:00:00+08:00",
}


@pytest.fixture(scope="module")
def migrated_sqlite_env(tmp_path_factory) -> dict[str, str]:
    """An environment for running `hotline` as a process, on a migrated SQLite file."""
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_DATABASE_URL"}
    env["HOTLINE_VAR_DIR"] = str(tmp_path_factory.mktemp("var"))
    subprocess.run([sys.executable, "-m", "hotline.cli", "migrate", "-v0"], env=env, check=True)
    return env


def deadline_cmd(*args: str) -> str:
    out = io.StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.req("SLA-2")
def test_command_prints_the_due_instant():
    """SLA-2: 5 working days from 30 Sep 2026 skip the National Day week, 10-10 is worked."""
    args = ["--profile", "shanghai-962200", "--clock", "reply", "--category", "help"]
    assert deadline_cmd(*args, "--start", "2026-09-30T15:00:00+08:00") == (
        "2026-10-14T00:00:00+08:00"
    )


def test_command_prints_json_with_its_basis():
    import json

    args = ["--profile", "shanghai-962200", "--clock", "reply", "--category", "help"]
    body = json.loads(deadline_cmd(*args, "--start", "2026-09-30T15:00:00+08:00", "--json"))
    assert body == {
        "due_at": "2026-10-14T00:00:00+08:00",
        "provisional": False,
        "basis": "SH-962200 第十一条(二)",
        "unit": "working_days",
        "length": 5,
    }


def test_command_prints_none_when_the_profile_sets_no_limit():
    """A9: Tianjin's first contact is "第一时间", no countable limit."""
    args = ["--profile", "tianjin-88908890", "--clock", "first_contact"]
    assert deadline_cmd(*args, "--start", "2026-09-30T15:00:00+08:00") == "none"


@pytest.mark.parametrize(
    "args",
    [
        ["--profile", "nope", "--clock", "reply", "--start", "2026-09-30T15:00:00+08:00"],
        ["--clock", "bogus", "--start", "2026-09-30T15:00:00+08:00"],
        ["--clock", "reply", "--category", "bogus", "--start", "2026-09-30T15:00:00+08:00"],
        ["--clock", "reply", "--category", "help", "--start", "2026-09-30T15:00:00"],
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(args, migrated_sqlite_env):
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "deadline", *args],
        capture_output=True,
        text=True,
        env=migrated_sqlite_env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_api_answers_like_the_command(client, agent):
    client.force_login(agent)
    response = client.get("/api/v1/deadline", SH_REPLY)
    assert response.status_code == 200
    assert response.json()["due_at"] == "2026-10-14T00:00:00+08:00"
    assert response.json()["basis"] == "SH-962200 第十一条(二)"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("profile", "nope", "unknown_profile"),
        ("clock", "bogus", "unknown_clock"),
        ("category", "bogus", "unknown_category"),
        ("start", "2026-09-30T15:00:00", "naive_start"),
    ],
)
def test_api_bad_input_is_400_with_a_json_error(client, agent, field, value, code):
    client.force_login(agent)
    response = client.get("/api/v1/deadline", {**SH_REPLY, field: value})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_api_needs_authentication(client):
    assert client.get("/api/v1/deadline", SH_REPLY).status_code == 401


@pytest.mark.req("SLA-1")
def test_an_override_wins_over_the_national_calendar():
    """SLA-1: a local rest day on Friday 9 Oct 2026 moves the Shanghai reply to 15 Oct."""
    CalendarOverride.objects.create(date=date(2026, 10, 9), is_working_day=False, note="地方节日")
    args = ["--profile", "shanghai-962200", "--clock", "reply", "--category", "help"]
    assert deadline_cmd(*args, "--start", "2026-09-30T15:00:00+08:00") == (
        "2026-10-15T00:00:00+08:00"
    )


def test_the_cached_calendar_follows_changes():
    first = calendar_current()
    assert calendar_current() is first
    CalendarOverride.objects.create(date=date(2026, 12, 7), is_working_day=False)
    second = calendar_current()
    assert second is not first
    assert not second.is_working_day(date(2026, 12, 7))


@pytest.mark.req("SLA-1")
def test_importing_next_years_arrangement_ends_the_provisional_deadlines(tmp_path):
    """A28: after 2027 is published, 2027 deadlines are no longer provisional."""
    args = ["--clock", "reply", "--category", "complaint", "--start", "2026-12-28T10:00:00+08:00"]
    assert '"provisional": true' in deadline_cmd(*args, "--json")
    arrangement = tmp_path / "2027.csv"
    arrangement.write_text(
        "date,kind,note\n2027-01-01,rest,元旦\n2027-01-02,rest,元旦\n2027-01-03,rest,元旦\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command(
        "calendar_import",
        str(arrangement),
        "--published-year",
        "2027",
        "--document",
        "国务院办公厅关于2027年部分节假日安排的通知",
        stdout=out,
    )
    assert "3 days imported" in out.getvalue()
    assert PublishedYear.objects.filter(year=2027).exists()
    assert AuditEntry.objects.filter(action="calendar.import").count() == 1
    assert '"provisional": false' in deadline_cmd(*args, "--json")


def test_a_toml_file_imports_too(tmp_path):
    path = tmp_path / "local.toml"
    path.write_text(
        '[[day]]\ndate = "2026-12-07"\nkind = "rest"\nnote = "区庆"\n', encoding="utf-8"
    )
    call_command("calendar_import", str(path), stdout=io.StringIO())
    override = CalendarOverride.objects.get()
    assert (override.date, override.is_working_day, override.note) == (
        date(2026, 12, 7),
        False,
        "区庆",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2026-13-01,rest\n", "第 1 行"),
        ("2026-12-07,maybe\n", "无法识别"),
        ("2026-12-07,rest\n2026-12-07,work\n", "出现了两次"),
        ("", "没有任何日期"),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_clear_message(tmp_path, content, message):
    CalendarOverride.objects.create(date=date(2026, 11, 30), is_working_day=True)
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("calendar_import", str(path), stdout=io.StringIO())
    assert CalendarOverride.objects.count() == 1


def test_a_published_year_file_must_stay_in_its_year(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,rest\n2026-12-31,rest\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不在 2027 年内"):
        call_command("calendar_import", str(path), "--published-year", "2027", stdout=io.StringIO())
    assert not CalendarOverride.objects.exists()
    assert not PublishedYear.objects.exists()


@pytest.mark.req("SLA-1")
def test_centre_admin_is_warned_from_november_that_next_year_is_missing(client, centre_admin):
    """A28: from 1 November the missing next-year arrangement is shown to the centre admin."""
    client.force_login(centre_admin)
    with time_machine.travel("2026-10-31 12:00 +0800", tick=False):
        page = client.get(reverse("core:status")).content.decode()
        assert "calendar-warning" not in page
    with time_machine.travel("2026-11-02 12:00 +0800", tick=False):
        client.force_login(centre_admin)
        page = client.get(reverse("core:status")).content.decode()
        assert "calendar-warning" in page
        assert "2027" in page
        PublishedYear.objects.create(year=2027)
        page = client.get(reverse("core:status")).content.decode()
        assert "calendar-warning" not in page


def test_the_active_profile_is_shown_with_its_articles(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("policy:profile")).content.decode()
    assert "national-12345" in page
    assert "reply" in page
    assert "110" in page


def test_the_policy_categories_match_the_ticket_categories():
    """INTAKE-6: the pure policy core and the Django choices name the same categories."""
    from hotline.core.categories import Category
    from hotline.policy.profiles import CATEGORIES

    assert set(CATEGORIES) == set(Category.values)
