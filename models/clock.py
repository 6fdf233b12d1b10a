"""The one clock every part of Tandem reads, so tests can move time."""

from __future__ import annotations

import datetime as dt

_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Return the current time as a naive UTC datetime (how the database stores times)."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + _offset


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
