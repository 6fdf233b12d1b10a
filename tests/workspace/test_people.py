"""People: add, edit, change email (old address kept), deactivate, roles in programmes."""

from __future__ import annotations

import pytest

from models import ActionItemUpdate, AuditEvent, EmailAlias, Membership, Person
from tests import mailfactory as mf
from workers.inbound import store, worker
from workers.inbound.appliers import APPLIERS
from workers.workspace.errors import PersonError
from workers.workspace.people import (
    add_alias,
    add_membership,
    add_person,
    change_email,
    deactivate_person,
    edit_person,
    reactivate_person,
    remove_alias,
    remove_membership,
)
from workers.workspace.programmes import create_programme


def test_it_adds_a_person_with_checked_values(db):
    person = add_person(
        " Ada  Lovelace ", "ADA@Example.org", timezone="europe/london", language="French"
    )
    person = Person.get_by_id(person.id)
    assert (person.name, person.email, person.timezone, person.language) == (
        "Ada Lovelace",
        "ada@example.org",
        "Europe/London",
        "fr",
    )
    assert person.department is None and person.can_receive_email
    assert AuditEvent.get(AuditEvent.verb == "person.created").object_id == person.id


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "  "}, "the name is missing"),
        ({"timezone": "Europe/Lndon"}, "unknown time zone"),
        ({"language": "Klingon"}, "unknown language"),
        ({"email": "x@example.org"}, "cannot change email"),
    ],
)
def test_editing_refuses_bad_values(db, changes, message):
    person = add_person("Ada", "ada@example.org")
    with pytest.raises(PersonError, match=message):
        edit_person(person, **changes)


def test_editing_records_what_changed(db):
    person = add_person("Ada", "ada@example.org")
    changed = edit_person(person, actor="user:2", department="Maths", timezone="Asia/Tokyo")
    assert changed == {"department": [None, "Maths"], "timezone": ["UTC", "Asia/Tokyo"]}
    assert Person.get_by_id(person.id).department == "Maths"
    event = AuditEvent.get(AuditEvent.verb == "person.updated")
    assert (event.actor, event.data["changes"]) == ("user:2", changed)


def test_an_address_belongs_to_one_person(db):
    add_person("Ada", "ada@example.org")
    bob = add_person("Bob", "bob@example.org")
    with pytest.raises(PersonError, match="already the address of Ada"):
        add_person("Ada 2", "ADA@example.org")
    with pytest.raises(PersonError, match="already the address of Ada"):
        add_alias(bob, "ada@example.org")
    with pytest.raises(PersonError, match="bad email syntax"):
        add_alias(bob, "bob at home")


def test_changing_an_email_keeps_the_old_one_as_an_alias(db):
    ada = add_person("Ada", "ada@example.org")
    assert change_email(ada, "Ada@New.example.org", actor="user:1")
    ada = Person.get_by_id(ada.id)
    assert ada.email == "ada@new.example.org"
    assert Person.by_email("ADA@example.org").id == ada.id
    assert ada.owns_address("ada@example.org")
    event = AuditEvent.get(AuditEvent.verb == "person.email_changed")
    assert event.data == {"old": "ada@example.org", "new": "ada@new.example.org"}
    assert not change_email(ada, "ada@new.example.org")


def test_an_alias_can_become_the_main_address(db):
    ada = add_person("Ada", "ada@example.org")
    add_alias(ada, "ada@home.example.net")
    change_email(ada, "ada@home.example.net")
    assert Person.get_by_id(ada.id).email == "ada@home.example.net"
    assert [a.email for a in EmailAlias.select()] == ["ada@example.org"]


def test_an_email_cannot_change_to_someone_elses(db):
    ada = add_person("Ada", "ada@example.org")
    bob = add_person("Bob", "bob@example.org")
    add_alias(bob, "bob@home.example.net")
    with pytest.raises(PersonError):
        change_email(ada, "bob@home.example.net")
    assert Person.get_by_id(ada.id).email == "ada@example.org"


def test_a_reply_from_the_old_address_still_counts(db, monkeypatch):
    # Given an email sent to Ada's old address, and her address changed since
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    ada = mf.make_person()
    item = mf.make_item(ada)
    reply_to = mf.reply_address(ada, "item", item.id)
    change_email(ada, "ada@new.example.org")
    # When she replies from the old address
    row, _ = store.store_raw(mf.reply("Ada <ada@example.org>", reply_to, "Done."), "smtp", "")
    worker.process(row.id)
    # Then the reply is applied as hers
    assert ActionItemUpdate.get().by_id == ada.id


def test_aliases_are_removed_and_audited(db):
    ada = add_person("Ada", "ada@example.org")
    add_alias(ada, "ada@home.example.net")
    assert remove_alias(ada, "ADA@home.example.net")
    assert not remove_alias(ada, "ada@home.example.net")
    verbs = [e.verb for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert verbs == ["person.created", "person.alias_added", "person.alias_removed"]


def test_a_deactivated_person_gets_no_more_email_and_keeps_their_history(db):
    ada, bob = add_person("Ada", "ada@example.org"), add_person("Bob", "bob@example.org")
    Person.update(bounce_state="hard").where(Person.id == bob.id).execute()
    assert deactivate_person(ada, actor="user:1")
    assert not deactivate_person(ada)
    ada = Person.get_by_id(ada.id)
    assert not ada.is_active and not ada.can_receive_email
    assert list(Person.reachable()) == []
    assert reactivate_person(ada)
    assert [p.email for p in Person.reachable()] == ["ada@example.org"]
    verbs = [e.verb for e in AuditEvent.select().where(AuditEvent.object_id == ada.id)]
    assert verbs == ["person.created", "person.deactivated", "person.reactivated"]


def test_one_person_holds_roles_in_several_programmes(db):
    heads = create_programme("Heads", "followup")
    pairs = create_programme("Pairs", "mentoring")
    ada = add_person("Ada", "ada@example.org")
    assert add_membership(heads, ada, "Stakeholder")
    assert add_membership(pairs, ada, "mentors")
    assert not add_membership(pairs, ada, "mentor")
    with pytest.raises(PersonError, match="unknown role 'boss'"):
        add_membership(pairs, ada, "boss")
    held = {(m.programme.name, m.role) for m in Membership.select()}
    assert held == {("Heads", "stakeholder"), ("Pairs", "mentor")}
    assert remove_membership(pairs, ada, "mentor")
    assert not remove_membership(pairs, ada, "mentor")
