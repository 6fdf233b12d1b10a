"""Schema steps 2-5: how rows are found and stored (indexes, and inbound bytes kept apart).

Each step is an ``up`` and a ``down`` function that ``models.migrations.MIGRATIONS`` names.
"""

from __future__ import annotations

from peewee import BlobField
from playhouse.migrate import SchemaMigrator

from models import InboundMessage, InboundRaw, Job, OutboundEmail
from models.base import db

#: The columns the delivery and inbound workers claim due rows by.
DUE_COLUMNS = ("status", "next_attempt_at")

#: The columns the pending jobs of one object are found by (their keys share a prefix).
JOB_KEY_COLUMNS = ("status", "key")

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


def _due_index(model) -> str:
    return "_".join((model._meta.table_name, *DUE_COLUMNS))


def add_due_indexes(migrator: SchemaMigrator) -> None:
    """Index outbox and inbound rows by (status, next_attempt_at)."""
    for model in (OutboundEmail, InboundMessage):
        migrator.add_index(model._meta.table_name, DUE_COLUMNS, False).run()


def drop_due_indexes(migrator: SchemaMigrator) -> None:
    """Drop the (status, next_attempt_at) indexes."""
    for model in (OutboundEmail, InboundMessage):
        migrator.drop_index(model._meta.table_name, _due_index(model)).run()


def add_job_key_index(migrator: SchemaMigrator) -> None:
    """Index jobs by (status, key)."""
    migrator.add_index(Job._meta.table_name, JOB_KEY_COLUMNS, False).run()


def drop_job_key_index(migrator: SchemaMigrator) -> None:
    """Drop the jobs' (status, key) index."""
    migrator.drop_index(Job._meta.table_name, "_".join(("job", *JOB_KEY_COLUMNS))).run()


def drop_redundant_indexes(migrator: SchemaMigrator) -> None:
    """Drop the single-column indexes listed in REDUNDANT_INDEXES."""
    for table, column in REDUNDANT_INDEXES:
        migrator.drop_index(table, f"{table}_{column}").run()


def add_redundant_indexes(migrator: SchemaMigrator) -> None:
    """Put back the single-column indexes listed in REDUNDANT_INDEXES."""
    for table, column in REDUNDANT_INDEXES:
        migrator.add_index(table, (column,), False).run()


def move_raw_out(migrator: SchemaMigrator) -> None:
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


def move_raw_back(migrator: SchemaMigrator) -> None:
    """Put each inbound message's bytes back in its row and drop their table."""
    migrator.add_column(InboundMessage._meta.table_name, "raw", BlobField(null=True)).run()
    db.execute_sql(
        'UPDATE "inbound_message" SET "raw" = (SELECT "raw" FROM "inbound_raw"'
        ' WHERE "inbound_raw"."message_id" = "inbound_message"."id")'
    )
    db.drop_tables([InboundRaw])
