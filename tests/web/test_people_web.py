"""The people pages: list, search, add, edit, change an address, deactivate."""

from __future__ import annotations

import pytest

from models import EmailAlias, Membership, Person, Programme
from tests.web.pages import log_in, make_login, post, text


@pytest.fixture
def programme(db):
    return Programme.create(name="Retention review", kind="followup", timezone="Europe/London")


@pytest.fixture
def cora(client, programme):
    make_login("cora@example.org", "Cora", programme=programme)
    log_in(client, "cora@example.org")
    return client


def _person_form(**changes) -> dict:
    form = {
        "name": "John Smith",
        "email": "John@Example.org",
        "aliases": "j.smith@example.org\njohn@home.example.net",
        "timezone": "America/New_York",
        "department": "HR",
        "language": "English",
        "roles": ["stakeholder"],
    }
    return {**form, **changes}


def test_it_adds_a_person_with_aliases_and_a_role(cora, programme):
    response = post(cora, f"/programmes/{programme.id}/people/new", _person_form())
    assert response.status_code == 302
    john = Person.get(Person.email == "john@example.org")
    assert (john.timezone, john.department, john.language) == ("America/New_York", "HR", "en")
    assert {a.email for a in john.aliases} == {"j.smith@example.org", "john@home.example.net"}
    assert Membership.get(Membership.person == john).role == "stakeholder"
    page = text(cora.get(f"/programmes/{programme.id}/people"))
    assert "John Smith" in page and "stakeholder" in page


def test_it_shows_each_bad_field_and_adds_nobody(cora, programme):
    Person.create(name="Maria", email="maria@example.org")
    form = _person_form(
        name="", email="not an address", aliases="maria@example.org", timezone="Nowhere", roles=[]
    )
    page = text(post(cora, f"/programmes/{programme.id}/people/new", form))
    for field in ("name", "email", "aliases", "timezone", "roles"):
        assert f'id="{field}-error"' in page, field
    assert "already the address of Maria" in page
    assert Person.select().count() == 2  # Maria and Cora only


def test_a_new_email_keeps_the_old_one_as_an_alias(cora, programme):
    post(cora, f"/programmes/{programme.id}/people/new", _person_form(aliases=""))
    john = Person.get(Person.email == "john@example.org")
    form = _person_form(email="john.smith@example.org", aliases="", roles=["stakeholder", "mentor"])
    response = post(cora, f"/programmes/{programme.id}/people/{john.id}", form)
    assert response.status_code == 302
    john = Person.get_by_id(john.id)
    assert john.email == "john.smith@example.org"
    assert [a.email for a in EmailAlias.select()] == ["john@example.org"]
    assert Person.by_email("john@example.org").id == john.id
    roles = {m.role for m in Membership.select().where(Membership.person == john)}
    assert roles == {"stakeholder", "mentor"}
    history = text(cora.get(f"/programmes/{programme.id}/people/{john.id}"))
    assert "changed a person&#39;s email" in history and "Cora" in history


def test_it_deactivates_and_reactivates_a_person(cora, programme):
    post(cora, f"/programmes/{programme.id}/people/new", _person_form())
    john = Person.get(Person.email == "john@example.org")
    post(cora, f"/programmes/{programme.id}/people/{john.id}/deactivate")
    assert not Person.get_by_id(john.id).can_receive_email
    assert "deactivated" in text(cora.get(f"/programmes/{programme.id}/people"))
    post(cora, f"/programmes/{programme.id}/people/{john.id}/reactivate")
    assert Person.get_by_id(john.id).can_receive_email


def test_it_searches_and_pages_the_people(cora, programme):
    for n in range(60):
        person = Person.create(name=f"Person {n:02d}", email=f"p{n}@example.org", department="Ops")
        Membership.create(programme=programme, person=person, role="stakeholder")
    first = text(cora.get(f"/programmes/{programme.id}/people"))
    assert "Page 1 of 2" in first and "Person 48" in first and "Person 59" not in first
    found = text(cora.get(f"/programmes/{programme.id}/people?q=p7@"))
    assert "Person 07" in found and "Person 08" not in found


def test_it_finds_no_one_outside_the_programme(cora, programme):
    stranger = Person.create(name="Stranger", email="stranger@example.org")
    other = Programme.create(name="Other")
    Membership.create(programme=other, person=stranger, role="stakeholder")
    assert cora.get(f"/programmes/{programme.id}/people/{stranger.id}").status_code == 404
