"""The programme pages: create, edit, archive; every error beside its field."""

from __future__ import annotations

import pytest

from models import AuditEvent, Membership, Programme, User
from tests.web.pages import log_in, make_login, post, text


@pytest.fixture
def admin(client, db):
    make_login("ada@example.org", "Ada Admin", role="admin")
    log_in(client, "ada@example.org")
    return client


FORM = {
    "name": "Prefect Leadership 2027",
    "kinds": ["followup", "tracking"],
    "timezone": "europe/london",
    "description": "Follow-up reviews of the prefects' action plans.",
}


def test_it_creates_a_programme_and_makes_its_creator_a_coordinator(admin):
    response = post(admin, "/programmes/new", FORM)
    programme = Programme.get(Programme.name == "Prefect Leadership 2027")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/programmes/{programme.id}"
    assert (programme.kind, programme.timezone) == ("followup,tracking", "Europe/London")
    # The creator, an administrator without a person until now, coordinates it
    user = User.get(User.email == "ada@example.org")
    assert Membership.get(Membership.programme == programme).person_id == user.person_id
    assert AuditEvent.get(AuditEvent.verb == "programme.created").actor == f"user:{user.id}"
    page = text(admin.get(f"/programmes/{programme.id}"))
    assert "Ada Admin" in page and "48 hours before the session" in page


def test_it_shows_every_error_beside_its_field_and_creates_nothing(admin):
    form = {"name": " ", "timezone": "Mars/Olympus", "reminder_hours": "soon"}
    response = post(admin, "/programmes/new", form)
    page = text(response)
    assert response.status_code == 200
    for field in ("name", "kinds", "timezone", "reminder_hours"):
        assert f'id="{field}-error"' in page, field
    assert 'aria-invalid="true" aria-describedby="timezone-error' in page
    assert "unknown time zone &#39;Mars/Olympus&#39;" in page
    assert 'value="Mars/Olympus"' in page  # what was typed stays in the field
    assert Programme.select().count() == 0


def test_it_refuses_a_name_in_use_beside_the_name(admin):
    Programme.create(name="Prefect Leadership 2027")
    page = text(post(admin, "/programmes/new", FORM))
    assert 'id="name-error"' in page and "exists already" in page


def test_it_saves_per_programme_timings_and_shows_the_defaults_as_placeholders(admin):
    post(admin, "/programmes/new", FORM)
    programme = Programme.get()
    form = text(admin.get(f"/programmes/{programme.id}/edit"))
    assert 'placeholder="72,24"' in form and 'placeholder="24"' in form
    response = post(
        admin,
        f"/programmes/{programme.id}/edit",
        {**FORM, "reminder_hours": "24, 96", "summary_within_hours": "12"},
    )
    assert response.status_code == 302
    programme = Programme.get_by_id(programme.id)
    assert (programme.reminder_hours, programme.summary_within_hours) == ("96,24", 12)
    page = text(admin.get(f"/programmes/{programme.id}"))
    assert "96, 24 hours before the deadline" in page
    # Blank goes back to the environment's default
    post(admin, f"/programmes/{programme.id}/edit", {**FORM, "reminder_hours": ""})
    assert Programme.get_by_id(programme.id).reminder_hours is None


def test_it_archives_a_programme_out_of_the_list_and_back(admin):
    post(admin, "/programmes/new", FORM)
    programme = Programme.get()
    link = f'href="/programmes/{programme.id}"'
    post(admin, f"/programmes/{programme.id}/archive")
    assert link not in text(admin.get("/"))
    assert link in text(admin.get("/?archived=1"))
    # The data stays: the page still opens
    assert admin.get(f"/programmes/{programme.id}").status_code == 200
    post(admin, f"/programmes/{programme.id}/unarchive")
    assert link in text(admin.get("/"))


def test_a_coordinator_sees_only_their_own_programmes(client, db):
    mine = Programme.create(name="Mine")
    Programme.create(name="Someone else's")
    make_login("cora@example.org", "Cora", programme=mine)
    log_in(client, "cora@example.org")
    page = text(client.get("/"))
    assert "Mine" in page and "Someone else" not in page


def test_it_pages_a_long_list(admin):
    for n in range(55):
        Programme.create(name=f"Programme {n:02d}")
    first, second = text(admin.get("/")), text(admin.get("/?page=2"))
    assert "Programme 49" in first and "Programme 50" not in first
    assert "Programme 54" in second and "Page 2 of 2" in second
