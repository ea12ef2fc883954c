"""``hotline up``: the web server and the worker together, until Ctrl-C (used by make demo).

The terminal shows what a person starting the demo needs (issue 19): a progress bar while the
worker works off the queue it found (the initial indexing of the knowledge base), then the URL
and the logins, last. The two processes' routine logs go to ``var/log/web.log`` and
``var/log/worker.log``; when one of them stops early, the end of its log is shown.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from hotline.core.demo import demo_notices_text

#: How long the progress bar waits for the queue to drain before giving up on showing it.
QUEUE_WAIT_SECONDS = 600


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """Return a one-line progress bar: ``[#########.....]  120/950``."""
    total = max(total, 1)
    done = min(max(done, 0), total)
    filled = round(width * done / total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total}"


def queue_pending() -> int | None:
    """Return how many tasks wait in the worker's queue, or ``None`` if it cannot be read."""
    try:
        from huey.contrib.djhuey import HUEY

        return int(HUEY.pending_count())
    except Exception:  # the queue may not exist yet; the bar is only a courtesy
        return None


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Command(BaseCommand):
    help = "Start the web server and the background worker; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        log_dir = Path(settings.VAR_DIR) / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        logs = {"web": log_dir / "web.log", "worker": log_dir / "worker.log"}
        files: list[IO[bytes]] = [logs["web"].open("ab"), logs["worker"].open("ab")]
        web = subprocess.Popen(  # noqa: S603
            [
                *(python, "-m", "hotline.cli", "serve"),
                *("--host", options["host"], "--port", str(options["port"])),
            ],
            stdout=files[0],
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(  # noqa: S603
            [python, "-m", "hotline.cli", "worker"], stdout=files[1], stderr=subprocess.STDOUT
        )
        children = {"web": web, "worker": worker}
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        def alive() -> bool:
            return not stopping and all(c.poll() is None for c in children.values())

        self.stdout.write(
            f"hotline: web server and worker starting; logs in {logs['web']} and {logs['worker']}"
        )
        self._wait_for_queue(alive)
        time.sleep(1)
        if alive():
            url = f"http://{options['host']}:{options['port']}/"
            self.stdout.write(demo_notices_text())
            self.stdout.write(self.style.SUCCESS(f"\nhotline is running at {url}"))
            self.stdout.write("Press Ctrl-C to stop the web server and the worker.\n")
        try:
            while alive():
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            for file in files:
                file.close()
            self.stdout.write("hotline stopped.")
        failed = {
            name: c
            for name, c in children.items()
            if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)
        }
        if failed and not stopping:
            for name in failed:
                self.stderr.write(f"The {name} process stopped; the end of {logs[name]}:")
                self.stderr.write(log_tail(logs[name]))
            raise SystemExit(1)

    def _wait_for_queue(self, alive: Any) -> None:
        """Show a progress bar while the worker works off the tasks queued before it started."""
        pending = queue_pending()
        if not pending:
            return
        total = pending
        tty = self.stdout.isatty()
        label = "Indexing the knowledge base and other queued work"
        self.stdout.write(f"{label}: {pending} tasks")
        started = time.monotonic()
        shown = -1
        while alive() and pending and time.monotonic() - started < QUEUE_WAIT_SECONDS:
            total = max(total, pending)
            done = total - pending
            if tty:
                self.stdout.write(f"\r{progress_bar(done, total)}", ending="")
                self.stdout.flush()
            elif done * 10 // total != shown:  # a log file: one line per tenth
                shown = done * 10 // total
                self.stdout.write(progress_bar(done, total))
            time.sleep(0.5)
            pending = queue_pending() or 0
        if alive():
            self.stdout.write(("\r" if tty else "") + progress_bar(total - pending, total))
