"""Give each worker thread a database connection that lasts across the messages it processes,
replace it when it breaks, and let messages wait out a database outage.

A connection can break under any exception: a driver error, or an actor's own error that
wraps one (a batch of emails reports its failures together). So after any exception the
connection is checked, not the exception's type, and a broken one is replaced. When the
database does not answer a new connection either, it is down: the message is retried every
few seconds for as long as that lasts, without using up its retries, so an outage never sends
work to the dead-letter queue.
"""

from __future__ import annotations

import logging
import sqlite3

import dramatiq
from dramatiq.middleware import Retries
from peewee import DatabaseError, InterfaceError, SqliteDatabase

from models import db, init_db

logger = logging.getLogger(__name__)

#: What a failing database raises: peewee's errors, and the driver's when peewee let one by.
DB_ERRORS = (DatabaseError, InterfaceError, sqlite3.Error)

#: Message option set for one round when the message failed because the database is down.
OUTAGE = "tandem_database_down"

#: Message option counting the times a message waited for the database.
WAITS = "tandem_database_waits"

#: First and longest wait before a message that met a database outage runs again (ms): work
#: resumes at most this long after the database is back.
FIRST_WAIT = 1_000
LONGEST_WAIT = 10_000


def database_cause(exc: BaseException | None) -> BaseException | None:
    """Return the database error ``exc`` is or wraps (as cause or context), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DB_ERRORS):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def known_broken() -> bool:
    """Tell, without a round trip, whether this thread's open connection is known to be gone."""
    if db.obj is None or db.is_closed():
        return False
    conn = db.connection()
    if getattr(conn, "closed", 0):  # psycopg2: set once it has seen the server go away
        return True
    if isinstance(conn, sqlite3.Connection):
        try:
            conn.total_changes  # noqa: B018  (raises on a closed handle)
        except sqlite3.ProgrammingError:
            return True
    return False


def connection_works() -> bool:
    """Tell whether this thread's connection (if open) still answers; roll back what is open."""
    if db.obj is None or db.is_closed():
        return True
    try:
        if db.in_transaction():
            db.rollback()
        db.execute_sql("SELECT 1").fetchone()
    except DB_ERRORS:
        return False
    return not known_broken()


def discard_connection() -> None:
    """Forget this thread's connection, closing it if it still can; the next query opens one."""
    if db.obj is None or db.is_closed():
        return
    try:
        db.connection().close()
    except Exception:  # noqa: BLE001 a broken connection may fail to close in any way
        pass
    db.obj.dispose()


def database_answers() -> bool:
    """Tell whether the database takes a new connection and answers on it."""
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
    except DB_ERRORS:
        discard_connection()
        return False
    return True


class DatabaseMiddleware(dramatiq.Middleware):
    """Bind the database at worker boot; keep a connection per thread, replace it when broken.

    Reopening per message costs more than sending the email: closing an SQLite connection in
    WAL mode can checkpoint the log, and a PostgreSQL connection is a fresh server process.
    Its ``after_process_message`` runs before the Retries middleware's (Dramatiq calls the
    "after" hooks in reverse order), so the retry knows whether the database was down.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def before_worker_boot(self, broker, worker) -> None:
        if db.obj is None:
            init_db(self.url)

    def before_process_message(self, broker, message) -> None:
        if db.obj is None:
            return
        if known_broken():
            discard_connection()
        try:
            db.connect(reuse_if_open=True)
        except DB_ERRORS:
            pass  # the actor meets the same error; after_process_message sorts it out

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if db.obj is None or (exception is None and db.is_closed()):
            return
        if exception is None:
            if db.in_transaction() and not connection_works():
                discard_connection()  # connection_works rolled back what an actor left open
            return
        if not connection_works():
            logger.warning("database connection broken (%s); replacing it", exception)
            discard_connection()
        if database_cause(exception) is not None and not database_answers():
            message.options[OUTAGE] = True

    after_skip_message = after_process_message

    def before_worker_thread_shutdown(self, broker, thread) -> None:
        if db.obj is not None and not db.is_closed():
            discard_connection()


class PatientRetries(Retries):
    """Dramatiq's retries, except that a message that failed because the database is down is
    retried after a short wait, however often, without using up its retries."""

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is None or not message.options.pop(OUTAGE, False):
            super().after_process_message(broker, message, result=result, exception=exception)
            return
        waits = message.options.get(WAITS, 0)
        message.options[WAITS] = waits + 1
        delay = min(LONGEST_WAIT, FIRST_WAIT * 2**waits)
        logger.warning(
            "database down (%s); %s waits %d ms", database_cause(exception), message, delay
        )
        broker.enqueue(message, delay=delay)


def write_transaction():
    """Return ``db.atomic()`` that takes SQLite's write lock at BEGIN (IMMEDIATE).

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" when another process committed in between; taking the lock first makes it wait
    (busy_timeout) instead. PostgreSQL needs nothing of the kind.
    """
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()
