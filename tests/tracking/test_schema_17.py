"""Schema step 17: the survey, budget and objective tables come and go with the step."""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator

from models import db as proxy
from models.migrations import MIGRATIONS
from models.schema_tables import SURVEY_TABLES


def test_step_17_creates_and_drops_its_tables(db):
    # Given a database at the latest version, and step 17
    step = next(s for s in MIGRATIONS if s.version == 17)
    migrator = SchemaMigrator.from_database(proxy.obj)
    names = {model._meta.table_name for model in SURVEY_TABLES}
    assert names <= set(db.get_tables())
    # When it is undone, its tables go; when done again, they come back (twice is harmless)
    step.down(migrator)
    assert not names & set(db.get_tables())
    step.up(migrator)
    step.up(migrator)
    assert names <= set(db.get_tables())
