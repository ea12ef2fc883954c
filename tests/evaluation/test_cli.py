"""``hotline evaluation score FILE.json``: the issue 17 contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.evaluation.standard import shipped_standard

ROOT = Path(__file__).resolve().parents[2]


def _findings(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _full() -> dict[str, float]:
    return {k: float(v.points) for k, v in shipped_standard().second_level().items()}


@pytest.mark.req("EVAL-2")
def test_score_prints_the_breakdown_with_the_capped_deduction(tmp_path, capsys):
    """EVAL-2, A24: both deductions together deduct 15, not 20."""
    scores = _full() | {"1.2": 10.5, "5.2": 4}
    path = _findings(
        tmp_path,
        {
            "standard": "QP-EVAL-2022",
            "scores": scores,
            "deductions": [
                {"kind": "negative_publicity"},
                {"kind": "serious_violation"},
                {"kind": "negative_publicity"},
            ],
        },
    )
    call_command("evaluation", "score", path)
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"total", "first_level", "second_level", "deducted"}
    assert out["deducted"] == 15
    assert out["total"] == 100 - 1.5 - 1 - 15
    assert out["first_level"]["1"] == 13.5
    assert out["first_level"]["5"] == 22
    assert out["second_level"]["1.2"] == 10.5


@pytest.mark.req("EVAL-1")
def test_a_score_above_the_indicators_points_exits_2_naming_it(tmp_path):
    path = _findings(tmp_path, {"standard": "QP-EVAL-2022", "scores": {"1.1": 4.5}})
    with pytest.raises(CommandError, match=r"1\.1.*above the indicator's 3 points") as exc:
        call_command("evaluation", "score", path)
    assert exc.value.returncode == 2


@pytest.mark.req("EVAL-2")
@pytest.mark.parametrize(
    "data",
    [
        {"standard": "QP-EVAL-2099", "scores": {}},
        {"standard": "QP-EVAL-2022", "scores": {}, "deductions": [{"kind": "late"}]},
        {"standard": "QP-EVAL-2022", "scores": [1, 2]},
    ],
)
def test_other_bad_findings_exit_2(db, tmp_path, data):
    with pytest.raises(CommandError) as exc:
        call_command("evaluation", "score", _findings(tmp_path, data))
    assert exc.value.returncode == 2


@pytest.mark.req("EVAL-1")
def test_the_console_script_exits_2_and_prints_json(tmp_path):
    """The real ``hotline`` entry point: JSON on stdout, exit 2 and the indicator on stderr."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    env.pop("HOTLINE_DATABASE_URL", None)
    cmd = [sys.executable, "-c", "from hotline.cli import main; main()", "evaluation", "score"]
    good = _findings(tmp_path, {"standard": "QP-EVAL-2022", "scores": {"2.1": 19.5}})
    done = subprocess.run([*cmd, good], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 19.5
    (tmp_path / "bad.json").write_text('{"scores": {"6.1": 5}}', encoding="utf-8")
    done = subprocess.run(
        [*cmd, str(tmp_path / "bad.json")], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "6.1" in done.stderr
