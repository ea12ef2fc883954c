"""No rule is data only (issue 12): every field of the profile schema is read by code, or is
listed with the reason it needs none; and docs/profile-rules.md says who applies each rule."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from hotline.policy import rulemap

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "hotline"


def _source(reader: str) -> str:
    if reader.startswith("template:"):
        return (SRC / reader.removeprefix("template:")).read_text(encoding="utf-8")
    module_name, _, attr = reader.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr)
    if callable(value):
        return "\n".join(_function_sources(value, depth=3))
    return repr(value)


def _function_sources(value: object, depth: int) -> list[str]:
    """Return the source of *value* and of the functions a decorator closed over (views)."""
    sources = [inspect.getsource(value)]  # type: ignore[arg-type]
    if depth:
        inner = [getattr(value, "__wrapped__", None)]
        inner += [c.cell_contents for c in getattr(value, "__closure__", None) or ()]
        for item in inner:
            if inspect.isfunction(item):
                sources += _function_sources(item, depth - 1)
    return sources


@pytest.mark.req("SCOPE-4")
def test_every_field_of_the_profile_schema_is_applied_or_listed_with_a_reason() -> None:
    """SCOPE-4, issue 12: walk every clock, option and list of the schema; a field that no
    code reads fails unless listed with its reason (a citation, a label) or its open issue."""
    paths = rulemap.schema_paths()
    assert "clocks.return" in paths and "return.ground_required" in paths
    assert "scope.not_accepted[].referral" in paths
    unlisted = [p for p in paths if rulemap.classify(p) is None]
    assert unlisted == [], f"data only, applied by nothing: {unlisted}"


@pytest.mark.parametrize("pattern", sorted(rulemap.APPLIED))
def test_each_reader_named_really_reads_its_rule(pattern: str) -> None:
    """The reader named for a rule exists, lives outside policy/profiles.py, and its source
    mentions the field (so renaming either breaks this test, not the rule silently)."""
    reader, token, _where = rulemap.APPLIED[pattern]
    assert not reader.startswith("hotline.policy.profiles")
    assert token in _source(reader), f"{reader} does not read {pattern} ({token!r})"


def test_every_listed_pattern_covers_some_field() -> None:
    """No stale entries: each pattern of each list matches a field of the schema."""
    paths = rulemap.schema_paths()
    tables = (rulemap.APPLIED, rulemap.NOT_CODE, rulemap.LATER)
    for table in tables:
        for pattern in table:
            probe = {pattern: table[pattern]}
            assert any(rulemap.fnmatchcase(p, pattern.replace("[]", "[[]]")) for p in paths), (
                f"{pattern} matches no field ({probe})"
            )


def test_the_generated_table_is_current() -> None:
    """docs/profile-rules.md is generated: ``python -m hotline.policy.rulemap``."""
    text = (ROOT / "docs" / "profile-rules.md").read_text(encoding="utf-8")
    assert text == rulemap.render_markdown(), (
        "docs/profile-rules.md is stale: run "
        "`python -m hotline.policy.rulemap > docs/profile-rules.md`"
    )
