"""Give each worker thread a database connection that lasts across the messages it processes."""

from __future__ import annotations

import dramatiq
from peewee import InterfaceError, OperationalError, SqliteDatabase

from models import db, init_db


class DatabaseMiddleware(dramatiq.Middleware):
    """Bind the database at worker boot; open a connection per thread, drop it when it breaks.

    Reopening per message costs more than sending the email: closing an SQLite connection in
    WAL mode can checkpoint the log, and a PostgreSQL connection is a fresh server process.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def before_worker_boot(self, broker, worker) -> None:
        if db.obj is None:
            init_db(self.url)

    def before_process_message(self, broker, message) -> None:
        if db.obj is not None:
            db.connect(reuse_if_open=True)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if db.obj is None or db.is_closed():
            return
        if db.in_transaction():
            db.rollback()  # an actor that left a transaction open must not leak it
        if isinstance(exception, InterfaceError | OperationalError):
            db.close()  # the connection may be broken; the next message opens a new one

    after_skip_message = after_process_message

    def before_worker_thread_shutdown(self, broker, thread) -> None:
        if db.obj is not None and not db.is_closed():
            db.close()


def write_transaction():
    """Return ``db.atomic()`` that takes SQLite's write lock at BEGIN (IMMEDIATE).

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" when another process committed in between; taking the lock first makes it wait
    (busy_timeout) instead. PostgreSQL needs nothing of the kind.
    """
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()
