"""A headless Chromium for the tests: open a page, collect what went wrong, take a screenshot.

Generic on purpose, so every test that renders HTML (report pages, a notebook's stepper)
shares it: :func:`open_page` gives a tab to click through, :func:`visit` loads a file or
URL and checks it, both in the system's Chromium (the Debian
package ``chromium``, driven by Playwright through ``executable_path``, so Playwright
downloads no browser of its own) and returns a :class:`Visit`: console errors, uncaught
page errors, failed requests, images that did not load, in-page links whose target is
missing, and the screenshot's path. :func:`require_browser` skips a test, with the
reason, on a machine where no Chromium or no Playwright is installed
(``apt-get install -y chromium``; ``pip install playwright``).
"""

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCH_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")


def chromium_path():
    """The first Chromium on PATH, or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser():
    """Skip the calling test, saying why, unless Playwright and a Chromium are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright); the page is not rendered")
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium); the page is not rendered")


@dataclass
class Visit:
    """What a page did when loaded."""

    title: str = ""
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    broken_images: list = field(default_factory=list)
    missing_anchors: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    images: int = 0
    screenshot: Path = None

    @property
    def problems(self):
        """Everything that went wrong, one line each (empty for a clean page)."""
        return ([f"console: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]
                + [f"failed request: {r}" for r in self.failed_requests]
                + [f"image did not load: {i}" for i in self.broken_images]
                + [f"link to a missing anchor: #{a}" for a in self.missing_anchors])


_CHECKS = """() => ({
  title: document.title,
  broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  images: document.images.length,
  missing: Array.from(document.querySelectorAll('a[href^="#"]'))
                .map(a => a.getAttribute('href').slice(1))
                .filter(id => id && !document.getElementById(id)),
})"""


@contextlib.contextmanager
def open_page(width=1280, height=900):
    """A new Chromium tab, for a test that clicks through a page: yields ``(tab, found)``, the
    Playwright page and a :class:`Visit` that collects its console errors, page errors and
    failed requests (``found.requests`` lists every URL asked for)."""
    from playwright.sync_api import sync_playwright

    found = Visit()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(LAUNCH_ARGS))
        try:
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.on("console", lambda message: message.type == "error" and found.console_errors.append(message.text))
            tab.on("pageerror", lambda error: found.page_errors.append(str(error)))
            tab.on("requestfailed", lambda request: found.failed_requests.append(request.url))
            tab.on("request", lambda request: found.requests.append(request.url))
            yield tab, found
        finally:
            browser.close()


def url_of(page):
    """``page`` as a URL (a path becomes a file:// URL)."""
    return page if "://" in str(page) else Path(page).resolve().as_uri()


def visit(page, screenshot=None, width=1280, height=900, full_page=True):
    """Load ``page`` (a path or a URL) in headless Chromium; return its :class:`Visit`."""
    with open_page(width, height) as (tab, found):
        tab.goto(url_of(page), wait_until="load")
        checks = tab.evaluate(_CHECKS)
        found.title, found.broken_images = checks["title"], checks["broken"]
        found.images, found.missing_anchors = checks["images"], checks["missing"]
        if screenshot is not None:
            tab.screenshot(path=str(screenshot), full_page=full_page)
            found.screenshot = Path(screenshot)
    return found
