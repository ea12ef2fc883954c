"""A cluster on one machine, end to end (issue 20).

PostgreSQL, a private Redis, two ``hotline serve`` processes with separate ``HOTLINE_VAR_DIR``s
(two "machines", each with its own knowledge-base index), two workers (one with the schedule,
one ``--no-periodic``) and Debian's nginx in front with the shipped proxy settings
(``deploy/hotline-proxy.conf``). Through nginx: register, dispatch, act and search on both
machines alternately; an article published through one machine is found through the other;
``kill -9`` of one web machine in the middle of a run loses no request that got a 2xx.

It runs in the PostgreSQL pass of ``make test`` (a second database, ``<name>_cluster``, is
created beside the test database and dropped afterwards).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from tests.cluster.conftest import HOTLINE, ROOT, Processes, base_env, free_port, need, wait_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

SETUP_SCRIPT = """
from django.utils import timezone
from hotline.accounts.models import ApiToken, User
from hotline.core.demo import DemoOptions, demo_loaders
for loader in demo_loaders():
    if loader.app in ("directory", "accounts"):  # the district, its units and demo staff
        loader.load(DemoOptions(now=timezone.now(), tickets=0))
for name in ("agent", "handler1", "centreadmin"):
    print(name, ApiToken.issue(user=User.objects.get(username=name), name="cluster")[1])
"""

NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream hotline_web {{
        server 127.0.0.1:{web_a} max_fails=2 fail_timeout=10s;
        server 127.0.0.1:{web_b} max_fails=2 fail_timeout=10s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        add_header X-Upstream $upstream_addr always;
        location / {{
            include {proxy};
        }}
    }}
}}
"""


