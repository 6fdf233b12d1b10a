"""Schema versions: create a new database, or upgrade an existing one in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peewee import CharField, IntegerField, Model
from playhouse.migrate import SchemaMigrator

from models import ALL_MODELS
from models.base import db


class SchemaVersion(Model):
    """The single row recording which migrations a database has."""

    version = IntegerField()
    note = CharField(default="")

    class Meta:
        database = db
        table_name = "schema_version"


@dataclass(frozen=True)
class Migration:
    """One schema step: ``up`` applies it, ``down`` undoes it (used to build old databases)."""

    version: int
    note: str
    up: Callable[[SchemaMigrator], None]
    down: Callable[[SchemaMigrator], None]


#: Every schema step after version 1 (the tables as first released), oldest first.
MIGRATIONS: list[Migration] = []


def latest_version() -> int:
    """Return the version a database has after every migration."""
    return MIGRATIONS[-1].version if MIGRATIONS else 1


def current_version() -> int | None:
    """Return the database's schema version, or None when it has no Tandem tables."""
    if not SchemaVersion.table_exists():
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else None


def migrate() -> list[int]:
    """Bring the bound database to the latest version and return the versions applied."""
    with db.atomic():
        version = current_version()
        if version is None:
            db.create_tables([*ALL_MODELS, SchemaVersion])
            SchemaVersion.create(version=latest_version(), note="created")
            return [latest_version()]
        migrator = SchemaMigrator.from_database(db.obj)
        applied = []
        for step in MIGRATIONS:
            if step.version > version:
                step.up(migrator)
                applied.append(step.version)
        if applied:
            SchemaVersion.update(version=applied[-1], note=MIGRATIONS[-1].note).execute()
        return applied
