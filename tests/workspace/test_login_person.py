"""A web login stands for a person: the one with its address, or a new one."""

from __future__ import annotations

from models import AuditEvent, Person, User
from workers.workspace.people import login_person


def _user(email: str) -> User:
    return User.create(email=email, name="Ada Admin", password_hash="x", role="admin")


def test_it_links_the_person_who_has_the_logins_address(db):
    ada = Person.create(name="Ada Lovelace", email="ada@example.org")
    user = _user("ada@example.org")
    assert login_person(user).id == ada.id
    assert User.get_by_id(user.id).person_id == ada.id
    assert Person.select().count() == 1


def test_it_adds_a_person_for_a_login_without_one_once(db):
    user = _user("ada@example.org")
    person = login_person(user, actor="user:1")
    assert (person.name, person.email) == ("Ada Admin", "ada@example.org")
    assert login_person(User.get_by_id(user.id)).id == person.id
    assert AuditEvent.get(AuditEvent.verb == "person.created").actor == "user:1"
