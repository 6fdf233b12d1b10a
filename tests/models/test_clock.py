"""The movable clock: this process's travel and freeze, and the file other processes share."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from models import clock

ROOT = Path(__file__).resolve().parents[2]

#: What a process started with the shared clock file prints: its clock, then real time.
SHOW = (
    "import datetime as dt; from models import clock; print(clock.now().isoformat()); "
    "print(dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat())"
)


def _ahead(path: Path | None) -> dt.timedelta:
    """Return how far ahead of real time a new process's clock reads, given the file."""
    env = {k: v for k, v in os.environ.items() if k != clock.CLOCK_FILE}
    if path is not None:
        env[clock.CLOCK_FILE] = str(path)
    out = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    shown, real = (dt.datetime.fromisoformat(value) for value in out)
    return shown - real


def test_travel_and_freeze_move_this_process_s_clock():
    start = clock.now()
    clock.travel(dt.timedelta(days=2))
    assert clock.now() - start >= dt.timedelta(days=2)
    clock.freeze(dt.datetime(2027, 1, 4, 9))
    clock.travel(dt.timedelta(hours=1))
    assert clock.now() == dt.datetime(2027, 1, 4, 10)
    clock.reset()
    assert abs(clock.now() - start) < dt.timedelta(minutes=1)


def test_processes_started_with_the_shared_file_read_its_offset(tmp_path):
    # Given a shared clock file set a day ahead
    path = tmp_path / "clock"
    clock.write_offset(str(path), 86400.0)
    # Then a process started with it reads a day ahead, one started without reads real time
    assert abs(_ahead(path) - dt.timedelta(days=1)) < dt.timedelta(seconds=5)
    assert abs(_ahead(None)) < dt.timedelta(seconds=5)
    # And a running process reads a new offset once the file changes
    assert clock._shared_offset(str(path)) == dt.timedelta(days=1)
    clock.write_offset(str(path), 3600.0)
    assert clock._shared_offset(str(path)) == dt.timedelta(hours=1)
