"""Running gunicorn in-process with our WSGI application."""

from __future__ import annotations

from pathlib import Path
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


#: The longest path a Unix socket may have (``sun_path`` is 108 bytes with its NUL on Linux).
SOCKET_PATH_MAX = 100


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Return gunicorn's settings: every runtime file under ``HOTLINE_VAR_DIR`` (issue 19).

    gunicorn's default control socket is ``$HOME/.gunicorn/gunicorn.ctl`` (or under
    ``$XDG_RUNTIME_DIR``): one for every server of the user, so two instances on one machine (a
    demo and a test run, or two centres) would fight over it. Ours is ``var/run/gunicorn.ctl``
    and the workers' heartbeat files go to ``var/run/`` as well. Where ``var/run`` is too
    deep for a Unix socket, the control socket is switched off rather than put elsewhere.
    """
    from django.conf import settings

    run_dir = Path(settings.VAR_DIR) / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    control = run_dir / "gunicorn.ctl"
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "graceful_timeout": 10,
        "timeout": 60,
        "proc_name": "hotline-web",
        "worker_tmp_dir": str(run_dir),
    }
    if len(str(control).encode()) <= SOCKET_PATH_MAX:
        options["control_socket"] = str(control)
    else:
        options["control_socket_disable"] = True
    return options


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped (SIGINT or SIGTERM shut gunicorn down cleanly)."""
    _Gunicorn(gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
