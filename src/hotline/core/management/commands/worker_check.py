"""``hotline worker-check``: queue probe tasks and wait until the workers have done them."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.probe import probe_redo, probe_start, probe_status


class Command(BaseCommand):
    help = (
        "Queue probe tasks, wait until the running workers have done each exactly once, and "
        "print who did how many (JSON). Exit 1 when they are not all done in time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, default=20, help="Probe tasks to queue (20).")
        parser.add_argument("--sleep", type=float, default=0.0, help="Seconds each task takes.")
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait (60).")
        parser.add_argument(
            "--redo-after",
            type=float,
            default=15.0,
            help="Queue a probe again when still undone this many seconds after queueing (15).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = probe_start(options["tasks"], sleep=options["sleep"])
        deadline = time.monotonic() + options["timeout"]
        status = probe_status(token)
        while time.monotonic() < deadline:
            status = probe_status(token)
            if status.done == status.tasks:
                break
            probe_redo(token, older_than=options["redo_after"], sleep=options["sleep"])
            time.sleep(0.2)
        self.stdout.write(json.dumps({**asdict(status), "complete": status.complete}))
        if not status.complete:
            raise CommandError(f"{status.done} of {status.tasks} probe tasks done in time")
