"""Policy profiles: all five load, cite their articles, and carry each regulation's lists."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hotline.policy.profiles import (
    CATEGORIES,
    CLOCKS,
    DEFAULT_PROFILE,
    POLICIES_DIR,
    Profile,
    ProfileError,
    UnknownProfile,
    available_profiles,
    load_profile,
    load_profile_file,
)
from hotline.policy.sla import Unit

PROFILES = (
    "national-12345",
    "qilihe-96881",
    "shanghai-962200",
    "tianjin-88908890",
    "zhejiang-96345",
)


@pytest.mark.req("SCOPE-4")
def test_all_five_profiles_load() -> None:
    """SCOPE-4: one file per regulation, and the default exists."""
    assert tuple(available_profiles()) == PROFILES
    assert DEFAULT_PROFILE in PROFILES
    for name in PROFILES:
        profile = load_profile(name)
        assert profile.name == name
        assert set(profile.clocks) == set(CLOCKS)
        assert set(profile.categories) == set(CATEGORIES)
        assert 0 < profile.profile.warning_share < 1


def test_profiles_are_cached() -> None:
    assert load_profile("shanghai-962200") is load_profile("shanghai-962200")


@pytest.mark.req("SLA-1")
@pytest.mark.parametrize("name", PROFILES)
def test_every_rule_cites_its_regulation(name: str) -> None:
    """SLA-1: each rule carries a basis that starts with the regulation's citation."""
    profile = load_profile(name)
    for key, rule in profile.rules():
        assert rule.basis.startswith(profile.profile.citation), key


def test_the_default_says_it_is_our_reading() -> None:
    """The national profile states that it is our reading of common local practice."""
    profile = load_profile("national-12345")
    assert "解读" in profile.profile.reading
    text = (POLICIES_DIR / "national-12345.toml").read_text(encoding="utf-8")
    assert "OUR READING OF COMMON LOCAL 12345 PRACTICE" in text


def codes(profile: Profile) -> dict[str, tuple[str, ...]]:
    return {item.code: item.referral for item in profile.scope.not_accepted}


@pytest.mark.req("SCOPE-2")
def test_shanghai_not_accepted_reasons_follow_article_7() -> None:
    """SCOPE-2, A34: SH 第七条 named procedures, the "等" code, and the emergency lines."""
    profile = load_profile("shanghai-962200")
    reasons = codes(profile)
    assert reasons["emergency"] == ("110", "119", "120")
    assert {
        "litigation",
        "arbitration",
        "administrative_approval",
        "administrative_penalty",
        "administrative_review",
        "petition_review",
        "information_disclosure",
        "other_legal_procedure",
        "secrets_privacy",
        "military",
        "unlawful_or_immoral",
    } <= set(reasons)
    other = next(i for i in profile.scope.not_accepted if i.code == "other_legal_procedure")
    assert other.requires_note
    assert profile.scope.open_ended
    assert [i.basis for i in profile.scope.navigation_only] == [
        "SH-962200 第八条(一)",
        "SH-962200 第八条(二)",
        "SH-962200 第八条(三)",
    ]


@pytest.mark.req("SCOPE-2")
def test_tianjin_not_accepted_reasons_follow_article_6() -> None:
    """SCOPE-2, A34: TJ 第六条 (一)-(四), the legal procedures split into codes."""
    profile = load_profile("tianjin-88908890")
    reasons = codes(profile)
    assert reasons["emergency"] == ("110", "119", "120")
    assert set(reasons) == {
        "emergency",
        "civil_dispute",
        "litigation",
        "arbitration",
        "administrative_review",
        "petition_review",
        "other_legal_procedure",
        "military",
    }
    assert len(profile.scope.accepted) == 5
    assert profile.review.required


@pytest.mark.req("SCOPE-2")
def test_qilihe_not_accepted_reasons_follow_section_3() -> None:
    """SCOPE-2, A12: QLH 三 (一)-(八); emergencies go to 110 and 122."""
    profile = load_profile("qilihe-96881")
    reasons = codes(profile)
    assert reasons["emergency"] == ("110", "122")
    assert "unit_not_joined" in reasons
    assert "other_legal_procedure" not in reasons  # 三(六) is a closed list
    assert not profile.scope.open_ended
    assert [g.text for g in profile.returns.grounds] == [
        "不属于本部门、本单位管辖的",
        "应由其他部门、单位主办的",
    ]
    assert profile.returns.requires_basis


@pytest.mark.req("HANDLE-5")
def test_extension_rules_differ_by_regulation() -> None:
    """HANDLE-5, A6, T7: who tells the citizen, and SH has no extensions at all."""
    assert load_profile("tianjin-88908890").extension.tells_citizen == "centre"
    assert load_profile("qilihe-96881").extension.tells_citizen == "unit"
    assert load_profile("qilihe-96881").extension.requires_basis
    assert not load_profile("shanghai-962200").extension.allowed


