"""Database proxy, base model and connection setup from ``DATABASE_URL``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peewee import (
    DatabaseProxy,
    Model,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    _savepoint,
)
from playhouse.db_url import connect, register_database

from models import clock


class TandemDatabaseProxy(DatabaseProxy):
    """The proxy the models use; it takes savepoints from the database it stands for."""

    def savepoint(self):
        return self.obj.savepoint()


db = TandemDatabaseProxy()

#: SQLite settings that let several worker processes share one file safely.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 30000,
    "mmap_size": 268435456,
    # Journals of savepoints in memory: past 64 KiB SQLite otherwise spills them to a temporary
    # file, and every inbound message is applied in a savepoint of its own.
    "temp_store": "memory",
}


class BaseModel(Model):
    """Base for every Tandem model."""

    class Meta:
        database = db
        legacy_table_names = False


class JSONField(TextField):
    """A JSON value stored as text, so it works the same on SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class DepthNamedSavepoints:
    """Name each savepoint after its depth ("s2") instead of a new random name.

    A savepoint's name is unique only among those open, so names may repeat; repeated SQL
    text lets SQLite reuse the prepared statement instead of compiling one per savepoint
    (each random name also pushed a useful statement out of the driver's cache).
    """

    def savepoint(self):
        return _DepthSavepoint(self)


class _DepthSavepoint(_savepoint):
    """A savepoint named after how many this thread's connection has open ("s0", "s1"...)."""

    def __init__(self, db) -> None:
        super().__init__(db, f"s{getattr(db._state, 'savepoints', 0)}")

    def __enter__(self):
        entered = super().__enter__()
        self.db._state.savepoints = getattr(self.db._state, "savepoints", 0) + 1
        return entered

    def __exit__(self, *exc_info):
        self.db._state.savepoints -= 1
        return super().__exit__(*exc_info)


class TandemSqliteDatabase(DepthNamedSavepoints, SqliteDatabase):
    """SQLite, as Tandem opens it."""


class TandemPostgresqlDatabase(DepthNamedSavepoints, PostgresqlDatabase):
    """PostgreSQL, as Tandem opens it."""


register_database(TandemSqliteDatabase, "sqlite")
register_database(TandemPostgresqlDatabase, "postgres", "postgresql")


def connect_url(url: str):
    """Open a peewee database for ``url`` (``sqlite:///path`` or ``postgresql://...``)."""
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[-1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return connect(url)


def init_db(url: str):
    """Bind the proxy to the database at ``url`` and return it."""
    database = connect_url(url)
    database.tandem_url = url
    db.initialize(database)
    return database


def utcnow():
    """Default for timestamp fields: the Tandem clock's current UTC time."""
    return clock.now()
