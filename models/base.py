"""Database proxy, base model and connection setup from ``DATABASE_URL``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peewee import DatabaseProxy, Model, TextField
from playhouse.db_url import connect

from models import clock

db = DatabaseProxy()

#: SQLite settings that let several worker processes share one file safely.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 30000,
    "mmap_size": 268435456,
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
