"""The scoring standard as data (EVAL-1, readings §1.8) and its arithmetic (EVAL-2, A23, A24).

Pure: no database."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from hotline.evaluation.standard import (
    SHIPPED_DIR,
    StandardError,
    deduction_total,
    score_breakdown,
    shipped_standard,
    standard_parse,
)

_REPO = Path(__file__).resolve().parents[2]
#: The spec sits in ``../shared`` beside the checkout (or one level up for a worktree).
SPEC = next(
    (
        p / "shared" / "spec" / "qp-eval-standard.yaml"
        for p in (_REPO.parent, _REPO.parent.parent)
        if (p / "shared" / "spec" / "qp-eval-standard.yaml").exists()
    ),
    _REPO.parent / "shared" / "spec" / "qp-eval-standard.yaml",
)


def _raw() -> dict:
    return yaml.safe_load((SHIPPED_DIR / "QP-EVAL-2022.yaml").read_text(encoding="utf-8"))


def _full() -> dict[str, Decimal]:
    return {k: v.points for k, v in shipped_standard().second_level().items()}


@pytest.mark.req("EVAL-1")
def test_the_shipped_2022_standard_has_seven_first_level_22_second_level_and_47_clauses():
    """EVAL-1, readings §1.8: 15+30+9+10+23+6+7 = 100, 22 second-level indicators, 47 clauses."""
    std = shipped_standard("QP-EVAL-2022")
    assert [(f.id, f.points) for f in std.indicators] == [
        ("1", 15),
        ("2", 30),
        ("3", 9),
        ("4", 10),
        ("5", 23),
        ("6", 6),
        ("7", 7),
    ]
    assert len(std.second_level()) == 22
    assert sum(len(s.clauses) for s in std.second_level().values()) == 47
    assert std.second_level()["2.1"].points == 20
    assert std.year == 2022


@pytest.mark.req("EVAL-1")
def test_the_shipped_copy_is_the_spec_file():
    """EVAL-1: the package ships the transcription of seed 004 unchanged."""
    if not SPEC.exists():
        pytest.skip("the shared spec is not beside this checkout")
    assert (SHIPPED_DIR / "QP-EVAL-2022.yaml").read_bytes() == SPEC.read_bytes()


@pytest.mark.req("EVAL-1")
def test_twelve_second_level_indicators_are_their_own_clause():
    """Readings §1.8: 2.2, 2.3, 2.4, 2.5, 4.1, 4.3, 4.4, 5.4, 6.2, 7.1, 7.2, 7.3."""
    own = [s.id for s in shipped_standard().second_level().values() if s.clauses[0].id == s.id]
    assert own == [
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "4.1",
        "4.3",
        "4.4",
        "5.4",
        "6.2",
        "7.1",
        "7.2",
        "7.3",
    ]


@pytest.mark.req("EVAL-1")
def test_a_clause_with_points_is_refused_naming_the_clause():
    """Readings §1.8: points only at the first two levels."""
    data = _raw()
    data["standard"]["indicators"][0]["children"][1]["clauses"][0]["points"] = 2
    with pytest.raises(StandardError, match=r"^1\.2\.1: clauses carry no points") as exc:
        standard_parse(data)
    assert exc.value.where == "1.2.1"


@pytest.mark.req("EVAL-1")
def test_the_page_break_header_at_5_2_1_counts_once():
    """Readings §1.8: "运行保障(23分)" repeated at 5.2.1 is a page-break header, not 23 more
    points: a transcription that repeats first-level 5 is refused, naming it."""
    data = _raw()
    five = copy.deepcopy(data["standard"]["indicators"][4])
    five["children"] = [c for c in five["children"] if c["id"] != "5.1"]
    data["standard"]["indicators"].insert(5, five)
    with pytest.raises(StandardError, match=r"^5: appears twice \(a repeated table header"):
        standard_parse(data)


@pytest.mark.req("EVAL-1")
def test_second_level_points_must_add_up_to_their_first_level():
    data = _raw()
    data["standard"]["indicators"][4]["children"][1]["points"] = 6  # 5.2: 5 → 6
    with pytest.raises(StandardError, match=r"^5: second-level points add up to 24, not the 23"):
        standard_parse(data)


@pytest.mark.req("EVAL-1")
def test_first_level_points_must_add_up_to_the_total():
    data = _raw()
    data["standard"]["total_points"] = 110
    with pytest.raises(
        StandardError, match="first-level points add up to 100, not total_points 110"
    ):
        standard_parse(data)


@pytest.mark.req("EVAL-1")
@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("indicators", 0, "children", 0, "clauses", 0, "text"), "", "1.1.1"),
        (("indicators", 0, "children", 0, "clauses", 1, "id"), "1.2.9", "1.2.9"),
        (("indicators", 1, "children", 1, "id"), "3.7", "3.7"),
    ],
)
def test_errors_name_the_clause(path, value, where):
    data = _raw()
    node = data["standard"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(StandardError) as exc:
        standard_parse(data)
    assert exc.value.where == where
    assert str(exc.value).startswith(f"{where}: ")


@pytest.mark.req("EVAL-2")
@pytest.mark.parametrize(
    ("kinds", "deducted"),
    [
        ([], 0),
        (["negative_publicity"], 5),
        (["negative_publicity", "negative_publicity", "negative_publicity"], 5),
        (["serious_violation"], 15),
        (["serious_violation", "serious_violation"], 15),
        (["negative_publicity", "serious_violation"], 15),
    ],
)
def test_deductions_are_capped_at_15_and_not_cumulative(kinds, deducted):
    """EVAL-2, A24: each item once, total min(15, sum): −5 and −15 together deduct 15."""
    assert deduction_total(shipped_standard(), kinds) == deducted


@pytest.mark.req("EVAL-2")
def test_the_total_is_never_below_zero():
    """A24: final score = max(0, raw − deduction)."""
    result = score_breakdown(shipped_standard(), {"1.1": 3, "2.2": 2}, ["serious_violation"])
    assert result.total == 0
    assert result.deducted == 15


@pytest.mark.req("EVAL-1")
def test_a_full_score_with_one_publicity_deduction_is_95():
    result = score_breakdown(shipped_standard(), _full(), ["negative_publicity"]).as_json()
    assert result["total"] == 95
    assert result["deducted"] == 5
    assert result["first_level"] == {"1": 15, "2": 30, "3": 9, "4": 10, "5": 23, "6": 6, "7": 7}
    assert result["second_level"]["5.2"] == 5
    assert set(result) == {"total", "first_level", "second_level", "deducted"}


@pytest.mark.req("EVAL-1")
def test_first_level_subtotals_are_the_sums_of_their_second_level_scores():
    """A23: no points on clauses, a first-level score is the sum of its second-level scores."""
    scores = _full() | {"5.1": Decimal("9.5"), "5.2": Decimal("4"), "5.3": Decimal("4.5")}
    result = score_breakdown(shipped_standard(), scores)
    assert result.first_level["5"] == Decimal("20")
    assert result.total == Decimal("97")


@pytest.mark.req("EVAL-1")
@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("1.1", 4.5, "1.1: the score 4.5 is above the indicator's 3 points"),
        ("1.2.1", 1, "1.2.1: is not a second-level indicator"),
        ("5", 20, "5: is a first-level indicator"),
        ("2.2", -1, "2.2: the score must be 0 or more"),
        ("2.1", 12.25, "2.1: scores are given in steps of 0.5"),
    ],
)
def test_bad_scores_are_refused_naming_the_indicator(indicator, value, message):
    with pytest.raises(StandardError) as exc:
        score_breakdown(shipped_standard(), {indicator: value})
    assert str(exc.value).startswith(message)
