"""The calendar replies of the shared corpus, answering a mentoring series.

The series is daily at midnight in Toronto from 24 July 2014 (UID "foobar"), as in the
Sabre tests the corpus took its replies from; the other clients' replies are pointed at it
by their UID alone. Every reply is applied, or kept with a named reason when it answers a
date the series does not have; RECURRENCE-IDs written in UTC or in another TZID name the same
occurrence when they name the same instant.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import (
    GroupMember,
    InboundMessage,
    MentoringGroup,
    OccurrenceRsvp,
    Person,
    Programme,
    Rsvp,
    Session,
    clock,
)
from tests.mentoring.client_replies import mail
from tests.mentoring.pair_data import process
from tests.services import corpus_dir
from workers.mentoring.sessions import create_series
from workers.reading.itip import REPLY_METHODS

#: The series' first occurrence: midnight in Toronto, 04:00 UTC.
FIRST = dt.datetime(2014, 7, 24, 4, 0)


@pytest.fixture
def corpus():
    root = corpus_dir()
    if root is None:
        pytest.skip("the shared corpus (../shared/corpus) is not here")
    manifest = json.loads((root / "manifest.json").read_text())
    replies = [
        e
        for e in manifest
        if e["set"] == "itip"
        and e["expected"].get("method") in REPLY_METHODS
        and e["expected"].get("attendee")
    ]
    return root, replies


@pytest.fixture
def series(db, corpus):
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))  # reply addresses need dates after 2020
    programme = Programme.create(name="Corpus Mentoring", kind="mentoring")
    mentor = Person.create(name="Bar", email="bar@example.org", timezone="America/Toronto")
    group = MentoringGroup.create(programme=programme, mentor=mentor)
    for entry in corpus[1]:
        address = entry["expected"]["attendee"]
        person = Person.get_or_none(Person.email == address) or Person.create(
            name=address.split("@")[0], email=address
        )
        GroupMember.get_or_create(group=group, person=person)
    found = create_series(
        group, "Daily", FIRST, 60, "America/Toronto", "once", "FREQ=DAILY;COUNT=10"
    )
    Session.update(uid="foobar").where(Session.id == found.session_id).execute()
    return found


def calendar_text(root, entry) -> str:
    path = root / entry["path"]
    if path.suffix == ".eml":
        path = path.with_name(path.stem + ".calendar.ics")
    return path.read_text(encoding="utf-8", errors="replace")


def test_utc_and_another_tzid_name_the_same_occurrence(series, corpus):
    root, replies = corpus
    by_name = {e["path"].rsplit("__", 2)[-2]: e for e in replies if "__" in e["path"]}
    for name in ("testReplyExistingExceptionRecurrenceIdInUTC", "testReplyNewExceptionTz"):
        raw = mail("foo@example.org", calendar_text(root, by_name[name]), "Accepted")
        assert process(raw) == "applied", name
    answered = OccurrenceRsvp.select().where(OccurrenceRsvp.partstat == "ACCEPTED")
    # 04:00 UTC and midnight in Toronto are one instant: one occurrence, answered twice
    assert [a.occurrence.recurrence_id for a in answered] == [dt.datetime(2014, 7, 25, 4, 0)]
    for name in ("testReplyNewException", "testReplyNewExceptionFirstOccurrence"):
        raw = mail("foo@example.org", calendar_text(root, by_name[name]), "Accepted")
        assert process(raw) == "quarantined", name  # midnight UTC is 20:00 in Toronto
    assert OccurrenceRsvp.select().count() == 1


def test_every_corpus_reply_is_applied_or_kept_with_its_reason(series, corpus):
    root, replies = corpus
    outcomes = {}
    for entry in replies:
        want = entry["expected"]
        text = calendar_text(root, entry).replace(f"UID:{want['uid']}", "UID:foobar")
        InboundMessage.delete().execute()
        status = process(mail(want["attendee"], text, "Answer"))
        row = InboundMessage.get()
        outcomes[entry["path"]] = (status, row.reason)
        if want.get("recurrence_id"):
            continue
        assert status == "applied", (entry["path"], row.reason, row.detail)
        person = Person.get(Person.email == want["attendee"])
        rsvp = Rsvp.get((Rsvp.session == series.session_id) & (Rsvp.person == person))
        assert rsvp.partstat == want["partstat"], entry["path"]
    with_dates = {p: o for p, o in outcomes.items() if "AllDay" in p or "Exception" in p}
    assert with_dates, "the corpus should hold replies to one occurrence"
    for path, (status, reason) in with_dates.items():
        assert status == "applied" or reason == "UnknownEventError", (path, reason)
    # The all-day reply answers five dates of the series at once
    one = Person.get(Person.email == "one@example.org")
    answers = {
        a.occurrence.recurrence_id.day: a.partstat
        for a in OccurrenceRsvp.select().where(OccurrenceRsvp.person == one)
    }
    assert answers == {
        24: "DECLINED",
        25: "DECLINED",
        26: "ACCEPTED",
        28: "TENTATIVE",
        29: "ACCEPTED",
    }
