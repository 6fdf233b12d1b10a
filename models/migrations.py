"""Schema versions: create a new database, or upgrade an existing one in place.

Version 1 is the schema as first released. A new model is a new table, which ``migrate()``
creates by itself; a change to an existing table (a column, an index) needs a step appended
to ``MIGRATIONS`` with ``up`` and ``down``, and the model changed to match. The steps' functions
live by topic: indexes and storage in ``models.schema_indexes``, columns added to existing
tables in ``models.schema_columns``, a feature's whole tables in ``models.schema_tables``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peewee import CharField, IntegerField, Model
from playhouse.migrate import SchemaMigrator

from models import ALL_MODELS, Person
from models.base import db
from models.schema_columns import (
    add_recovery_columns,
    add_references_column,
    add_selfassess_column,
    add_shared_column,
    add_workspace_columns,
    drop_recovery_columns,
    drop_references_column,
    drop_selfassess_column,
    drop_shared_column,
    drop_workspace_columns,
)
from models.schema_indexes import (
    add_due_indexes,
    add_job_key_index,
    add_redundant_indexes,
    drop_due_indexes,
    drop_job_key_index,
    drop_redundant_indexes,
    move_raw_back,
    move_raw_out,
)
from models.schema_tables import (
    add_assignment_tables,
    add_learning_tables,
    add_report_tables,
    add_survey_tables,
    drop_assignment_tables,
    drop_learning_tables,
    drop_report_tables,
    drop_survey_tables,
)


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
MIGRATIONS: list[Migration] = [
    Migration(
        version=2,
        note="index outbox and inbound rows by (status, next_attempt_at)",
        up=add_due_indexes,
        down=drop_due_indexes,
    ),
    Migration(
        version=3,
        note="index jobs by (status, key), for the pending jobs of one object",
        up=add_job_key_index,
        down=drop_job_key_index,
    ),
    Migration(
        version=4,
        note="inbound bytes in a table of their own, so updating a message's row stays cheap",
        up=move_raw_out,
        down=move_raw_back,
    ),
    Migration(
        version=5,
        note="drop single-column indexes the (status, ...) indexes make redundant",
        up=drop_redundant_indexes,
        down=add_redundant_indexes,
    ),
    Migration(
        version=6,
        note="programme archiving and timings; people's department, language, deactivation;"
        " mentor profiles' goals, languages, availability, orientation",
        up=add_workspace_columns,
        down=drop_workspace_columns,
    ),
    Migration(
        version=7,
        note="claims name the worker holding them; emails count unconfirmed sends and"
        " workers that died holding them",
        up=add_recovery_columns,
        down=drop_recovery_columns,
    ),
    Migration(
        version=13,
        note="emails that answer another keep the whole References chain",
        up=add_references_column,
        down=drop_references_column,
    ),
    Migration(
        version=14,
        note="assignments by email: answer keys and reminder timings, submitted files, reviews",
        up=add_assignment_tables,
        down=drop_assignment_tables,
    ),
    Migration(
        version=15,
        note="personal-report schedules per programme; recognition badges",
        up=add_report_tables,
        down=drop_report_tables,
    ),
    Migration(
        version=16,
        note="materials and their completion, self-assessments, after-session attendance checks",
        up=add_learning_tables,
        down=drop_learning_tables,
    ),
    Migration(
        version=17,
        note="surveys and their answers, each person's weekly budget of optional emails,"
        " programme objectives and their values over time",
        up=add_survey_tables,
        down=drop_survey_tables,
    ),
    Migration(
        version=18,
        note="each programme chooses how many weeks apart its self-assessments go out",
        up=add_selfassess_column,
        down=drop_selfassess_column,
    ),
    Migration(
        version=19,
        note="a context many emails share (a cycle's summary, its brief) is stored once",
        up=add_shared_column,
        down=drop_shared_column,
    ),
]

# Steps run in version order, wherever each was written in the list above.
MIGRATIONS.sort(key=lambda step: step.version)


def latest_version() -> int:
    """Return the version a database has after every migration."""
    return max((step.version for step in MIGRATIONS), default=1)


def current_version() -> int | None:
    """Return the database's schema version, or None when it has no Tandem tables."""
    if not SchemaVersion.table_exists():
        # Tables made before versions were recorded are the first release's.
        return 1 if Person.table_exists() else None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 1


def migrate() -> list[int]:
    """Bring the bound database to the latest version and return the versions applied."""
    with db.atomic():
        version = current_version()
        if version is None:
            db.create_tables([*ALL_MODELS, SchemaVersion])
            _record(latest_version(), "created")
            return [latest_version()]
        migrator = SchemaMigrator.from_database(db.obj)
        applied = []
        for step in MIGRATIONS:
            if step.version > version:
                step.up(migrator)
                applied.append(step.version)
        # Tables of models added since (new tables, not changed ones) need no step.
        db.create_tables([*ALL_MODELS, SchemaVersion], safe=True)
        if applied or not SchemaVersion.select().exists():
            _record(applied[-1] if applied else version, MIGRATIONS[-1].note if applied else "")
        return applied


def _record(version: int, note: str) -> None:
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=version, note=note)
