"""Schema steps 6, 7, 13, 18 and 19: columns added to tables that already held rows.

Each column's type comes from its model, so a step adds exactly what the model declares.
"""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator, SqliteMigrator

from models import (
    InboundMessage,
    Job,
    MentorProfile,
    OutboundEmail,
    Person,
    Programme,
    SharedContext,
)
from models.base import db

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

#: Columns of worker recovery: who holds a claim, and what happened to an email's tries.
RECOVERY_COLUMNS = (
    (OutboundEmail, ("claimed_by", "unconfirmed", "orphaned")),
    (InboundMessage, ("claimed_by",)),
    (Job, ("claimed_by",)),
)


def _add_columns(migrator: SchemaMigrator, columns: tuple) -> None:
    for model, names in columns:
        for name in names:
            migrator.add_column(model._meta.table_name, name, model._meta.fields[name]).run()


def _drop_columns(migrator: SchemaMigrator, columns: tuple) -> None:
    for model, names in columns:
        for name in names:
            migrator.drop_column(model._meta.table_name, name).run()


def add_workspace_columns(migrator: SchemaMigrator) -> None:
    """Add the workspace's columns to people, programmes and mentor profiles."""
    _add_columns(migrator, WORKSPACE_COLUMNS)


def drop_workspace_columns(migrator: SchemaMigrator) -> None:
    """Drop the workspace's columns."""
    _drop_columns(migrator, WORKSPACE_COLUMNS)


def add_recovery_columns(migrator: SchemaMigrator) -> None:
    """Add the claim holders and the email tries' counts."""
    _add_columns(migrator, RECOVERY_COLUMNS)


def drop_recovery_columns(migrator: SchemaMigrator) -> None:
    """Drop the recovery columns."""
    _drop_columns(migrator, RECOVERY_COLUMNS)


def add_references_column(migrator: SchemaMigrator) -> None:
    """Add the whole References chain to outbound emails."""
    migrator.add_column("outbound_email", "references", OutboundEmail.references).run()


def drop_references_column(migrator: SchemaMigrator) -> None:
    """Drop outbound emails' References chain."""
    migrator.drop_column("outbound_email", "references").run()


def add_selfassess_column(migrator: SchemaMigrator) -> None:
    """Add how many weeks apart a programme's self-assessments go out."""
    migrator.add_column("programme", "selfassess_weeks", Programme.selfassess_weeks).run()


def drop_selfassess_column(migrator: SchemaMigrator) -> None:
    """Drop programmes' self-assessment period."""
    migrator.drop_column("programme", "selfassess_weeks").run()


def add_shared_column(migrator: SchemaMigrator) -> None:
    """Add the table of contexts many emails share, and each email's link to one."""
    db.create_tables([SharedContext], safe=True)  # before the column that refers to it
    migrator.add_column("outbound_email", "shared_id", OutboundEmail.shared).run()


def drop_shared_column(migrator: SchemaMigrator) -> None:
    """Drop emails' shared contexts."""
    # SQLite's own DROP COLUMN refuses a column with a foreign key; peewee rebuilds the table.
    legacy = {"legacy": True} if isinstance(migrator, SqliteMigrator) else {}
    migrator.drop_column("outbound_email", "shared_id", **legacy).run()
    db.drop_tables([SharedContext])
