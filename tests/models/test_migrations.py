"""Schema migrations: new databases, upgrades in place, and nothing to do when current."""

from __future__ import annotations

import pytest
from peewee import PostgresqlDatabase
from playhouse.migrate import SchemaMigrator

from models import ALL_MODELS, Goal, InboundMessage, Job, OutboundEmail, Person
from models.migrations import (
    MIGRATIONS,
    SchemaVersion,
    current_version,
    latest_version,
    migrate,
)
from models.schema_indexes import REDUNDANT_INDEXES


def make_version_1(database) -> None:
    """Turn the current schema into the first release's: undo every later step."""
    migrator = SchemaMigrator.from_database(database)
    for step in reversed(MIGRATIONS):
        step.down(migrator)
    SchemaVersion.update(version=1).execute()


def index_names(database, model) -> set[str]:
    return {index.name for index in database.get_indexes(model._meta.table_name)}


def all_index_names(database) -> set[str]:
    return set().union(*(index_names(database, m) for m in (InboundMessage, OutboundEmail, Job)))


REDUNDANT = {f"{table}_{column}" for table, column in REDUNDANT_INDEXES}


RAW = b"Subject: hi\r\n\r\nhello\r\n"


def insert_rows(database=None) -> Person:
    """Insert a row in a few tables; with ``database``, as the first release stored them."""
    person = Person.create(name="Ada Lovelace", email="ada@example.org", timezone="Europe/London")
    OutboundEmail.create(
        kind="ping", to_addr=person.email, person=person, message_id="<m1@t>", idem_key="k1"
    )
    if database is None:
        InboundMessage.create(raw=RAW, sha256="a" * 64)
    else:  # the bytes in the message's own row (schema version 1 to 3)
        InboundMessage.create(sha256="a" * 64)
        mark = database.param
        database.execute_sql(f'UPDATE "inbound_message" SET "raw" = {mark}', (RAW,))
    return person


def test_it_upgrades_a_version_1_database_in_place(db):
    # Given a database made by the first release, with rows in it
    make_version_1(db)
    person = insert_rows(db)
    assert current_version() == 1
    assert "outbound_email_status_next_attempt_at" not in index_names(db, OutboundEmail)
    assert "job_status_key" not in index_names(db, Job)
    assert REDUNDANT <= all_index_names(db)

    # When it is migrated
    applied = migrate()

    # Then it has every later step, the new indexes, and the same rows
    assert applied == [step.version for step in MIGRATIONS]
    assert current_version() == latest_version() == MIGRATIONS[-1].version
    assert not REDUNDANT & all_index_names(db)
    assert "outbound_email_status_next_attempt_at" in index_names(db, OutboundEmail)
    assert "job_status_key" in index_names(db, Job)
    assert "inbound_message_status_next_attempt_at" in index_names(db, InboundMessage)
    assert Person.get_by_id(person.id).timezone == "Europe/London"
    assert OutboundEmail.get().to_addr == "ada@example.org"
    assert bytes(InboundMessage.get().raw) == RAW
    assert "raw" not in {column.name for column in db.get_columns("inbound_message")}
    assert SchemaVersion.select().count() == 1


def test_it_does_nothing_on_a_current_database(db):
    insert_rows()
    before = {m: index_names(db, m) for m in (OutboundEmail, InboundMessage)}

    assert migrate() == []

    assert current_version() == latest_version()
    assert {m: index_names(db, m) for m in (OutboundEmail, InboundMessage)} == before
    assert Person.select().count() == 1
    assert SchemaVersion.select().count() == 1


def test_it_upgrades_tables_made_before_versions_were_recorded(db):
    make_version_1(db)
    insert_rows(db)
    db.drop_tables([SchemaVersion])

    assert current_version() == 1
    assert migrate() == [step.version for step in MIGRATIONS]
    assert current_version() == latest_version()
    assert Person.select().count() == 1


def test_it_creates_the_tables_of_models_added_since(db):
    make_version_1(db)
    # (on PostgreSQL the tables referring to goals go too, and come back with it)
    db.drop_tables([Goal], cascade=isinstance(db, PostgresqlDatabase))

    migrate()

    assert Goal.table_exists()


def test_it_creates_a_new_database_at_the_latest_version(db):
    db.drop_tables([*ALL_MODELS, SchemaVersion], cascade=isinstance(db, PostgresqlDatabase))
    assert current_version() is None

    assert migrate() == [latest_version()]

    assert all(model.table_exists() for model in ALL_MODELS)
    assert "outbound_email_status_next_attempt_at" in index_names(db, OutboundEmail)
    assert not REDUNDANT & all_index_names(db)


def test_queries_by_status_alone_still_use_an_index(db):
    # Given a current SQLite database
    if isinstance(db, PostgresqlDatabase):
        pytest.skip("PostgreSQL plans a query on a table this small as a scan, index or not")
    # When SQLite plans the quarantine's query, the scheduler's and a count of pending jobs
    queries = [
        InboundMessage.select().where(InboundMessage.status == "quarantined"),
        OutboundEmail.select().where(OutboundEmail.status == "queued"),
        Job.select().where(Job.status == "pending"),
    ]
    for query in queries:
        sql, params = query.sql()
        plan = " ".join(row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
        # Then each searches the composite index that starts with the status
        assert "USING INDEX" in plan and "_status_" in plan, plan
