"""Read calendars with ical.js, the parser Thunderbird uses, through node (tests/js)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: The node project that declares ical.js (installed with `npm ci --prefix tests/js`).
JS_DIR = Path(__file__).resolve().parent.parent / "js"

#: The script that prints each VEVENT's UTC instants as JSON.
SCRIPT = JS_DIR / "ical_instants.mjs"

#: Seconds one batch may take; a few thousand events take well under one.
TIMEOUT = 60


def read_with_icaljs(texts: list[str]) -> list[dict]:
    """Return what ical.js reads in each VEVENT of ``texts``; skip (fail in CI) without it."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed (apt-get install nodejs npm)")
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        _missing("ical.js is not installed: run `npm ci --prefix tests/js`")
    # One process for the whole batch: starting node costs more than parsing.
    done = subprocess.run(
        [node, str(SCRIPT)],
        input="".join(texts),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def iso(when: dt.datetime) -> str:
    """Return an aware time in UTC as ical_instants.mjs prints it: 2026-03-29T01:00:00Z."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
