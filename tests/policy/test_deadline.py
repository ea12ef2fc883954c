"""The calculator contract, table-driven over every clock of every profile (SLA-1…SLA-4).

Every expected instant below was worked out by hand from the official 2026 arrangement
(国办发明电〔2025〕7号, readings §0), counting as in readings A1-A5:

    Jan  1-3 rest, Sun  4 Jan worked        Feb 15-23 rest, Sat 14 and Sat 28 Feb worked
    May  1-5 rest, Sat  9 May worked        Sep 25-27 and Oct 1-7 rest, Sun 20 Sep and
                                            Sat 10 Oct worked
    2027: unknown to the package, so Mon-Fri minus 1 Jan (fallback) and provisional.

"2026-10-14T00:00" is "13 October 24:00".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from hotline.policy.calendar import WorkCalendar
from hotline.policy.deadline import DeadlineAnswer, PolicyInputError, deadline_answer
from hotline.policy.profiles import CLOCKS, available_profiles
from hotline.policy.sla import Limit, Unit

CAL = WorkCalendar()


@dataclass(frozen=True)
class Case:
    clock: str
    start: str  # local Shanghai time, "YYYY-MM-DDTHH:MM"
    due: str | None  # local Shanghai time of the due instant, or None
    unit: str
    length: int | None = None
    basis: str | None = None
    category: str | None = None
    complex: bool = False
    urgent: bool = False
    provisional: bool = False


def check(profile: str, case: Case) -> DeadlineAnswer:
    answer = deadline_answer(
        profile=profile,
        clock=case.clock,
        start=case.start + ":00+08:00",
        category=case.category,
        complex=case.complex,
        urgent=case.urgent,
        calendar=CAL,
    )
    expected_due = None if case.due is None else case.due + ":00+08:00"
    assert answer.as_dict()["due_at"] == expected_due
    assert answer.unit == case.unit
    assert answer.length == case.length
    assert answer.provisional is case.provisional
    if case.basis is not None:
        assert answer.basis == case.basis
    return answer


def cases(*rows: Case) -> list[object]:
    return [
        pytest.param(row, id=f"{row.clock}-{row.category or ''}-{row.start}-{i}")
        for i, row in enumerate(rows)
    ]


# -- Shanghai 962200 ----------------------------------------------------------------------

# fmt: off
SH = cases(
    # dispatch 1 WD (第十条(二)); urgent at once (第十条(三))
    Case("dispatch", "2026-09-30T23:00", "2026-10-09T00:00", "working_days", 1,
         "SH-962200 第十条(二)"),
    Case("dispatch", "2026-02-14T09:00", "2026-02-25T00:00", "working_days", 1),
    Case("dispatch", "2026-09-30T23:00", None, "at_once", None, "SH-962200 第十条(三)",
         urgent=True),
    Case("sign_for", "2026-09-30T10:00", None, "none"),
    # first contact 1 WD (第十一条(一))
    Case("first_contact", "2025-12-31T10:00", "2026-01-05T00:00", "working_days", 1,
         "SH-962200 第十一条(一)"),
    Case("first_contact", "2026-02-13T17:00", "2026-02-15T00:00", "working_days", 1),
    Case("first_contact", "2026-04-30T18:00", "2026-05-07T00:00", "working_days", 1),
    Case("first_contact", "2026-09-18T16:00", "2026-09-21T00:00", "working_days", 1),
    Case("first_contact", "2026-09-19T10:00", "2026-09-21T00:00", "working_days", 1),
    Case("first_contact", "2026-12-30T10:00", "2027-01-01T00:00", "working_days", 1),
    Case("first_contact", "2026-12-31T10:00", "2027-01-05T00:00", "working_days", 1,
         provisional=True),
    # reply 5 WD, complex 10 WD (第十一条(二))
    Case("reply", "2025-12-31T16:00", "2026-01-09T00:00", "working_days", 5,
         "SH-962200 第十一条(二)", category="help"),
    Case("reply", "2025-12-31T16:00", "2026-01-16T00:00", "working_days", 10,
         "SH-962200 第十一条(二)", category="help", complex=True),
    Case("reply", "2026-02-13T09:00", "2026-02-28T00:00", "working_days", 5, category="complaint"),
    Case("reply", "2026-02-14T10:00", "2026-03-01T00:00", "working_days", 5,
         category="consultation"),
    Case("reply", "2026-02-13T09:00", "2026-03-06T00:00", "working_days", 10, category="complaint",
         complex=True),
    Case("reply", "2026-04-30T10:00", "2026-05-12T00:00", "working_days", 5, category="suggestion"),
    Case("reply", "2026-09-30T15:00", "2026-10-14T00:00", "working_days", 5,
         "SH-962200 第十一条(二)", category="help"),
    Case("reply", "2026-10-03T11:00", "2026-10-14T00:00", "working_days", 5, category="help"),
    Case("reply", "2026-09-24T10:00", "2026-10-10T00:00", "working_days", 5, category="report"),
    Case("reply", "2026-09-30T15:00", "2026-10-21T00:00", "working_days", 10, category="criticism",
         complex=True),
    Case("reply", "2026-12-23T10:00", "2026-12-31T00:00", "working_days", 5, category="help"),
    Case("reply", "2026-12-24T10:00", "2027-01-01T00:00", "working_days", 5, category="help"),
    Case("reply", "2026-12-28T10:00", "2027-01-06T00:00", "working_days", 5, category="help",
         provisional=True),
    Case("reply", "2026-09-30T15:00", None, "none", category="praise"),
    # no return window, no extension, no callback limit (A29; 第十一条(二); 第十三条)
    Case("return", "2026-09-30T15:00", None, "none"),
    Case("extension_request", "2026-10-14T00:00", None, "none"),
    Case("callback", "2026-09-30T15:00", None, "none",
         basis="SH-962200 第十三条 (按每月一定比例回访,未规定时限)"),
    Case("deferred_answer", "2026-09-30T15:00", None, "none"),
    # knowledge base 5 WD from the release date (第十四条)
    Case("kb_update", "2025-12-31T09:00", "2026-01-09T00:00", "working_days", 5,
         "SH-962200 第十四条"),
    Case("kb_update", "2026-09-30T09:00", "2026-10-14T00:00", "working_days", 5),
    Case("reminder", "2026-09-30T09:00", None, "none"),
    # major sudden events: 30 minutes oral, written follow-up 2 hours after (第十五条, A17)
    Case("event_report", "2026-01-01T23:50", "2026-01-02T00:20", "minutes", 30,
         "SH-962200 第十五条"),
    Case("event_followup", "2026-01-01T23:50", "2026-01-02T01:50", "hours", 2,
         "SH-962200 第十五条"),
    Case("evaluation", "2026-09-30T15:00", None, "none"),
    Case("filing", "2026-09-30T15:00", None, "none"),
)
# fmt: on


@pytest.mark.req("SLA-2")
@pytest.mark.parametrize("case", SH)
def test_shanghai_962200_clocks(case: Case) -> None:
    """SLA-2: SH-962200 "1, 5, 10" and its other clocks over the 2026 seasons."""
    check("shanghai-962200", case)


# -- Tianjin 88908890 -----------------------------------------------------------------------

# fmt: off
TJ = cases(
    Case("dispatch", "2026-09-30T15:00", None, "at_once", None, "TJ-88908890 第十七条"),
    Case("sign_for", "2026-09-30T15:00", None, "none"),
    # "第一时间": no number, never breached (A9, T1)
    Case("first_contact", "2026-09-30T15:00", None, "at_once", None, "TJ-88908890 第十九条(一)"),
    # 一般求助类 2 WD; 投诉、举报、意见建议、其他疑难 7 WD (第十九条(二), A10)
    Case("reply", "2026-01-02T09:00", "2026-01-06T00:00", "working_days", 2,
         "TJ-88908890 第十九条(二)", category="help"),
    Case("reply", "2026-01-03T09:00", "2026-01-13T00:00", "working_days", 7, category="complaint"),
    Case("reply", "2026-02-15T09:00", "2026-02-26T00:00", "working_days", 2,
         category="consultation"),
    Case("reply", "2026-02-12T09:00", "2026-03-01T00:00", "working_days", 7, category="report"),
    Case("reply", "2026-05-02T09:00", "2026-05-08T00:00", "working_days", 2, category="help"),
    Case("reply", "2026-04-30T09:00", "2026-05-14T00:00", "working_days", 7, category="suggestion"),
    Case("reply", "2026-09-30T15:00", "2026-10-10T00:00", "working_days", 2,
         category="consultation"),
    Case("reply", "2026-09-30T15:00", "2026-10-16T00:00", "working_days", 7, category="help",
         complex=True),
    Case("reply", "2026-09-19T09:00", "2026-09-30T00:00", "working_days", 7, category="criticism"),
    Case("reply", "2026-12-31T09:00", "2027-01-06T00:00", "working_days", 2, category="help",
         provisional=True),
    Case("reply", "2026-09-30T15:00", None, "none", category="praise"),
    Case("return", "2026-09-30T15:00", None, "none"),
    # extension: by 24:00 of the working day before the due day (第二十一条, A6)
    Case("extension_request", "2026-01-06T00:00", "2026-01-05T00:00", "working_days", 1,
         "TJ-88908890 第二十一条"),
    Case("extension_request", "2026-02-25T00:00", "2026-02-15T00:00", "working_days", 1),
    Case("extension_request", "2026-03-01T00:00", "2026-02-28T00:00", "working_days", 1),
    Case("extension_request", "2026-05-12T00:00", "2026-05-10T00:00", "working_days", 1),
    Case("extension_request", "2026-05-07T00:00", "2026-05-01T00:00", "working_days", 1),
    Case("extension_request", "2026-10-09T00:00", "2026-10-01T00:00", "working_days", 1),
    Case("extension_request", "2026-10-13T00:00", "2026-10-11T00:00", "working_days", 1),
    # callback 24 clock hours after the result (第二十五条, A18)
    Case("callback", "2026-01-01T09:30", "2026-01-02T09:30", "hours", 24, "TJ-88908890 第二十五条"),
    Case("callback", "2026-09-30T15:00", "2026-10-01T15:00", "hours", 24),
    Case("callback", "2026-12-31T12:00", "2027-01-01T12:00", "hours", 24),
    # an answer not settled during the call: 1 clock hour (第十七条)
    Case("deferred_answer", "2026-01-01T23:30", "2026-01-02T00:30", "hours", 1,
         "TJ-88908890 第十七条"),
    Case("kb_update", "2026-09-30T15:00", None, "none"),
    Case("reminder", "2026-09-30T15:00", None, "none"),
    Case("event_report", "2026-09-30T15:00", None, "none"),
    Case("event_followup", "2026-09-30T15:00", None, "none"),
    Case("evaluation", "2026-09-30T15:00", None, "at_once", basis="TJ-88908890 第二十五条"),
    Case("filing", "2026-09-30T15:00", None, "none"),
)
# fmt: on


@pytest.mark.req("SLA-3")
@pytest.mark.parametrize("case", TJ)
def test_tianjin_88908890_clocks(case: Case) -> None:
    """SLA-3: TJ-88908890 2 / 7 working days, 24-hour callback, and its other clocks."""
    check("tianjin-88908890", case)


# -- Qilihe 96881 ---------------------------------------------------------------------------

# fmt: off
QLH = cases(
    Case("dispatch", "2026-09-30T15:00", None, "none"),
    Case("sign_for", "2026-09-30T15:00", None, "none"),
    Case("first_contact", "2026-09-30T15:00", None, "none"),
    # 应急类 the same day; 咨询/求助 5 WD; 建议批评/投诉举报 15 WD, "次日起" (五(四))
    Case("reply", "2026-01-01T10:00", "2026-01-02T00:00", "same_day", None, "QLH-96881 五(四)",
         category="help", urgent=True),
    Case("reply", "2026-10-03T22:15", "2026-10-04T00:00", "same_day", None, category="complaint",
         urgent=True),
    Case("reply", "2025-12-31T10:00", "2026-01-09T00:00", "working_days", 5, "QLH-96881 五(四)",
         category="consultation"),
    Case("reply", "2026-02-13T10:00", "2026-03-13T00:00", "working_days", 15, category="complaint"),
    Case("reply", "2026-05-08T10:00", "2026-05-15T00:00", "working_days", 5, category="help"),
    Case("reply", "2026-09-24T10:00", "2026-10-10T00:00", "working_days", 5,
         category="consultation"),
    Case("reply", "2026-09-30T10:00", "2026-10-28T00:00", "working_days", 15, category="criticism"),
    Case("reply", "2026-09-30T10:00", "2026-10-28T00:00", "working_days", 15, category="report",
         complex=True),
    Case("reply", "2026-12-31T10:00", "2027-01-23T00:00", "working_days", 15,
         category="suggestion", provisional=True),
    Case("reply", "2026-09-30T10:00", None, "none", category="praise"),
    # return: "次日起2日内", calendar days moved off a rest day (五(二), A5)
    Case("return", "2025-12-31T10:00", "2026-01-05T00:00", "calendar_days", 2, "QLH-96881 五(二)"),
    Case("return", "2026-01-03T10:00", "2026-01-06T00:00", "calendar_days", 2),
    Case("return", "2026-02-12T10:00", "2026-02-15T00:00", "calendar_days", 2),
    Case("return", "2026-02-13T10:00", "2026-02-25T00:00", "calendar_days", 2),
    Case("return", "2026-04-28T10:00", "2026-05-01T00:00", "calendar_days", 2),
    Case("return", "2026-04-29T10:00", "2026-05-07T00:00", "calendar_days", 2),
    Case("return", "2026-04-30T10:00", "2026-05-07T00:00", "calendar_days", 2),
    Case("return", "2026-05-07T10:00", "2026-05-10T00:00", "calendar_days", 2),
    Case("return", "2026-09-18T10:00", "2026-09-21T00:00", "calendar_days", 2),
    Case("return", "2026-09-23T10:00", "2026-09-29T00:00", "calendar_days", 2),
    Case("return", "2026-09-30T10:00", "2026-10-09T00:00", "calendar_days", 2),
    Case("return", "2026-10-08T10:00", "2026-10-11T00:00", "calendar_days", 2),
    Case("return", "2026-12-29T10:00", "2027-01-01T00:00", "calendar_days", 2),
    Case("return", "2026-12-30T10:00", "2027-01-05T00:00", "calendar_days", 2, provisional=True),
    # extension: any time before expiry (五(四), A6)
    Case("extension_request", "2026-05-12T00:00", "2026-05-12T00:00", "working_days", 0,
         "QLH-96881 五(四)"),
    Case("callback", "2026-09-30T15:00", None, "none",
         basis="QLH-96881 五(五) (定期抽查回访,未规定时限)"),
    Case("deferred_answer", "2026-09-30T15:00", None, "none"),
    Case("kb_update", "2026-09-30T15:00", None, "none"),
    # reminder notice: 2 WD (A16, no basis in the seed)
    Case("reminder", "2025-12-31T10:00", "2026-01-06T00:00", "working_days", 2),
    Case("reminder", "2026-02-14T10:00", "2026-02-26T00:00", "working_days", 2),
    Case("reminder", "2026-10-09T10:00", "2026-10-13T00:00", "working_days", 2),
    Case("event_report", "2026-09-30T15:00", None, "none"),
    Case("event_followup", "2026-09-30T15:00", None, "none"),
    Case("evaluation", "2026-09-30T15:00", None, "none"),
    # the completed slip goes back the same day as the reply (五(四))
    Case("filing", "2026-01-03T18:00", "2026-01-04T00:00", "same_day", None, "QLH-96881 五(四)"),
    Case("filing", "2026-05-09T10:00", "2026-05-10T00:00", "same_day"),
)
# fmt: on


@pytest.mark.req("SLA-4")
@pytest.mark.parametrize("case", QLH)
def test_qilihe_96881_clocks(case: Case) -> None:
    """SLA-4: QLH-96881 same day / 5 / 15 working days, the 2-day return window, and more."""
    check("qilihe-96881", case)


# -- Zhejiang 96345 ---------------------------------------------------------------------------

ZJ = cases(
    *(Case(clock, "2026-09-30T15:00", None, "none") for clock in CLOCKS if clock != "reply"),
    *(
        Case(
            "reply",
            "2026-09-30T15:00",
            None,
            "none",
            basis="ZJ-96345 第三十九条 (无统一时限,以加盟协议为准,解读A31)",
            category=c,
        )
        for c in (
            "consultation",
            "help",
            "complaint",
            "report",
            "suggestion",
            "criticism",
            "praise",
        )
    ),
)


@pytest.mark.req("A31")
@pytest.mark.parametrize("case", ZJ)
def test_zhejiang_96345_has_no_default_deadlines(case: Case) -> None:
    """A31: ZJ sets no numeric limit; deadlines come only from franchise agreements."""
    check("zhejiang-96345", case)


# -- national-12345 (our reading of common practice) -----------------------------------------

# fmt: off
NAT = cases(
    Case("dispatch", "2026-01-03T11:00", "2026-01-05T00:00", "working_days", 1),
    Case("dispatch", "2026-01-03T11:00", None, "at_once", urgent=True),
    Case("sign_for", "2026-01-04T10:00", "2026-01-06T00:00", "working_days", 1),
    Case("first_contact", "2026-02-23T09:00", "2026-02-25T00:00", "working_days", 1),
    Case("first_contact", "2026-05-05T09:00", "2026-05-07T00:00", "working_days", 1),
    # consultation 2, help 5, complaint / report / suggestion / criticism 15
    Case("reply", "2026-01-01T08:00", "2026-01-06T00:00", "working_days", 2, "NAT-12345 通行做法",
         category="consultation"),
    Case("reply", "2026-02-20T08:00", "2026-03-01T00:00", "working_days", 5, category="help"),
    Case("reply", "2026-04-30T10:00", "2026-05-26T00:00", "working_days", 15, category="complaint"),
    Case("reply", "2026-09-30T15:00", "2026-10-10T00:00", "working_days", 2,
         category="consultation"),
    Case("reply", "2026-09-30T15:00", "2026-10-14T00:00", "working_days", 5, category="help",
         complex=True),
    Case("reply", "2026-09-30T15:00", "2026-10-28T00:00", "working_days", 15, category="report"),
    Case("reply", "2026-12-31T15:00", "2027-01-23T00:00", "working_days", 15, category="criticism",
         provisional=True),
    Case("reply", "2026-09-30T15:00", None, "none", category="praise"),
    Case("return", "2026-09-30T15:00", None, "none"),
    Case("extension_request", "2026-10-14T00:00", "2026-10-14T00:00", "working_days", 0),
    # callback within 2 WD of the reply
    Case("callback", "2026-01-02T15:00", "2026-01-06T00:00", "working_days", 2),
    Case("callback", "2026-02-13T20:00", "2026-02-25T00:00", "working_days", 2),
    Case("callback", "2026-05-01T10:00", "2026-05-08T00:00", "working_days", 2),
    Case("callback", "2026-10-07T10:00", "2026-10-10T00:00", "working_days", 2),
    Case("deferred_answer", "2026-09-30T15:00", None, "none"),
    Case("kb_update", "2025-12-31T09:00", "2026-01-09T00:00", "working_days", 5),
    Case("reminder", "2026-09-30T09:00", "2026-10-10T00:00", "working_days", 2),
    Case("event_report", "2026-09-30T15:00", None, "none"),
    Case("event_followup", "2026-09-30T15:00", None, "none"),
    Case("evaluation", "2026-09-30T15:00", None, "none"),
    Case("filing", "2026-09-30T15:00", None, "none"),
)
# fmt: on


@pytest.mark.req("SLA-1")
@pytest.mark.parametrize("case", NAT)
def test_national_12345_clocks(case: Case) -> None:
    """SLA-1: the default profile: 1 WD sign-for and first contact, 2/5/15 WD replies."""
    check("national-12345", case)


def test_the_tables_cover_every_clock_of_every_profile() -> None:
    covered = {
        (profile, param.values[0].clock)  # type: ignore[attr-defined]
        for profile, table in (
            ("shanghai-962200", SH),
            ("tianjin-88908890", TJ),
            ("qilihe-96881", QLH),
            ("zhejiang-96345", ZJ),
            ("national-12345", NAT),
        )
        for param in table
    }
    assert covered == {(p, c) for p in available_profiles() for c in CLOCKS}


# -- the contract ---------------------------------------------------------------------------


@pytest.mark.req("SLA-2")
def test_the_answer_serialises_to_the_contract() -> None:
    """SLA-2: the issue's example answer, key for key."""
    answer = deadline_answer(
        profile="shanghai-962200",
        clock="reply",
        category="help",
        start="2026-09-30T15:00:00+08:00",
        calendar=CAL,
    )
    assert json.loads(answer.to_json()) == {
        "due_at": "2026-10-14T00:00:00+08:00",
        "provisional": False,
        "basis": "SH-962200 第十一条(二)",
        "unit": "working_days",
        "length": 5,
    }
    assert answer.to_text() == "2026-10-14T00:00:00+08:00"
    assert answer.display == "2026-10-13 24:00"
    assert answer.actor == "unit"
    assert answer.starts == "receipt"


