"""A real ``amparo serve`` process and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import TEST_SECRET

CHROMIUM = os.environ.get("AMPARO_TEST_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@dataclass(frozen=True)
class Server:
    url: str
    email: str
    password: str
    env: dict[str, str] = field(default_factory=dict)  # to run amparo commands on its data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@contextmanager
def running_server(data: Path) -> Iterator[Server]:
    """``amparo serve`` on demo data in ``data`` (a test that changes much data gets its own)."""
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
    env.update(
        AMPARO_DATA_DIR=str(data),
        AMPARO_SECRET_KEY=TEST_SECRET,
        AMPARO_LOG_LEVEL="WARNING",
        AMPARO_BASE_URL=f"http://127.0.0.1:{port}",
        AMPARO_SOS_CANCEL_SECONDS="2",
    )
    subprocess.run(
        [sys.executable, "-m", "amparo", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "amparo", "demo", "seed", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    login = json.loads(seeded.stdout)
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "amparo", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError((data / "server.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield Server(url, login["email"], login["password"], env)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: 'make test' installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-MX")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
