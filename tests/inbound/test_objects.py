"""The objects a reply can be about: every reply-address type has a model and a programme."""

from __future__ import annotations

import datetime as dt

from models import (
    MentoringGroup,
    Occurrence,
    Person,
    Programme,
    Session,
    SessionSeries,
)
from workers.inbound import objects
from workers.outbound.tokens import OBJECT_CODES


def make_occurrence(programme: Programme) -> Occurrence:
    """A mentoring pair's series in ``programme`` and its first occurrence."""
    mentor = Person.create(name="Maya", email=f"maya@{programme.id}.example.org")
    group = MentoringGroup.create(programme=programme, mentor=mentor, theme="Public speaking")
    starts = dt.datetime(2027, 3, 1, 16, 0)
    session = Session.create(
        programme=programme,
        title="Mentoring",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        uid=f"series-{programme.id}@tandem.test",
    )
    series = SessionSeries.create(programme=programme, group=group, session=session)
    return Occurrence.create(
        series=series, recurrence_id=starts, starts_at=starts, ends_at=session.ends_at
    )


def test_it_knows_a_model_for_every_type_a_reply_address_names():
    assert set(objects.OBJECT_MODELS) == set(OBJECT_CODES)


def test_it_places_every_type_but_an_email_in_a_programme():
    assert set(objects.programme_types()) == set(OBJECT_CODES) - {"email"}
    assert objects.owned_by("email", Programme.select(Programme.id)) is None
    assert objects.owned_by("unknown", Programme.select(Programme.id)) is None


def test_it_finds_mentoring_objects_in_their_own_programme_only(db):
    # Given a pair's occurrence in one programme, and another programme
    mine = Programme.create(name="Mine", kind="mentoring")
    theirs = Programme.create(name="Theirs", kind="mentoring")
    occurrence = make_occurrence(mine)
    group_id = occurrence.series.group_id

    # When each is asked for its objects
    def ids(object_type: str, programme: Programme) -> set[int]:
        owned = objects.owned_by(
            object_type, Programme.select(Programme.id).where(Programme.id == programme.id)
        )
        return {row.id for row in owned}

    # Then the occurrence, the pair and its relay belong to the first programme alone
    assert ids("occurrence", mine) == {occurrence.id}
    assert ids("pair", mine) == ids("relay", mine) == {group_id}
    assert ids("occurrence", theirs) == ids("pair", theirs) == set()
    # and they are found and named for ``flask mail-parse``
    assert objects.label(objects.find("pair", group_id)) == "Public speaking"
    assert objects.find("occurrence", occurrence.id) == occurrence
    assert objects.find("occurrence", occurrence.id + 1000) is None
    assert objects.describe("pair", group_id) == f"pair {group_id}: Public speaking"
    assert objects.describe("occurrence", 999) == "occurrence 999 (no longer exists)"
    assert objects.describe("", None) == ""
    # and they lead to their programme
    assert objects.programme_of("occurrence", occurrence.id) == mine.id
    assert objects.programme_of("relay", group_id) == mine.id
    assert objects.programme_of("occurrence", 999) is None
    assert objects.programme_of("email", 1) is None