class Client:
    """JSON over HTTP with a Bearer token; returns (status, body, upstream)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, str]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (http to 127.0.0.1 only)
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw, status, headers = response.read(), response.status, response.headers
        except urllib.error.HTTPError as exc:
            raw, status, headers = exc.read(), exc.code, exc.headers
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed, headers.get("X-Upstream", "")


def _database(url: str) -> str:
    """Create ``<db>_cluster`` beside the test database; return its URL."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_cluster"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Any:
    url = os.environ.get("HOTLINE_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("runs in the PostgreSQL pass of make test (HOTLINE_TEST_DATABASE_URL)")
    cluster_url = _database(url)
    yield cluster_url
    _drop(cluster_url)


def test_two_web_machines_behind_nginx(tmp_path, postgres_url, redis_url, procs: Processes):
    if not os.path.exists(NGINX):
        need("nginx", "not installed (apt-get install nginx; .ci/run does)")
    started = time.monotonic()
    common = {"HOTLINE_DATABASE_URL": postgres_url, "HOTLINE_REDIS_URL": redis_url}
    machines = {}
    for name in ("a", "b"):
        var = tmp_path / name
        var.mkdir()
        machines[name] = (free_port(), base_env(HOTLINE_VAR_DIR=str(var), **common))
    env_a = machines["a"][1]
    procs.run([*HOTLINE, "migrate", "-v0"], env_a, timeout=300)
    out = procs.run([*HOTLINE, "shell", "-c", SETUP_SCRIPT], env_a)
    tokens = dict(line.split() for line in out.splitlines() if line.count(" ") == 1)

    # Two workers on Redis, two web machines, nginx in front.
    procs.start("worker-a", [*HOTLINE, "worker"], env_a)
    procs.start("worker-b", [*HOTLINE, "worker", "--no-periodic"], machines["b"][1])
    # The API only: no static files needed (collecting them takes minutes on a busy machine).
    serve = ["serve", "--host", "127.0.0.1", "--workers", "2", "--no-collectstatic"]
    for name, (port, env) in machines.items():
        procs.start(f"web-{name}", [*HOTLINE, *serve, "--port", str(port)], env)
    port = free_port()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub).chmod(0o777)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp_path,
            web_a=machines["a"][0],
            web_b=machines["b"][0],
            port=port,
            proxy=ROOT / "deploy" / "hotline-proxy.conf",
        )
    )
    procs.start("nginx", [NGINX, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"], {})
    for name, (web_port, _) in machines.items():
        wait_port(web_port, timeout=180, proc=procs.procs[f"web-{name}"])
    wait_port(port, proc=procs.procs["nginx"])
    base = f"http://127.0.0.1:{port}/api/v1"
    agent = Client(base, tokens["agent"])
    handler = Client(base, tokens["handler1"])
    admin = Client(base, tokens["centreadmin"])
    upstreams: set[str] = set()

    # 1. Register, dispatch and act, alternately on both machines.
    numbers = []
    for n in range(6):
        status, body, up = agent.call(
            "POST",
            "/tickets",
            {
                "channel": "phone",
                "category": "complaint",
                "content": f"小区旁工地夜间施工噪音扰民,第{n}次来电",
                "citizen": {"phone": f"1390000{n:04d}", "name": "王女士"},
            },
        )
        assert status == 201, body
        upstreams.add(up)
        number = body["number"]
        numbers.append(number)
        status, body, up = agent.call("POST", f"/tickets/{number}/dispatch", {"unit": "ZJJ"})
        assert status == 200 and body["state"] == "dispatched", body
        upstreams.add(up)
        status, body, up = handler.call("POST", f"/tickets/{number}/sign")
        assert status == 200 and body["state"] == "signed", body
        status, body, up = handler.call(
            "POST", f"/tickets/{number}/reply", {"content": "已责令工地夜间停工"}
        )
        assert status == 200 and body["state"] == "replied", body
        upstreams.add(up)
    assert len(upstreams) == 2, upstreams  # both machines served

    # 2. An article published through one machine is found through the other (and by nginx).
    article = {
        "external_id": "cluster-001",
        "kind": "guide",
        "title": "共享单车乱停放投诉渠道",
        "body": "共享单车乱停放可拨打各运营企业客服电话,或通过12345反映。",
        "answer": "请拨打运营企业客服电话,或通过12345反映具体位置。",
        "keywords": ["共享单车", "乱停放"],
    }
    direct = {
        name: Client(f"http://127.0.0.1:{web_port}/api/v1", tokens["agent"])
        for name, (web_port, _) in machines.items()
    }
    status, body, _ = Client(f"http://127.0.0.1:{machines['a'][0]}/api/v1", admin.token).call(
        "POST", "/kb/import", [article]
    )
    assert status == 200 and body["created"] == 1, body
    query = "/kb/search?q=" + quote("单车乱停")
    deadline = time.monotonic() + 10
    while True:
        answers = {name: c.call("GET", query)[1]["results"] for name, c in direct.items()}
        titles = {name: [r["title"] for r in res[:1]] for name, res in answers.items()}
        if all(t == [article["title"]] for t in titles.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert titles["b"] == [article["title"]], titles
    assert answers["a"] == answers["b"]
    for _ in range(4):  # through nginx, alternately
        status, body, up = agent.call("GET", query)
        assert status == 200 and body["results"][0]["title"] == article["title"], (up, body)

    # 3. kill -9 one web machine in the middle of a run: no request that got a 2xx is lost.
    created: list[str] = []
    failures: list[int] = []
    stop = threading.Event()

    def register() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            status, body, _ = agent.call(
                "POST",
                "/tickets",
                {
                    "channel": "web",
                    "category": "consultation",
                    "content": f"咨询社保卡补办流程,第{n}次",
                    "citizen": {"phone": "13911112222"},
                },
            )
            if status == 201:
                created.append(body["number"])
            else:
                failures.append(status)

    runners = [threading.Thread(target=register) for _ in range(3)]
    for runner in runners:
        runner.start()
    time.sleep(2)
    procs.kill("web-b")
    time.sleep(3)
    stop.set()
    for runner in runners:
        runner.join(timeout=60)
    assert len(created) >= 10, (created, failures)
    for number in created:
        status, body, _ = agent.call("GET", f"/tickets/{number}")
        assert status == 200 and body["number"] == number, body
    # The remaining machine still answers everything through nginx.
    status, body, _ = agent.call("GET", query)
    assert status == 200 and body["results"][0]["title"] == article["title"]
    assert time.monotonic() - started < 240


def test_the_shipped_nginx_site_is_valid(tmp_path):
    """``deploy/nginx.conf`` (with stand-in certificate paths) passes ``nginx -t``."""
    if not os.path.exists(NGINX):
        need("nginx", "not installed (apt-get install nginx; .ci/run does)")
    openssl = shutil.which("openssl")
    if openssl is None:
        need("openssl", "not installed")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hotline.example.gov.cn",
            "-keyout",
            str(tmp_path / "hotline.key"),
            "-out",
            str(tmp_path / "hotline.crt"),
        ],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace(
        "/etc/nginx/snippets/hotline-proxy.conf", str(ROOT / "deploy/hotline-proxy.conf")
    )
    site = site.replace("/etc/nginx/tls/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    main = (
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    (tmp_path / "main.conf").write_text(main)
    done = subprocess.run(
        [NGINX, "-t", "-c", str(tmp_path / "main.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
