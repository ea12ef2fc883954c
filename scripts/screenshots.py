"""Screenshot every staff screen of every demo role in both languages (issue 19).

Starts its own server on a throw-away HOTLINE_VAR_DIR (``hotline migrate``, ``hotline
demo-data --tickets 120``, ``hotline serve``), logs in as each demo role and saves a 1366×768
full-page screenshot of every screen its navigation reaches, plus its notifications and one
ticket page, in Simplified Chinese and in English, to ``var/screenshots/<lang>/<role>-<page>.png``.

    PYTHONPATH=src:. .venv/bin/python scripts/screenshots.py [--roles agent,reviewer] [--url URL]

With ``--url`` an already running server (with demo data) is used instead. Chromium is the
Debian package at /usr/bin/chromium (or $HOTLINE_CHROMIUM); nothing is downloaded. A page
that answers 4xx/5xx is listed at the end and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "var" / "screenshots"
PASSWORD = "hotline-demo-2026"  # noqa: S105 - the documented demo password
ROLES = [
    "agent",
    "reviewer",
    "callback",
    "inspector",
    "supervisor",
    "centreadmin",
    "handler1",
    "unitadmin1",
    "franchise1",
]
LANGUAGES = {"zh-hans": "zh-Hans", "en": "en"}  # language code -> folder name
CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
HOTLINE = str(Path(sys.executable).with_name("hotline"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server() -> Iterator[str]:
    """A fresh demo instance on a temporary var directory; yields its base URL."""
    var_dir = Path(tempfile.mkdtemp(prefix="hotline-shots-"))
    env = {**os.environ, "HOTLINE_VAR_DIR": str(var_dir)}
    env.pop("HOTLINE_DATABASE_URL", None)
    log = (var_dir / "server.log").open("w")
    for args in (["migrate", "-v0"], ["demo-data", "--tickets", "120"]):
        print("hotline", *args, flush=True)
        subprocess.run([HOTLINE, *args], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [HOTLINE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=2)  # noqa: S310 - our http URL
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"server exited; see {var_dir / 'server.log'}") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        shutil.rmtree(var_dir, ignore_errors=True)


def slug(path: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-")
    return name or "home"


def login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        raise SystemExit(f"cannot log in as {username}")


def nav_paths(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "nav.mainnav a, .who a.inbox-link", "els => els.map(e => e.getAttribute('href'))"
    )
    seen: list[str] = []
    for href in hrefs:
        path = urlsplit(href).path
        if path and path not in seen:
            seen.append(path)
    return seen


def a_ticket(page: Page, url: str) -> str | None:
    page.goto(f"{url}/tickets/")
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        path = urlsplit(href).path
        if re.fullmatch(r"/tickets/[^/]+/", path) and path != "/tickets/filters/":
            return path
    return None


def shoot(url: str, roles: list[str]) -> list[str]:
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        for lang, folder in LANGUAGES.items():
            (OUT / folder).mkdir(parents=True, exist_ok=True)
            for role in roles:
                # The browser's own widgets (the file input) follow its locale.
                context = browser.new_context(
                    viewport={"width": 1366, "height": 768},
                    locale="zh-CN" if lang == "zh-hans" else "en-US",
                )
                host = urlsplit(url).hostname or "127.0.0.1"
                context.add_cookies(
                    [{"name": "django_language", "value": lang, "domain": host, "path": "/"}]
                )
                page = context.new_page()
                page.set_default_timeout(20_000)
                login(page, url, role)
                paths = nav_paths(page)
                ticket = a_ticket(page, url)
                if ticket:
                    paths.append(ticket)
                for path in paths:
                    name = "ticket" if path == ticket else slug(path)
                    response = page.goto(f"{url}{path}")
                    page.wait_for_load_state("networkidle")
                    status = response.status if response else 0
                    if status >= 400:
                        problems.append(f"{folder} {role} {path}: HTTP {status}")
                    target = OUT / folder / f"{role}-{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"{status} {target.relative_to(REPO)}", flush=True)
                context.close()
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated usernames")
    parser.add_argument("--url", help="use this running demo server instead of starting one")
    options = parser.parse_args()
    roles = [r for r in options.roles.split(",") if r]
    if options.url:
        problems = shoot(options.url.rstrip("/"), roles)
    else:
        with demo_server() as url:
            problems = shoot(url, roles)
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
