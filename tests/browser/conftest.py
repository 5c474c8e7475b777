"""Fixtures for the browser tests: the real app (migrated schema, demo data, CSRF on) served on
a free local port, and headless Chromium driven by Playwright's sync API.

Nothing here shares state with tests/app: that directory's conftest (and its autouse fixture
that empties the database) only applies to tests below it, and the fixtures here have their own
names (`live_server`, `browser`, `page`, `new_page`).
"""

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from grants import create_app, demo
from grants.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
TIMEOUT_MS = 15_000
PHONE_WIDTH = 375


def pytest_collection_modifyitems(items):
    """Werkzeug's development server leaves a static file open when the browser drops the
    connection mid-download (it navigates on); that ResourceWarning is the test server's, not
    the app's, and surfaces at random in a later test. Gunicorn serves production."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:  # this hook sees every test: touch only the browser ones
            item.add_marker(pytest.mark.filterwarnings(
                "ignore:Exception ignored in. <_io.BufferedReader"
                ":pytest.PytestUnraisableExceptionWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"))


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Flask:
    """The app the live server serves, its schema made by the migrations (so this also proves
    they run) and the demo programme, calls and accounts seeded. Tests use it for what a
    person does not click: sending the outbox."""
    database = tmp_path_factory.mktemp("browser-db") / "grants.sqlite"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "x",
        "DEMO_MODE": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "DOCUMENT_STORAGE": str(tmp_path_factory.mktemp("browser-documents")),
    })
    assert app.config.get("WTF_CSRF_ENABLED", True), "the browser tests post real forms"
    with app.app_context():
        upgrade()
        assert demo.seed(), "the demo data should be new in a fresh database"
    return app


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The app on http://127.0.0.1:<free port>."""
    app = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """new_page() -> a page in a fresh browser context (its own cookies: one user each).
    Every context made is closed after the test, which fails if the browser refused anything
    under the Content-Security-Policy (an inline script or style slipped into a template)."""
    contexts: list[BrowserContext] = []
    refused: list[str] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server, locale="vi-VN",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not refused, refused


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def shot(request) -> Callable[[Page, str], Path]:
    """shot(page, name) saves full-page PNGs of the page as a desk sees it (1280 px wide) and as
    a phone does (375 px): screenshots/<test name>/<nn>-<name>-<width>.png, for a person to look
    at. The page is put back to its width afterwards."""
    SCREENSHOTS.mkdir(exist_ok=True)
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = []

    def take(page: Page, name: str) -> Path:
        taken.append(name)
        size = page.viewport_size
        for width in (size["width"], PHONE_WIDTH):
            page.set_viewport_size({"width": width, "height": size["height"]})
            path = folder / f"{len(taken):02d}-{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
        return folder / f"{len(taken):02d}-{name}-{size['width']}.png"

    return take
