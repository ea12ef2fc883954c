"""``hotline up``: the web server and the worker together, until Ctrl-C (used by make demo)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.demo import demo_notices_text


class Command(BaseCommand):
    help = "Start the web server and the background worker; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "hotline.cli",
                "serve",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
            ]
        )
        worker = subprocess.Popen([python, "-m", "hotline.cli", "worker"])  # noqa: S603
        children = [web, worker]
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        time.sleep(2)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nhotline is running at {url}"))
        self.stdout.write(demo_notices_text())
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.\n")
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("hotline stopped.")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise SystemExit(1)
