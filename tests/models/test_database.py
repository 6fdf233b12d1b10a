"""The database layer: savepoints named by depth keep nested transactions right."""

from __future__ import annotations

import pytest
from peewee import SqliteDatabase

from models import Person


def test_nested_savepoints_roll_back_only_their_own_writes(db):
    # Given a transaction with savepoints opened in turn and inside each other
    with db.atomic():
        with db.atomic() as first:
            Person.create(name="Kept", email="kept@example.org")
        with pytest.raises(ValueError), db.atomic() as second:
            Person.create(name="Undone", email="undone@example.org")
            with db.atomic() as inner:
                Person.create(name="Inner", email="inner@example.org")
            raise ValueError("roll back the second savepoint")
        with db.atomic() as third:
            Person.create(name="Also kept", email="also@example.org")
    # Then the names repeat by depth (so SQLite reuses its prepared statements)
    assert (first.sid, second.sid, inner.sid, third.sid) == ("s0", "s0", "s1", "s0")
    # And only the failed savepoint's writes, with those nested in it, were undone
    names = sorted(p.name for p in Person.select())
    assert names == ["Also kept", "Kept"]


def test_a_savepoint_larger_than_sqlite_spills_to_disk_rolls_back_whole(db):
    # Given a transaction, and in it a savepoint that changes far more than 64 KiB of pages
    if isinstance(db, SqliteDatabase):
        # SQLite keeps the savepoint's journal in memory rather than in a temporary file
        assert db.execute_sql("PRAGMA temp_store").fetchone()[0] == 2
    with db.atomic():
        Person.create(name="Kept", email="kept@example.org")
        with pytest.raises(ValueError), db.atomic():
            for i in range(1000):
                Person.create(name="x" * 200 + str(i), email=f"p{i}@example.org")
            raise ValueError("roll the savepoint back")
    # Then only the write before it stays
    assert [p.name for p in Person.select()] == ["Kept"]
