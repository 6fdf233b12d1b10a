"""Numbers out of range in URLs and forms: ids beyond 64 bits and dates at the calendar's ends
are a 404 or a form error, never an overflow in the database (a 500)."""

from __future__ import annotations

import re

import pytest

from models import InboundMessage, db
from tests.followup_data import make_programme
from web import create_app
from web.auth import create_user
from web.ids import MAX_ID, BoundedIntConverter, parse_id
from workers import settings as settings_mod

#: Ids no table can hold: just past a signed 64-bit integer, past an unsigned one, far past.
TOO_LARGE = [MAX_ID + 1, 2**64, 10**30]

#: One ``<converter(args):name>`` of a route.
PART_RE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@pytest.fixture
def app(db):
    """The app with every route (the dev mailbox's too), CSRF off so forms reach the views."""
    current = settings_mod.get()
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": current.database_url,
            "SECRET_KEY": current.secret_key,
            "DEV_MAILBOX": "1",
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.fixture
def admin(app):
    """A client logged in as an administrator, who may open every programme."""
    create_user("admin@example.org", "Ada Admin", "a long passphrase", role="admin")
    client = app.test_client()
    form = {"email": "admin@example.org", "password": "a long passphrase"}
    assert client.post("/auth/login", data=form).status_code == 302
    return client


def id_routes(app) -> list[tuple[str, str, list[str]]]:
    """Return (rule, method, names of its numeric parts) for every route taking a number."""
    found = []
    for rule in app.url_map.iter_rules():
        numbers = [m["name"] for m in PART_RE.finditer(rule.rule) if m["converter"] == "int"]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}) if numbers else ():
            found.append((rule.rule, method, numbers))
    return found


def path(rule: str, number: int) -> str:
    """Fill every numeric part of ``rule`` with ``number``, and the others with a word."""

    def fill(match: re.Match) -> str:
        return str(number) if match["converter"] == "int" else "x"

    return PART_RE.sub(fill, rule)


def test_every_numeric_route_is_bounded(app):
    assert app.url_map.converters["int"] is BoundedIntConverter
    assert len(id_routes(app)) >= 10  # the walk below sees the app's routes


@pytest.mark.parametrize("number", TOO_LARGE, ids=["2**63", "2**64", "10**30"])
def test_ids_beyond_64_bits_in_any_url_are_not_found(admin, app, number):
    # Given a programme with a cycle, so the pages have something to show
    make_programme()
    # When every route that takes a number is asked for one no table can hold
    answers = {
        (method, path(rule, number)): admin.open(path(rule, number), method=method).status_code
        for rule, method, _ in id_routes(app)
    }
    # Then each answers 404
    assert {key: code for key, code in answers.items() if code != 404} == {}


def test_the_largest_id_is_just_not_found(admin, app):
    make_programme()
    answers = {
        (method, path(rule, MAX_ID)): admin.open(path(rule, MAX_ID), method=method).status_code
        for rule, method, _ in id_routes(app)
    }
    assert {key: code for key, code in answers.items() if code >= 500} == {}


@pytest.mark.parametrize("value", ["", "0", "-1", "１２", " 7x", str(MAX_ID + 1), "9" * 5000])
def test_form_ids_out_of_range_are_refused(value):
    with pytest.raises(ValueError):
        parse_id(value)


def test_a_programme_beyond_64_bits_in_the_query_is_not_found(admin):
    for number in TOO_LARGE:
        assert admin.get(f"/cycles/new?programme={number}").status_code == 404
        assert admin.post(f"/cycles/clone?programme={number}").status_code == 404


def test_a_stakeholder_beyond_64_bits_is_a_form_error(admin):
    programme = make_programme()["programme"]
    form = {
        "title": "Follow-up",
        "timezone": "Europe/London",
        "starts_at": "2026-12-01T10:00",
        "ends_at": "2026-12-01T11:00",
        "member": str(2**64),
    }
    page = admin.post(f"/cycles/new?programme={programme.id}", data=form)
    assert page.status_code == 200
    assert "Choose the stakeholders from the list." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("starts", "ends", "zone"),
    [
        ("0001-01-01T00:30", "0001-01-01T01:30", "Pacific/Kiritimati"),
        ("9999-12-31T21:00", "9999-12-31T22:00", "America/Los_Angeles"),
        ("9999-06-01T10:00", "9999-06-01T11:00", "UTC"),
    ],
    ids=["year 1, UTC+14", "year 9999, UTC-8", "year 9999, UTC"],
)
def test_a_session_at_the_ends_of_the_calendar_is_a_form_error(admin, starts, ends, zone):
    cycle = make_programme()["cycle"]
    form = {"timezone": zone, "starts_at": starts, "ends_at": ends, "location": "Room 4"}

    page = admin.post(f"/cycles/{cycle.id}/session", data=form)

    assert page.status_code == 200
    assert "must fall between the years 2000 and 2100" in page.get_data(as_text=True)


def test_a_person_beyond_64_bits_is_a_form_error_on_the_quarantine(admin):
    row = InboundMessage.create(sha256="k", status="quarantined", sender="ada@example.org")
    form = {"person_id": str(2**64), "object_type": "item", "object_id": str(2**64)}

    answer = admin.post(f"/quarantine/{row.id}/apply", data=form)

    assert answer.status_code == 302
    assert InboundMessage.get_by_id(row.id).status == "quarantined"


def test_any_other_overflow_is_a_bad_request(app):
    def lookup():
        with db.atomic():  # as a view's query does on SQLite: its driver refuses the number
            raise OverflowError("Python int too large to convert to SQLite INTEGER")

    app.add_url_rule("/overflow", "overflow", lookup)

    assert app.test_client().get("/overflow").status_code == 400
