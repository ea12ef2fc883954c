"""Running gunicorn in-process with our WSGI application."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from hotline.wsgi import application

        return application


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped (SIGINT or SIGTERM shut gunicorn down cleanly)."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            "graceful_timeout": 10,
            "timeout": 60,
            "proc_name": "hotline-web",
        }
    ).run()
