"""A lock file that queues SQLite writers across processes, so a waiter starts when it frees.

SQLite's own busy handler makes a blocked writer sleep 1, 2, 5, 10, 25... milliseconds before
trying again, so under load the database sits idle while writers sleep. The listener and the
inbound workers take this lock (``flock`` on ``<database>.write-lock``) around their write
transactions instead; the kernel wakes the next waiter as soon as it is released. A worker
with messages still to read asks without waiting, and reads on while the lock is taken.
Writers that do not take it (the web app, the scheduler) still meet SQLite's busy handler.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from peewee import SqliteDatabase

from models import db

#: Suffix of the lock file kept next to the SQLite database file.
SUFFIX = ".write-lock"

_local = threading.local()


def lock_path() -> str | None:
    """Return the lock file for the bound database, or None when it is not an SQLite file."""
    database = db.obj
    if not isinstance(database, SqliteDatabase):
        return None
    name = str(database.database or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return os.path.abspath(name) + SUFFIX


@contextmanager
def write_lock(wait: bool = True) -> Iterator[bool]:
    """Hold the database's write lock file while the block runs; yield whether it is held.

    With ``wait=False`` it does not queue: when another writer holds the lock, it yields
    False at once and the block must not write (a worker reads its next message instead).
    It takes nothing, and yields True, on PostgreSQL, when this thread holds it already, or
    inside a transaction (one that may hold SQLite's lock already must not then wait for
    this one).
    """
    path = lock_path()
    if path is None or getattr(_local, "held", False) or db.in_transaction():
        yield True
        return
    fd = _descriptor(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        yield False
        return
    _local.held = True
    try:
        yield True
    finally:
        _local.held = False
        fcntl.flock(fd, fcntl.LOCK_UN)


def _descriptor(path: str) -> int:
    """Return this thread's own descriptor for ``path`` (flock locks each open file apart)."""
    opened = getattr(_local, "opened", None)
    if opened is not None and opened[0] == path:
        return opened[1]
    if opened is not None:
        os.close(opened[1])  # the thread moved to another database (tests do)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _local.opened = (path, fd)
    return fd
