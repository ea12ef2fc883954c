"""The `hotline` console script and the API's documentation and errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotline import cli

ROOT = Path(__file__).resolve().parents[2]


def run_hotline(*args: str, env: dict[str, str] | None = None, timeout: int = 60):
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_hyphenated_commands_map_to_django_commands(monkeypatch):
    seen = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["demo-data"])
    cli.main(["migrate", "--check"])
    assert seen == [["hotline", "demo_data"], ["hotline", "migrate", "--check"]]


def test_serve_offers_host_and_port():
    result = run_hotline("serve", "--help")
    assert result.returncode == 0
    assert "--host" in result.stdout
    assert "--port" in result.stdout
    assert "gunicorn" in result.stdout


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_DATABASE_URL"}
    env["HOTLINE_VAR_DIR"] = str(tmp_path)
    return env


def test_worker_runs_and_its_heartbeat_is_recorded(sqlite_env, tmp_path):
    """`hotline worker` starts the task queue on SQLite (no server) and beats at once."""
    assert run_hotline("migrate", "-v0", env=sqlite_env).returncode == 0
    worker = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "worker"],
        env=sqlite_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        rows = []
        for _ in range(180):  # a loaded CI machine can take a while to start it
            time.sleep(0.5)
            with sqlite3.connect(tmp_path / "hotline.sqlite3") as db:
                rows = db.execute("SELECT worker, beats FROM core_workerheartbeat").fetchall()
            if rows:
                break
        assert rows, "the worker recorded no heartbeat within 90 s"
        assert (tmp_path / "tasks.sqlite3").exists()
    finally:
        worker.send_signal(2)
        worker.wait(timeout=20)
    assert worker.returncode == 0


def test_the_secret_key_is_generated_once_into_var(sqlite_env, tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {**sqlite_env, "DJANGO_SETTINGS_MODULE": "hotline.settings"}
    env.pop("HOTLINE_SECRET_KEY", None)
    first = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    second = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert first == second
    assert len(first.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_openapi_is_published(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_invalid_input_is_a_400_with_a_json_error(client, agent):
    client.force_login(agent)
    response = client.get("/api/v1/citizens/not-a-number")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"]


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}
