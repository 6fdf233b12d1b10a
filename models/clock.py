"""The one clock every part of Tandem reads, so tests can move time.

A test moves this process's clock with ``travel`` or ``freeze``. A benchmark that runs
workers in other processes moves all their clocks at once: each started with
``TANDEM_CLOCK_FILE`` naming a file reads its offset in seconds from there (re-read when the
file changes; ``write_offset`` writes it). Never set it in production. The variable is read
once, when this module is imported: ``now`` runs about 18 times per reply applied.
"""

from __future__ import annotations

import datetime as dt
import os

_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None

#: The variable naming the file of the offset every process shares, when a benchmark set one.
CLOCK_FILE = "TANDEM_CLOCK_FILE"

_shared = {"mtime": -1, "offset": dt.timedelta(0)}

#: This process's shared clock file, read once: a process is started with it or without.
_shared_path = os.environ.get(CLOCK_FILE)


def _shared_offset(path: str) -> dt.timedelta:
    """Return the offset in the shared clock file (re-read when its time changes)."""
    try:
        mtime = os.stat(path).st_mtime_ns
        if mtime != _shared["mtime"]:
            with open(path) as handle:
                _shared["offset"] = dt.timedelta(seconds=float(handle.read().strip() or 0))
            _shared["mtime"] = mtime
    except (OSError, ValueError):
        pass  # a file being replaced: keep the last offset read
    return _shared["offset"]


def now() -> dt.datetime:
    """Return the current time as a naive UTC datetime (how the database stores times)."""
    if _frozen is not None:
        return _frozen
    shared = _shared_offset(_shared_path) if _shared_path else dt.timedelta(0)
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + _offset + shared


def write_offset(path: str, seconds: float) -> None:
    """Set the shared clock of every process reading ``path`` to ``seconds`` ahead of real time."""
    temporary = f"{path}.new"
    with open(temporary, "w") as handle:
        handle.write(f"{seconds:.3f}\n")
    os.replace(temporary, path)


def travel(delta: dt.timedelta) -> None:
    """Move the clock forward (or back) by ``delta``."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def freeze(at: dt.datetime | None = None) -> None:
    """Stop the clock at ``at`` (naive UTC), or at the current time."""
    global _frozen
    _frozen = at if at is not None else now()


def reset() -> None:
    """Return to real time."""
    global _offset, _frozen
    _offset = dt.timedelta(0)
    _frozen = None
