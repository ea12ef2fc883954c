"""Issue 19 item 9: two instances on one machine keep their runtime files apart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_server_keeps_its_control_socket_under_the_var_dir(settings, tmp_path):
    from hotline.core.server import gunicorn_options

    settings.VAR_DIR = tmp_path / "var"
    options = gunicorn_options(host="127.0.0.1", port=8000, workers=1, threads=1)
    assert options["control_socket"] == str(tmp_path / "var" / "run" / "gunicorn.ctl")
    assert options["worker_tmp_dir"] == str(tmp_path / "var" / "run")
    settings.VAR_DIR = tmp_path / ("x" * 120)
    deep = gunicorn_options(host="127.0.0.1", port=8000, workers=1, threads=1)
    assert deep["control_socket_disable"] is True and "control_socket" not in deep


@pytest.mark.skipif(sys.platform != "linux", reason="Unix sockets, as in production")
def test_two_instances_serve_side_by_side_without_sharing_runtime_files(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    servers = []
    try:
        for name in ("a", "b"):
            var = tmp_path / name
            env = {k: v for k, v in os.environ.items() if k not in {"HOTLINE_DATABASE_URL"}}
            env.update(HOME=str(home), HOTLINE_VAR_DIR=str(var))
            env.pop("XDG_RUNTIME_DIR", None)
            port = _free_port()
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)),
                    *("--workers", "1", "--threads", "1", "--no-collectstatic"),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            servers.append((process, port, var))
        for process, port, var in servers:
            # A loaded machine (CI, two test processes) can take a while to boot a server; and
            # gunicorn opens its control socket in a thread only after the workers are spawned,
            # so a worker may answer before the socket file exists: wait for both.
            control = var / "run" / "gunicorn.ctl"
            deadline = time.monotonic() + 120
            answered = False
            while time.monotonic() < deadline and not (answered and control.exists()):
                assert process.poll() is None, "the server stopped"
                if not answered:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                            answered = True
                    except urllib.error.HTTPError:
                        answered = True  # it answers (an unmigrated database is a 5xx here)
                    except OSError:
                        pass
                time.sleep(0.2)
            assert answered, "the server never answered"
            assert control.exists()
        assert not (home / ".gunicorn").exists()
        assert all(process.poll() is None for process, _port, _var in servers)
    finally:
        for process, _port, _var in servers:
            process.terminate()
            process.wait(timeout=20)
