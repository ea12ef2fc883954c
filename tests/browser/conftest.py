"""Browser tests: a real Chromium (Debian's package) driven through Playwright.

No browser is ever downloaded: Playwright launches /usr/bin/chromium. Without it the tests
are skipped locally, and fail in CI (HOTLINE_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import testcases

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server of the SQLite pass shares one in-memory connection among its threads;
    two requests at once (the desk polls for ringing calls every second) would interleave their
    transactions on it ("cannot start a transaction within a transaction"). Connections stay
    concurrent; the application serves one request at a time, as a single worker would."""

    _lock = threading.Lock()

    def set_app(self, application):
        lock = self._lock

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


testcases.LiveServerThread.server_class = _OneRequestAtATime

_fixture_teardown = testcases.TransactionTestCase._fixture_teardown


def _teardown_between_requests(self):
    """Flush the database only between two requests: a page closed at the end of a test may
    still have a request in the server (the desk's polls), and a flush beside it on the shared
    in-memory connection fails ("cannot start a transaction within a transaction"), leaving the
    test's rows behind for the next tests."""
    with _OneRequestAtATime._lock:
        _fixture_teardown(self)


testcases.TransactionTestCase._fixture_teardown = _teardown_between_requests  # type: ignore[method-assign]

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("HOTLINE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def console_errors(browser):
    """Collect the console errors of every page a browser test opens; fail the test on any
    Content-Security-Policy violation (the browser reports each one as a console error)."""
    messages: list[str] = []
    original = browser.new_context

    def watch_page(page) -> None:
        page.on(
            "console",
            lambda msg: messages.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
        )

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        context.on("page", watch_page)
        return context

    browser.new_context = new_context
    try:
        yield messages
    finally:
        browser.new_context = original
    violations = [m for m in messages if "Content Security Policy" in m]
    assert not violations, "CSP violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
