"""Serve the app on a real port and drive it with Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import services

#: Debian's Chromium; the tests never download a browser.
CHROMIUM = "/usr/bin/chromium"

#: Flags for a quiet, headless, sandbox-free Chromium in a container with no network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_or_skip() -> str:
    """Return Chromium's path; skip without it locally, fail without it in CI."""
    found = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if found:
        return found
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve ``app`` with werkzeug in a thread on a free port; yield its base URL."""
    server = make_server("127.0.0.1", services.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium():
    """Launch headless Chromium through Playwright; yield the browser, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: axe-core, installed with `npm ci --prefix tests/js` (tests/js/package.json).
AXE_JS = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"

#: The rules every page must pass: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    """Run axe-core's WCAG 2 A and AA rules on ``page``; return one line per failing element."""
    if not AXE_JS.is_file():
        message = "axe-core is not installed: run `npm ci --prefix tests/js`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results = page.evaluate("async (options) => await axe.run(document, options)", options)
    return [
        f"{violation['id']}: {node['target']} {node.get('failureSummary', '').splitlines()[-1:]}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def assert_accessible(page) -> None:
    """Fail with every element that breaks a WCAG 2 A or AA rule on ``page``."""
    found = axe_violations(page)
    assert not found, f"{page.url} breaks WCAG 2 A/AA:\n" + "\n".join(found)
