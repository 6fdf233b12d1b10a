"""Schema versions: create a new database, or upgrade an existing one in place.

Version 1 is the schema as first released. A new model is a new table, which ``migrate()``
creates by itself; a change to an existing table (a column, an index) needs a step appended
to ``MIGRATIONS`` with ``up`` and ``down``, and the model changed to match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peewee import BlobField, CharField, IntegerField, Model
from playhouse.migrate import SchemaMigrator

from models import (
    ALL_MODELS,
    AssignmentOptions,
    InboundMessage,
    InboundRaw,
    Job,
    MentorProfile,
    OutboundEmail,
    Person,
    Programme,
    Review,
    SubmissionFile,
)
from models.base import db
from models.budget import OptionalBudget, OptionalSend
from models.learning import (
    AttendanceCheck,
    AttendanceMark,
    Competence,
    Material,
    MaterialCompletion,
    SelfCheck,
    SelfRating,
)
from models.objectives import Objective, ObjectiveValue
from models.reports import Badge, ReportSchedule
from models.surveys import Survey, SurveyPlan, SurveyResponse


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


#: The columns the delivery and inbound workers claim due rows by.
DUE_COLUMNS = ("status", "next_attempt_at")


def _due_index(model) -> str:
    return "_".join((model._meta.table_name, *DUE_COLUMNS))


def _add_due_indexes(migrator: SchemaMigrator) -> None:
    for model in (OutboundEmail, InboundMessage):
        migrator.add_index(model._meta.table_name, DUE_COLUMNS, False).run()


def _drop_due_indexes(migrator: SchemaMigrator) -> None:
    for model in (OutboundEmail, InboundMessage):
        migrator.drop_index(model._meta.table_name, _due_index(model)).run()


#: The columns the pending jobs of one object are found by (their keys share a prefix).
JOB_KEY_COLUMNS = ("status", "key")


def _add_job_key_index(migrator: SchemaMigrator) -> None:
    migrator.add_index(Job._meta.table_name, JOB_KEY_COLUMNS, False).run()


def _drop_job_key_index(migrator: SchemaMigrator) -> None:
    migrator.drop_index(Job._meta.table_name, "_".join(("job", *JOB_KEY_COLUMNS))).run()


#: Single-column indexes that a composite index starting with the same column makes
#: redundant, or that no query uses alone (every query on next_attempt_at also asks for a
#: status): (table, column). Each still cost a page write per row stored or updated.
REDUNDANT_INDEXES = (
    ("inbound_message", "status"),
    ("inbound_message", "next_attempt_at"),
    ("outbound_email", "status"),
    ("outbound_email", "next_attempt_at"),
    ("job", "status"),
)


def _drop_redundant_indexes(migrator: SchemaMigrator) -> None:
    for table, column in REDUNDANT_INDEXES:
        migrator.drop_index(table, f"{table}_{column}").run()


def _add_redundant_indexes(migrator: SchemaMigrator) -> None:
    for table, column in REDUNDANT_INDEXES:
        migrator.add_index(table, (column,), False).run()


def _move_raw_out(migrator: SchemaMigrator) -> None:
    """Move each inbound message's bytes from its row to a table of their own."""
    if getattr(migrator, "sqlite_version", (3, 35)) < (3, 35):
        # Older SQLite drops a column by rebuilding the table, and dropping the old table
        # would cascade to the bytes just copied.
        raise RuntimeError("upgrading to schema version 4 needs SQLite 3.35 or newer")
    db.create_tables([InboundRaw], safe=True)
    db.execute_sql(
        'INSERT INTO "inbound_raw" ("message_id", "raw") SELECT "id", "raw" FROM "inbound_message"'
    )
    migrator.drop_column(InboundMessage._meta.table_name, "raw").run()


def _move_raw_back(migrator: SchemaMigrator) -> None:
    migrator.add_column(InboundMessage._meta.table_name, "raw", BlobField(null=True)).run()
    db.execute_sql(
        'UPDATE "inbound_message" SET "raw" = (SELECT "raw" FROM "inbound_raw"'
        ' WHERE "inbound_raw"."message_id" = "inbound_message"."id")'
    )
    db.drop_tables([InboundRaw])


#: Columns the coordinator's workspace added to existing tables, taken from the models.
WORKSPACE_COLUMNS = (
    (Person, ("department", "language", "deactivated_at")),
    (
        Programme,
        (
            "archived_at",
            "reply_deadline_hours",
            "reminder_hours",
            "summary_within_hours",
            "item_reminder_days",
        ),
    ),
    (
        MentorProfile,
        ("goals", "languages", "availability", "orientation_done", "orientation_date"),
    ),
)


def _add_workspace_columns(migrator: SchemaMigrator) -> None:
    for model, names in WORKSPACE_COLUMNS:
        for name in names:
            migrator.add_column(model._meta.table_name, name, model._meta.fields[name]).run()


def _drop_workspace_columns(migrator: SchemaMigrator) -> None:
    for model, names in WORKSPACE_COLUMNS:
        for name in names:
            migrator.drop_column(model._meta.table_name, name).run()