@pytest.mark.req("CALLBACK-1")
def test_callback_modes() -> None:
    """CALLBACK-1, readings C1: every ticket / monthly share / sampling / feedback sheet."""
    assert load_profile("tianjin-88908890").callback.mode == "every_ticket"
    assert load_profile("tianjin-88908890").callback.direct_answers == "evaluate_at_once"
    shanghai = load_profile("shanghai-962200").callback
    assert shanghai.mode == "monthly_share"
    assert shanghai.supervised_always
    assert load_profile("qilihe-96881").callback.mode == "periodic_sample"
    assert load_profile("zhejiang-96345").callback.mode == "feedback_sheet"
    assert load_profile("national-12345").callback.mode == "every_ticket"


@pytest.mark.req("SUPERVISE-2")
def test_shanghai_supervision_owners() -> None:
    """SUPERVISE-2, W2, V1: types 1-3 to 管理办公室 in writing, 4-5 to 市局办公室."""
    triggers = {t.code: t for t in load_profile("shanghai-962200").supervision.triggers}
    for code in ("overdue", "defective_handling", "dissatisfied_repeat"):
        assert triggers[code].owner == "管理办公室"
        assert triggers[code].written_explanation
        assert triggers[code].time_limited
    for code in ("hotline_12345_review", "leader_instruction"):
        assert triggers[code].owner == "市局办公室"
        assert not triggers[code].written_explanation
    assert triggers["dissatisfied_repeat"].min_repeat_calls == 3


@pytest.mark.req("SUPERVISE-1")
def test_qilihe_reminder_notice() -> None:
    """SUPERVISE-1, A16: a reason reported or an extension asked stops the 催办."""
    reminder = load_profile("qilihe-96881").reminder
    assert reminder.enabled
    assert set(reminder.stops_on) == {"reason_reported", "extension_requested"}
    assert reminder.escalate_to == "区委区政府督查小组"


@pytest.mark.req("SLA-4")
def test_qilihe_same_day_soft_target() -> None:
    """SLA-4, A33: "能当天答复的当天答复" is a soft target, not the binding limit."""
    clock = load_profile("qilihe-96881").clock("reply")
    rule = clock.rule_for("consultation_help", complex=False, urgent=False)
    assert rule is not None
    assert rule.unit is Unit.WORKING_DAYS
    assert rule.soft_target is not None
    assert rule.soft_target.unit is Unit.SAME_DAY


# -- validation errors name the file, the key and the problem --------------------------------


def write_variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (POLICIES_DIR / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            'length = 5\nbasis = "SH-962200 第十一条(二)"',
            'length = -5\nbasis = "SH-962200 第十一条(二)"',
            "clocks.reply.rules[2].length",
            "greater than or equal to 0",
        ),
        (
            'unit = "minutes"',
            'unit = "fortnights"',
            "clocks.event_report.rules[0].unit",
            "Input should be",
        ),
        (
            'basis = "SH-962200 第十四条"',
            'basis = "第十四条"',
            "clocks.kb_update.rules[0].basis",
            "must cite the regulation",
        ),
        (
            'when = { groups = ["unregulated"] }',
            'when = { groups = ["unregulatd"] }',
            "clocks.reply.rules[0].when.groups",
            "unknown group 'unregulatd'",
        ),
        ("warning_share = 0.25", "warning_share = 1.5", "profile.warning_share", "less than 1"),
        ("[categories.praise]", "[categories.applause]", "categories.applause", "Input should be"),
        (
            'referral = ["110", "119", "120"]\n',
            "",
            "scope.not_accepted[8]",
            "referral numbers",
        ),
        ('name = "shanghai-962200"', 'name = "shanghai"', "profile.name", "but the file is"),
        ("[clocks.filing]", "[clocks.filling]", "clocks.filling", "Input should be"),
        (
            'unit = "none"\nbasis = "SH-962200 第十三条',
            'unit = "none"\nlength = 3\nbasis = "SH-962200 第十三条',
            "clocks.callback.rules[0]",
            "takes no length",
        ),
    ],
)
def test_errors_name_the_file_the_key_and_the_problem(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = write_variant(tmp_path, "shanghai-962200", old, new)
    with pytest.raises(ProfileError) as caught:
        load_profile_file(path)
    message = str(caught.value)
    line = next(line for line in message.splitlines() if key in line)
    assert line.startswith("shanghai-962200.toml: ")
    assert problem in line


def test_a_missing_clock_is_named(tmp_path: Path) -> None:
    text = (POLICIES_DIR / "zhejiang-96345.toml").read_text(encoding="utf-8")
    start = text.index("[clocks.filing]")
    end = text.index("# ----", start)
    path = tmp_path / "zhejiang-96345.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ProfileError, match=r"zhejiang-96345\.toml: clocks\.filing: missing"):
        load_profile_file(path)


def test_a_toml_syntax_error_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[profile\nname = 1\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"^broken\.toml: TOML syntax error"):
        load_profile_file(path)


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(UnknownProfile, match="beijing-12345"):
        load_profile("beijing-12345")
    with pytest.raises(UnknownProfile):
        load_profile("../policies/shanghai-962200")


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_file_is_plain_toml(name: str) -> None:
    data = tomllib.loads((POLICIES_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    assert data["profile"]["name"] == name
