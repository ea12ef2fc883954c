"""Two ``hotline worker`` processes on one Redis queue (README "Production").

One runs the periodic schedule, the other ``--no-periodic``. Every queued task is done exactly
once, the periodic jobs run once per minute, and ``kill -9`` of a worker in the middle of the
work loses nothing: what was still queued is done by the other worker, and a task the killed
worker had taken off the queue is found undone in the database and queued again (the queue
itself has no acknowledgement, see docs/deploy.md "What a killed worker loses").
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import HOTLINE, Processes, base_env


def _beats(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select worker, beats from core_workerheartbeat").fetchall())


def _done_by(db: Path, worker: str) -> int:
    with sqlite3.connect(db) as conn:
        sql = "select count(*) from core_queueprobe where worker = ?"
        return int(conn.execute(sql, (worker,)).fetchone()[0])


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_on_redis_do_each_task_once_and_survive_kill_9(
    tmp_path, redis_url, migrated_sqlite, procs: Processes
):
    if os.environ.get("HOTLINE_DATABASE_URL"):
        pytest.skip("runs once, in the SQLite pass of make test (the queue is what it tests)")
    var = tmp_path / "var"
    var.mkdir()
    db = var / "hotline.sqlite3"
    shutil.copy(migrated_sqlite, db)
    env = base_env(HOTLINE_VAR_DIR=str(var), HOTLINE_REDIS_URL=redis_url)

    procs.start("scheduler", [*HOTLINE, "worker", "--workers", "2"], env)
    procs.start("extra", [*HOTLINE, "worker", "--workers", "2", "--no-periodic"], env)
    # Each worker beats once on start (its heartbeat row appears).
    _wait(lambda: len(_beats(db)) == 2, 60, "both workers to start")
    first = "Enqueueing periodic task hotline.core.tasks.heartbeat:"
    _wait(lambda: first in procs.log("scheduler"), 30, "the first periodic run")
    scheduled = time.monotonic()  # the scheduler's next look is 60 s after its first

    # 1. Every queued task done exactly once, by both workers.
    out = procs.run([*HOTLINE, "worker-check", "--tasks", "40", "--sleep", "0.05"], env)
    status = json.loads(out.strip().splitlines()[-1])
    assert status["complete"] and status["done"] == 40 and status["counted_twice"] == 0
    assert len(status["workers"]) == 2, status

    # 2. kill -9 of the extra worker while it works: nothing is lost, nothing counted twice.
    extra = f"{socket.gethostname()}:{procs.procs['extra'].pid}"
    already = _done_by(db, extra)
    check_args = ["--tasks", "60", "--sleep", "0.1", "--redo-after", "20", "--timeout", "60"]
    check = procs.start("check", [*HOTLINE, "worker-check", *check_args], env)
    _wait(lambda: _done_by(db, extra) >= already + 4, 60, "the extra worker to take probes")
    procs.kill("extra")
    assert check.wait(timeout=90) == 0, procs.log("check")
    status = json.loads(procs.log("check").strip().splitlines()[-1])
    assert status["done"] == 60 and status["counted_twice"] == 0, status
    # The probes the killed worker had taken off the queue were found undone and queued
    # again (at most one per worker thread); the rest of the queue was done by the scheduler.
    assert status["requeued"] <= 2, status
    assert status["workers"].get(extra, 0) >= 4, status
    assert len(status["workers"]) == 2, status

    # 3. The periodic schedule: the scheduler enqueues the due jobs when it starts and every
    #    60 s after; each job runs once per period, on whichever worker takes it, and the extra
    #    worker never schedules. Count over the first 64 s: two periods.
    time.sleep(max(0.0, scheduled + 64 - time.monotonic()))
    logs = procs.log("scheduler") + procs.log("extra")
    for job in ("hotline.core.tasks.heartbeat", "hotline.tickets.tasks.sweep_deadlines"):
        assert procs.log("scheduler").count(f"Enqueueing periodic task {job}:") == 2, job
        assert logs.count(f"Executing {job}:") == 2, job
    assert "Periodic tasks are disabled" in procs.log("extra")
    assert "Enqueueing periodic task" not in procs.log("extra")
