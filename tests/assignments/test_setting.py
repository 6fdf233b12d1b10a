"""Setting an assignment: it goes by email, with a reply address, to the people it is for."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email.utils import parseaddr

import pytest

from models import Assignee, Job
from tests.assignments.world import built, emails, make_workshop, values
from workers import settings as settings_mod
from workers.assignments.errors import InvalidAssignment
from workers.assignments.setting import create_assignment, set_due_for, set_for
from workers.outbound.tokens import parse_reply_address


@pytest.fixture
def world(db):
    return make_workshop()


def test_each_member_of_the_cohort_gets_it_by_email_with_their_own_reply_address(world):
    # Given a workshop with a Blue cohort (Ana, Ben) and a Red one (Cleo)
    people = world["people"]
    # When an assignment is set for Blue
    work = create_assignment(world["programme"], values(), world["blue"])
    # Then Ana and Ben have it, due at 17:00 UTC on 9 November, and Cleo does not
    assigned = {a.person_id: a.due_at for a in Assignee.select()}
    due = dt.datetime(2026, 11, 9, 17, 0)
    assert assigned == {people["ana"].id: due, people["ben"].id: due}
    sent = emails("assignment")
    assert sorted(row.to_addr for row in sent) == ["ana@example.org", "ben@example.org"]
    # And each email has a text and an HTML part and a reply address naming its reader
    message = built(emails("assignment", people["ana"])[0])
    assert "Case study: the late bus" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Mon 09 Nov 2026, 17:00 (UTC)" in text and "Read the case" in text
    assert "Case study: the late bus" in html
    keys = settings_mod.get().verification_keys
    token = parse_reply_address(keys, parseaddr(str(message["Reply-To"]))[1])
    assert (token.person_id, token.object_type, token.object_id) == (
        people["ana"].id,
        "assignment",
        work.id,
    )


def test_it_goes_to_everyone_taking_part_when_no_cohort_is_chosen(world):
    create_assignment(world["programme"], values())
    sent = sorted(row.to_addr for row in emails("assignment"))
    assert sent == ["ana@example.org", "ben@example.org", "cleo@example.org"]


def test_setting_it_again_sends_it_only_to_those_who_did_not_have_it(world):
    people = world["people"]
    work = create_assignment(world["programme"], values(), world["blue"])
    assert set_for(work, [people["ana"].id, people["cleo"].id]) == 1
    assert len(emails("assignment")) == 3


def test_a_person_given_their_own_due_date_is_reminded_by_it(world):
    # Given Ben has a week more than the cohort
    people = world["people"]
    work = create_assignment(world["programme"], values(), world["blue"])
    set_due_for(work, people["ben"].id, dt.datetime(2026, 11, 16, 17, 0))
    # Then reminders are due 3 and 1 days before each due time, and overdue notes a day after
    runs = sorted((j.kind, j.run_at) for j in Job.select().where(Job.status == "pending"))
    assert runs == [
        ("assignment.overdue", dt.datetime(2026, 11, 10, 17, 0)),
        ("assignment.overdue", dt.datetime(2026, 11, 17, 17, 0)),
        ("assignment.reminder", dt.datetime(2026, 11, 6, 17, 0)),
        ("assignment.reminder", dt.datetime(2026, 11, 8, 17, 0)),
        ("assignment.reminder", dt.datetime(2026, 11, 13, 17, 0)),
        ("assignment.reminder", dt.datetime(2026, 11, 15, 17, 0)),
    ]


def test_without_its_own_days_it_reminds_by_the_programmes_item_reminder_days(world):
    settings_mod.configure(dataclasses.replace(settings_mod.get(), item_reminder_days=(2,)))
    create_assignment(world["programme"], values(reminder_days=""), world["blue"])
    runs = [j.run_at for j in Job.select().where(Job.kind == "assignment.reminder")]
    assert runs == [dt.datetime(2026, 11, 7, 17, 0)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"kind": "essay"}, "kind"),
        ({"due": "next week"}, "due"),
        ({"due": "2026-11-01"}, "due"),
        ({"answer_key": "1. b"}, "answer_key"),
        ({"kind": "quiz", "answer_key": "b, true, paris"}, "answer_key"),
        ({"reminder_days": "3, soon"}, "reminder_days"),
    ],
)
def test_it_refuses_values_it_cannot_use_and_sends_nothing(world, changes, field):
    with pytest.raises(InvalidAssignment) as raised:
        create_assignment(world["programme"], values(**changes))
    assert raised.value.field == field
    assert emails("assignment") == []
