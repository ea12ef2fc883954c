"""A shift's load on the cluster and on one web process, side by side (issue 20).

It builds its own stack on 127.0.0.1 only: a database (``<name>_load`` beside the PostgreSQL
database of ``HOTLINE_DATABASE_URL``, or a SQLite file when none is given), the district, its
staff and the demo knowledge base, a private redis-server and one worker when Debian's
redis-server is there; then it runs Locust headless (``bench/loadtest/locustfile.py``: agents
looking callers up, searching the knowledge base, registering and dispatching, listing; unit
clerks at their inbox signing for and replying) twice with the same users and duration:

- ``single``: against one ``hotline serve`` (one "machine"),
- ``cluster``: against nginx in front of two ``hotline serve`` with separate
  ``HOTLINE_VAR_DIR``s (``deploy/hotline-proxy.conf``),

and prints requests per second, p50/p95/p99 and failures per action for both.

    .venv/bin/python bench/load.py [--users 100] [--spawn-rate 10] [--duration 60] [--think 3,10]

``--think`` is what separates a person from a script: an agent on a call talks and types for a
few seconds between two requests (default 3 to 10 s; a unit clerk reads twice as long). A
smaller think time (``--think 0.5,1.5``) turns the users into a throughput probe.

Keep it short on a shared machine; the figures are only as good as the machine is quiet.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/calendar.py would
# shadow the standard library's ``calendar`` module.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import csv  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

from tests.cluster.conftest import (  # noqa: E402
    HOTLINE,
    ROOT,
    Processes,
    base_env,
    free_port,
    wait_port,
)

SETUP = """
from django.utils import timezone
from hotline.accounts.models import ApiToken, User
from hotline.core.demo import DemoOptions, demo_loaders
for loader in demo_loaders():
    if loader.app in ("directory", "accounts", "knowledge"):
        loader.load(DemoOptions(now=timezone.now(), tickets=0))
for name in ("agent", "handler1"):
    print(name, ApiToken.issue(user=User.objects.get(username=name), name="load")[1])
"""

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream hotline_web {{
        server 127.0.0.1:{web_a};
        server 127.0.0.1:{web_b};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{ include {proxy}; }}
    }}
}}
"""


def _database(tmp: Path) -> tuple[str, str | None]:
    """Return (database URL, PostgreSQL database to drop afterwards)."""
    url = os.environ.get("HOTLINE_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'load.sqlite3'}", None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_load"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def _locust(host: str, args: argparse.Namespace, env: dict[str, str], prefix: Path) -> None:
    if urlsplit(host).hostname != "127.0.0.1":
        raise SystemExit("bench/load.py runs against 127.0.0.1 only")
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    subprocess.run(  # noqa: S603 (our locustfile, 127.0.0.1 only)
        [
            locust,
            "-f",
            str(_HERE / "loadtest" / "locustfile.py"),
            "--headless",
            "--host",
            host,
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            f"{args.duration}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
            "--exit-code-on-error",
            "0",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stats(prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def _print(runs: dict[str, dict[str, dict[str, str]]]) -> None:
    names = sorted(
        {n for stats in runs.values() for n in stats}, key=lambda n: (n == "Aggregated", n)
    )
    head = f"{'action':<26}" + "".join(
        f"| {run:<7} {'rps':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>5} " for run in runs
    )
    print(head)
    print("-" * len(head))
    for name in names:
        line = f"{name:<26}"
        for stats in runs.values():
            row = stats.get(name)
            if row is None:
                line += f"| {'':<7} {'':>6} {'':>6} {'':>6} {'':>6} {'':>5} "
                continue
            line += (
                f"| {'':<7} {float(row['Requests/s']):>6.1f} {row['50%']:>6} {row['95%']:>6}"
                f" {row['99%']:>6} {row['Failure Count']:>5} "
            )
        print(line)
    print("times in ms; err: failed requests (non-2xx other than an expected 409, or no answer)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument(
        "--think", default="3,10", help="MIN,MAX seconds between an agent's requests"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web")
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder (logs)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hotline-load-"))
    (tmp / "logs").mkdir()
    procs = Processes(tmp / "logs")
    url, created = _database(tmp)
    redis = None
    try:
        common = {"HOTLINE_DATABASE_URL": url, "HOTLINE_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if os.path.exists(binary):
            redis_port = free_port()
            redis = subprocess.Popen(  # noqa: S603 (Debian's redis-server)
                [
                    binary,
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--dir",
                    str(tmp),
                ],
                stdout=subprocess.DEVNULL,
            )
            wait_port(redis_port, proc=redis)
            common["HOTLINE_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        envs = {}
        for name in ("a", "b"):
            (tmp / name).mkdir()
            envs[name] = base_env(HOTLINE_VAR_DIR=str(tmp / name), **common)
        print(f"stack in {tmp}: database {url.split('@')[-1]}", flush=True)
        procs.run([*HOTLINE, "migrate", "-v0"], envs["a"], timeout=600)
        out = procs.run([*HOTLINE, "shell", "-c", SETUP], envs["a"], timeout=600)
        tokens = dict(line.split() for line in out.splitlines() if line.count(" ") == 1)
        load_env = dict(
            os.environ,
            HOTLINE_LOAD_AGENT_TOKEN=tokens["agent"],
            HOTLINE_LOAD_CLERK_TOKEN=tokens["handler1"],
            HOTLINE_LOAD_UNIT="ZJJ",
            HOTLINE_LOAD_THINK=args.think,
        )
        procs.start("worker", [*HOTLINE, "worker"], envs["a"])
        ports = {name: free_port() for name in envs}
        serve = ["serve", "--host", "127.0.0.1", "--workers", str(args.web_workers)]
        serve.append("--no-collectstatic")  # the API only
        for name, env in envs.items():
            procs.start(f"web-{name}", [*HOTLINE, *serve, "--port", str(ports[name])], env)
        for name in envs:
            wait_port(ports[name], timeout=180, proc=procs.procs[f"web-{name}"])
        nginx_port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir()
            (tmp / sub).chmod(0o777)
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp,
                web_a=ports["a"],
                web_b=ports["b"],
                port=nginx_port,
                proxy=ROOT / "deploy" / "hotline-proxy.conf",
            )
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        procs.start("nginx", [nginx, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"], {})
        wait_port(nginx_port, proc=procs.procs["nginx"])

        # Warm both webs up (index, dictionaries, connections) before anything is measured.
        warm = argparse.Namespace(**{**vars(args), "duration": 8})
        _locust(f"http://127.0.0.1:{nginx_port}", warm, load_env, tmp / "warm-up")
        runs = {}
        print(
            f"single: {args.users} users (think {args.think} s) for {args.duration} s"
            " against one web",
            flush=True,
        )
        _locust(f"http://127.0.0.1:{ports['a']}", args, load_env, tmp / "single")
        runs["single"] = _stats(tmp / "single")
        print("cluster: the same through nginx in front of two webs", flush=True)
        _locust(f"http://127.0.0.1:{nginx_port}", args, load_env, tmp / "cluster")
        runs["cluster"] = _stats(tmp / "cluster")
        _print(runs)
    finally:
        procs.stop_all()
        if redis is not None:
            redis.send_signal(signal.SIGTERM)
            redis.wait(timeout=10)
        if created:
            _drop(url)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
