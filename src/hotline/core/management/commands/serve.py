"""``hotline serve``: the production web server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (not Django's development server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to bind (8000).")
        parser.add_argument("--workers", type=int, default=2, help="Gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker.")
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Skip collecting static files before starting.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self._on_start()
        from hotline.core.server import run_gunicorn

        run_gunicorn(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
        )

    def _on_start(self) -> None:
        """Run each app's ``serve_startup`` hook (the knowledge base builds or updates this
        machine's search index), then drop what a forked web worker must not share."""
        from django.apps import apps
        from django.db import DatabaseError, connections
        from django.utils.module_loading import import_string

        for config in apps.get_app_configs():
            hook = getattr(config, "serve_startup", None)
            if not hook:
                continue
            try:
                result = import_string(hook)()
                self.stdout.write(f"{config.label}: {result}")
            except DatabaseError as exc:
                self.stderr.write(f"{config.label}: start-up step failed ({exc})")
        connections.close_all()
