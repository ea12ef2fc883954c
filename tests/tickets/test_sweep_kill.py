"""kill -9 in the middle of a sweep loses nothing and duplicates nothing (issue 5, §4).

The sweep runs in child processes against a scratch database file; the first is killed with
SIGKILL while a batch's transaction is open. Then two sweeps run at once to finish the work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("sweep_child.py")
N = 40  # deadlines, 8 batches of 5


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'sweep.sqlite3'}"
    env["HOTLINE_VAR_DIR"] = str(tmp_path)
    return env


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(CHILD), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.req("SLA-5")
def test_a_sweep_killed_mid_batch_loses_and_duplicates_nothing(tmp_path):
    env = _env(tmp_path)
    _run(env, "setup", str(N))

    child = subprocess.Popen(
        [sys.executable, str(CHILD), "sweep-slow"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "batch"  # batch 1 written, commits after pause
    assert child.stdout.readline().strip() == "batch"  # batch 2 written, not committed yet
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    half = json.loads(_run(env, "report"))
    assert half["breached"] == 5  # batch 1 committed, batch 2 rolled back
    assert half["events"] == 5

    # Two sweeps at once finish the job; nothing is handled twice.
    first = subprocess.Popen([sys.executable, str(CHILD), "sweep"], env=env)
    second = subprocess.Popen([sys.executable, str(CHILD), "sweep"], env=env)
    assert first.wait(timeout=120) == 0
    assert second.wait(timeout=120) == 0

    final = json.loads(_run(env, "report"))
    assert final == {
        "deadlines": N,
        "breached": N,
        "events": N,
        "max_events_per_deadline": 1,
        "outbox": N * 4,  # the unit and the centre, each by inbox and log
    }
