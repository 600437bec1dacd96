"""Browser tests: Playwright driving Debian's chromium against a real `district serve`.

The server runs in a subprocess on its own database, loaded with `district demo`: a
temporary SQLite file, or a temporary PostgreSQL database when the suite runs on
PostgreSQL. All browser tests share one server (xdist group "e2e").

Where /usr/bin/chromium is missing the tests are skipped with a loud message, unless
DISTRICT_E2E=require, which makes them fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DISTRICT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "district-demo"
ROOT = Path(__file__).resolve().parents[2]


@pytest.hookimpl(tryfirst=True)  # before xdist turns the xdist_group mark into a group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    browser_available = Path(CHROMIUM).exists()
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.xdist_group("e2e"))
        if not browser_available and os.environ.get("DISTRICT_E2E") != "require":
            item.add_marker(
                pytest.mark.skipif(
                    True,
                    reason=f"BROWSER TESTS NOT RUN: {CHROMIUM} is missing "
                    "(install Debian's chromium package)",
                )
            )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_database(tmp: Path) -> tuple[str, Any]:
    """A fresh database URL for the server, and a cleanup function."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"district_e2e_{uuid.uuid4().hex[:8]}"
        base, _, _db = url.rpartition("/")
        admin = f"{base}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"{base}/{name}", drop
    return f"sqlite:///{tmp / 'e2e.sqlite3'}", lambda: None


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a demo server running in a subprocess."""
    tmp = tmp_path_factory.mktemp("e2e")
    database_url, cleanup = _server_database(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DISTRICT_DATA_DIR": str(tmp),
        "DISTRICT_DEBUG": "true",
    }
    district = [sys.executable, "-m", "district.cli"]
    subprocess.run([*district, "demo"], env=env, check=True, cwd=ROOT, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [*district, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Importing the platform takes seconds; on a loaded 2-core machine, many more.
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the demo server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def login(page: Any) -> Any:
    """``login("dispatcher")`` logs the page in as a demo user."""

    def do(username: str) -> None:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main form button[type=submit]")  # not the header's language switch
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do
