"""``hotline kb-follow``: keep this machine's knowledge-base index in step with the database."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hotline.knowledge.follow import follow


class Command(BaseCommand):
    help = (
        "Apply the knowledge-base index changes of the database to this machine's index "
        "(HOTLINE_KB_INDEX_DIR), building it first when it is new; loop until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between two checks (1)."
        )
        parser.add_argument("--once", action="store_true", help="Apply once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = follow()
        self.stdout.write(f"kb-follow: {result}")
        if options["once"]:
            return
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            time.sleep(options["interval"])
            close_old_connections()
            try:
                result = follow()
            except Exception as exc:  # the database may be away for a moment: try again
                self.stderr.write(f"kb-follow: {exc}")
                continue
            if result and (result["applied"] or result["rebuilt"]):
                self.stdout.write(f"kb-follow: {result}")
