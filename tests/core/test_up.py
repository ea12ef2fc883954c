"""Issue 19 item 8: `hotline up` (make demo) shows a progress bar for the queued work, keeps
the worker's log out of the terminal and prints the URL and the logins last."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

from hotline.core.management.commands.up import progress_bar


def test_the_progress_bar_fills_as_work_is_done():
    assert progress_bar(0, 950, width=10) == "[..........]   0/950"
    assert progress_bar(475, 950, width=10) == "[#####.....] 475/950"
    assert progress_bar(950, 950, width=10) == "[##########] 950/950"


def test_up_shows_progress_then_the_url_and_keeps_the_worker_log_in_var_log(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_DATABASE_URL"}
    env["HOTLINE_VAR_DIR"] = str(tmp_path)
    env.pop("HOTLINE_LOG_LEVEL", None)
    run = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True)
    enqueue = (
        "import django; django.setup(); from hotline.core.tasks import heartbeat\n"
        "for _ in range(30): heartbeat()"
    )
    subprocess.run([sys.executable, "-c", enqueue], env=env, check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    up = subprocess.Popen(
        [*run, "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert up.stdout is not None
        started = time.monotonic()
        for line in up.stdout:
            lines.append(line.rstrip("\n"))
            if "Press Ctrl-C" in line or time.monotonic() - started > 120:
                break
    finally:
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=30)
        lines += rest.splitlines()
    text = "\n".join(lines)
    assert "30 tasks" in text, text
    # The bar fills: the worker's own schedule may queue a task or two while it runs (31/31).
    full = re.compile(r"\[#{30}\] (\d+)/\1$")
    bars = [i for i, line in enumerate(lines) if full.search(line)]
    assert bars and int(full.search(lines[bars[-1]]).group(1)) >= 30, text
    urls = [i for i, line in enumerate(lines) if f"running at http://127.0.0.1:{port}/" in line]
    assert urls and bars[-1] < urls[0], text
    assert "huey" not in text.lower()  # the worker's routine log stays out of the terminal
    assert "Executing" in (tmp_path / "log" / "worker.log").read_text()
    assert (tmp_path / "log" / "web.log").exists()