@pytest.mark.req("A9")
def test_no_limit_prints_none() -> None:
    """A9: Tianjin first contact "第一时间" has no due instant."""
    answer = deadline_answer(
        profile="tianjin-88908890",
        clock="first_contact",
        start="2026-09-30T15:00:00+08:00",
        calendar=CAL,
    )
    assert answer.to_text() == "none"
    assert answer.as_dict()["due_at"] is None


def test_start_may_be_a_datetime_in_any_zone() -> None:
    answer = deadline_answer(
        profile="shanghai-962200",
        clock="reply",
        category="help",
        start=datetime(2026, 9, 30, 7, 0, tzinfo=UTC),
        calendar=CAL,
    )
    assert answer.to_text() == "2026-10-14T00:00:00+08:00"


@pytest.mark.req("A28")
def test_overrides_reach_the_calculator() -> None:
    """A28: a local rest day on Friday 9 October moves the SH reply to 14 October 24:00."""
    calendar = WorkCalendar({date(2026, 10, 9): False})
    answer = deadline_answer(
        profile="shanghai-962200",
        clock="reply",
        category="help",
        start="2026-09-30T15:00:00+08:00",
        calendar=calendar,
    )
    assert answer.to_text() == "2026-10-15T00:00:00+08:00"


@pytest.mark.req("A8")
def test_a_statutory_limit_replaces_the_profile_limit() -> None:
    """A8: the override's basis is reported, whether longer or shorter."""
    answer = deadline_answer(
        profile="shanghai-962200",
        clock="reply",
        category="help",
        start="2026-09-30T15:00:00+08:00",
        calendar=CAL,
        limit_override=Limit(Unit.WORKING_DAYS, 3, "部门承诺 3个工作日"),
    )
    assert answer.as_dict() == {
        "due_at": "2026-10-11T00:00:00+08:00",
        "provisional": False,
        "basis": "部门承诺 3个工作日",
        "unit": "working_days",
        "length": 3,
    }


