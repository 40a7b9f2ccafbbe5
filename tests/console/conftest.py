"""tests/console: the admin console in a real browser (Debian's Chromium, driven by Playwright
for Python), against the running stack behind its gateway.

They reuse the e2e tests' stack (its fixture: a stack at the e2e time scale, started here when
none runs and stopped at the end) and run right after the e2e tests. The members, requests and
disputes a test needs are set up through the public API, as the e2e tests do; only what an
admin does in the console is done in the browser.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from hourbank_stack.client import Caller, Gateway

from ..e2e.conftest import bootstrap, gateway, stack

__all__ = ["bootstrap", "gateway", "stack"]

CHROMIUM = os.environ.get("HOURBANK_CHROMIUM", "/usr/bin/chromium")
# Headless as root in a sandboxless container; no background requests: this machine's network
# is closed, and Chromium's own calls home would only be refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = os.environ.get("HOURBANK_CONSOLE_SCREENSHOTS")
"""A folder: the tests save the pages they show there (`make console-screenshots`)."""


def _folder(item: pytest.Item) -> str:
    return item.nodeid.split("/")[1] if item.nodeid.startswith("tests/") else ""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Right after the e2e tests (whose stack they share), before tests/monitoring and
    tests/faults; tests/conftest.py alone would run them among the saga tests, which stop it."""
    ours = [item for item in items if _folder(item) == "console"]
    rest = [item for item in items if _folder(item) != "console"]
    e2e = [n for n, item in enumerate(rest) if _folder(item) == "e2e"]
    later = [n for n, item in enumerate(rest) if _folder(item) in ("monitoring", "faults")]
    at = e2e[-1] + 1 if e2e else (later[0] if later else len(rest))
    items[:] = rest[:at] + ours + rest[at:]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module, not per session: Playwright's sync API keeps an event loop running in this
    thread until it stops, and the tests after these (the fault injection) run `asyncio.run`."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own sessionStorage) at a desktop size."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def admin(gateway: Gateway) -> Caller:
    return gateway.register(f"Admin {os.urandom(3).hex()}", admin=True)


class Console:
    """The console at the stack's gateway, signed in with a caller's token."""

    def __init__(self, page: Page, base_url: str, caller: Caller):
        self.page, self.base_url, self.caller = page, base_url, caller

    def open(self, route: str = "disputes") -> Page:
        """The development flow: the token in the URL's fragment, then the page by its route."""
        self.page.goto(f"{self.base_url}/admin/#token={self.caller.token}")
        self.page.wait_for_function("location.hash === '#/disputes'")
        if route != "disputes":
            self.page.goto(f"{self.base_url}/admin/#/{route}")
        return self.page

    def shot(self, name: str, *, full_page: bool = False) -> None:
        """Saves the page as <name>.png when screenshots are asked for (else nothing): the
        window only, since a queue on a long-used stack goes on for pages."""
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            path = Path(SCREENSHOTS) / f"{name}.png"
            self.page.screenshot(path=str(path), full_page=full_page)


@pytest.fixture
def console(page: Page, stack: str, admin: Caller) -> Console:
    return Console(page, stack, admin)