#: Columns of worker recovery: who holds a claim, and what happened to an email's tries.
RECOVERY_COLUMNS = (
    (OutboundEmail, ("claimed_by", "unconfirmed", "orphaned")),
    (InboundMessage, ("claimed_by",)),
    (Job, ("claimed_by",)),
)


def _add_recovery_columns(migrator: SchemaMigrator) -> None:
    for model, names in RECOVERY_COLUMNS:
        for name in names:
            migrator.add_column(model._meta.table_name, name, model._meta.fields[name]).run()


def _drop_recovery_columns(migrator: SchemaMigrator) -> None:
    for model, names in RECOVERY_COLUMNS:
        for name in names:
            migrator.drop_column(model._meta.table_name, name).run()


def _add_references_column(migrator: SchemaMigrator) -> None:
    migrator.add_column("outbound_email", "references", OutboundEmail.references).run()


def _drop_references_column(migrator: SchemaMigrator) -> None:
    migrator.drop_column("outbound_email", "references").run()


#: Tables of assignments sent by email: their options, submitted files and reviews.
ASSIGNMENT_TABLES = (AssignmentOptions, SubmissionFile, Review)


def _add_assignment_tables(migrator: SchemaMigrator) -> None:
    db.create_tables(ASSIGNMENT_TABLES, safe=True)


def _drop_assignment_tables(migrator: SchemaMigrator) -> None:
    db.drop_tables(list(reversed(ASSIGNMENT_TABLES)), safe=True)


#: Tables of materials, self-assessments and attendance checks.
LEARNING_TABLES = (
    Material,
    MaterialCompletion,
    Competence,
    SelfCheck,
    SelfRating,
    AttendanceCheck,
    AttendanceMark,
)


def _add_learning_tables(migrator: SchemaMigrator) -> None:
    db.create_tables(LEARNING_TABLES, safe=True)


def _drop_learning_tables(migrator: SchemaMigrator) -> None:
    db.drop_tables(list(reversed(LEARNING_TABLES)), safe=True)


#: Tables of personal-report schedules and recognition badges.
REPORT_TABLES = (ReportSchedule, Badge)


def _add_report_tables(migrator: SchemaMigrator) -> None:
    db.create_tables(REPORT_TABLES, safe=True)


def _drop_report_tables(migrator: SchemaMigrator) -> None:
    db.drop_tables(list(reversed(REPORT_TABLES)), safe=True)


#: Tables of surveys, the optional-email budget and programme objectives.
SURVEY_TABLES = (
    OptionalBudget,
    OptionalSend,
    Survey,
    SurveyResponse,
    SurveyPlan,
    Objective,
    ObjectiveValue,
)


def _add_survey_tables(migrator: SchemaMigrator) -> None:
    db.create_tables(SURVEY_TABLES, safe=True)


def _drop_survey_tables(migrator: SchemaMigrator) -> None:
    db.drop_tables(list(reversed(SURVEY_TABLES)), safe=True)


#: Every schema step after version 1 (the tables as first released), oldest first.
MIGRATIONS: list[Migration] = [
    Migration(
        version=2,
        note="index outbox and inbound rows by (status, next_attempt_at)",
        up=_add_due_indexes,
        down=_drop_due_indexes,
    ),
    Migration(
        version=3,
        note="index jobs by (status, key), for the pending jobs of one object",
        up=_add_job_key_index,
        down=_drop_job_key_index,
    ),
    Migration(
        version=4,
        note="inbound bytes in a table of their own, so updating a message's row stays cheap",
        up=_move_raw_out,
        down=_move_raw_back,
    ),
    Migration(
        version=5,
        note="drop single-column indexes the (status, ...) indexes make redundant",
        up=_drop_redundant_indexes,
        down=_add_redundant_indexes,
    ),
    Migration(
        version=6,
        note="programme archiving and timings; people's department, language, deactivation;"
        " mentor profiles' goals, languages, availability, orientation",
        up=_add_workspace_columns,
        down=_drop_workspace_columns,
    ),
    Migration(
        version=7,
        note="claims name the worker holding them; emails count unconfirmed sends and"
        " workers that died holding them",
        up=_add_recovery_columns,
        down=_drop_recovery_columns,
    ),
    Migration(
        version=13,
        note="emails that answer another keep the whole References chain",
        up=_add_references_column,
        down=_drop_references_column,
    ),
    Migration(
        version=14,
        note="assignments by email: answer keys and reminder timings, submitted files, reviews",
        up=_add_assignment_tables,
        down=_drop_assignment_tables,
    ),
    Migration(
        version=15,
        note="personal-report schedules per programme; recognition badges",
        up=_add_report_tables,
        down=_drop_report_tables,
    ),
    Migration(
        version=16,
        note="materials and their completion, self-assessments, after-session attendance checks",
        up=_add_learning_tables,
        down=_drop_learning_tables,
    ),
    Migration(
        version=17,
        note="surveys and their answers, each person's weekly budget of optional emails,"
        " programme objectives and their values over time",
        up=_add_survey_tables,
        down=_drop_survey_tables,
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