def test_the_category_may_be_left_out_where_the_limit_does_not_depend_on_it() -> None:
    answer = deadline_answer(
        profile="shanghai-962200", clock="reply", start="2026-09-30T15:00:00+08:00", calendar=CAL
    )
    assert answer.to_text() == "2026-10-14T00:00:00+08:00"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"profile": "beijing-12345"}, "unknown_profile"),
        ({"profile": "../etc/passwd"}, "unknown_profile"),
        ({"clock": "lunch"}, "unknown_clock"),
        ({"category": "gossip"}, "unknown_category"),
        ({"start": "2026-09-30T15:00:00"}, "naive_start"),
        ({"start": datetime(2026, 9, 30, 15, 0)}, "naive_start"),  # noqa: DTZ001
        ({"start": "30/09/2026 15:00"}, "invalid_start"),
        ({"profile": "tianjin-88908890", "category": None}, "missing_category"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs: dict[str, object], code: str) -> None:
    arguments: dict[str, object] = {
        "profile": "shanghai-962200",
        "clock": "reply",
        "category": "help",
        "start": "2026-09-30T15:00:00+08:00",
        "calendar": CAL,
    }
    arguments.update(kwargs)
    with pytest.raises(PolicyInputError) as caught:
        deadline_answer(**arguments)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert "\n" not in caught.value.message
    assert caught.value.as_dict() == {"code": code, "message": caught.value.message}
