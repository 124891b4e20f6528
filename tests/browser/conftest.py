"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Skipped, with the reason, only where ``/usr/bin/chromium`` is absent (CI installs it). Each
test saves screenshots under ``var/test-screenshots/`` (printed at the end of the run).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "test-screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-password"

_taken: list[Path] = []


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: apt-get install -y chromium")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_line(f"browser screenshots ({len(_taken)}) in {SCREENSHOTS}")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # (setting up data, checking what was written) are still plain synchronous code.
    # Allowed for this module only: the variable must not leak into later tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _chromium()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            env={k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_live(transactional_db, live_server):
    from tests.console.conftest import seed

    seed()
    return live_server


class Console:
    """A signed-in browser tab on the console, with a screenshot helper."""

    def __init__(self, page, base_url: str, test_name: str):
        self.page, self.base_url, self.test_name = page, base_url, test_name

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username: str):
        self.go("/console/login/?next=/console/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        try:
            self.page.wait_for_url(self.base_url + "/console/")
        except Exception:
            self.shot("login-failed")
            raise

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}--{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        _taken.append(path)
        return path


@pytest.fixture
def console(browser, demo_live, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Console(page, demo_live.url, request.node.name)
    context.close()
