"""Build a small mentoring programme for the mentoring cycle's tests, and log in to it."""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.security import generate_password_hash

from models import Membership, MentorProfile, Person, Programme, User, clock

#: When the tests start: Monday 2 November 2026, after both autumn clock changes.
START = dt.datetime(2026, 11, 2, 9, 0)

#: The coordinator's login.
COORDINATOR = ("cora@example.org", "a long enough password")

#: Mentors: name, email, zone, department, skills, languages, capacity, format, windows, oriented.
MENTORS = [
    (
        "Maya Mentor",
        "maya@example.org",
        "Europe/London",
        "Finance",
        "public speaking; budgets",
        "en",
        2,
        "either",
        "Mon 16:00-18:00; Wed 15:00-17:00",
        True,
    ),
    (
        "Noah Mentor",
        "noah@example.org",
        "America/New_York",
        "Science",
        "delegation; running meetings",
        "en; fr",
        1,
        "one-to-one",
        "Mon 11:00-13:00",
        True,
    ),
    (
        "Olga Newcomer",
        "olga@example.org",
        "Europe/Berlin",
        "Arts",
        "public speaking",
        "en; de",
        1,
        "either",
        "Tue 17:00-19:00",
        False,
    ),
]

#: Mentees: name, email, zone, department, goals, languages, format, windows.
MENTEES = [
    (
        "Ada Pupil",
        "ada@example.org",
        "Europe/London",
        "History",
        "public speaking; budgets",
        "en",
        "one-to-one",
        "Mon 16:00-18:00",
    ),
    (
        "Ben Pupil",
        "ben@example.org",
        "America/New_York",
        "Science",
        "delegation",
        "en; fr",
        "either",
        "Mon 11:30-13:00",
    ),
    (
        "Cal Pupil",
        "cal@example.org",
        "Europe/Berlin",
        "History",
        "public speaking",
        "de",
        "either",
        "Tue 18:00-20:00",
    ),
    ("Dee Pupil", "dee@example.org", "Asia/Tokyo", "", "", "", "either", ""),
]

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def person(name: str, email: str, zone: str = "Europe/London", department: str = "") -> Person:
    """Create a person."""
    return Person.create(name=name, email=email, timezone=zone, department=department or None)


def make_programme(name: str = "Prefect Mentoring") -> dict:
    """Create a mentoring programme with a coordinator login, a facilitator, three mentors
    (one without orientation) and four mentees."""
    clock.freeze(START)
    programme = Programme.create(name=name, kind="mentoring", timezone="Europe/London")
    cora = person("Cora Coordinator", COORDINATOR[0])
    Membership.create(programme=programme, person=cora, role="coordinator")
    User.create(
        email=cora.email,
        name=cora.name,
        password_hash=generate_password_hash(COORDINATOR[1]),
        person=cora,
    )
    fay = person("Fay Facilitator", "fay@example.org", "Europe/Paris")
    Membership.create(programme=programme, person=fay, role="facilitator")
    people = {"cora": cora, "fay": fay}
    for nm, email, zone, dept, skills, langs, capacity, fmt, when, oriented in MENTORS:
        people[email] = mentor = person(nm, email, zone, dept)
        Membership.create(programme=programme, person=mentor, role="mentor")
        MentorProfile.create(
            person=mentor,
            programme=programme,
            skills=skills,
            languages=langs,
            capacity=capacity,
            format=fmt,
            availability=when,
            orientation_done=oriented,
        )
    for nm, email, zone, dept, goals, langs, fmt, when in MENTEES:
        people[email] = mentee = person(nm, email, zone, dept)
        Membership.create(programme=programme, person=mentee, role="mentee")
        MentorProfile.create(
            person=mentee,
            programme=programme,
            goals=goals,
            languages=langs,
            capacity=0,
            format=fmt,
            availability=when,
        )
    return {"programme": programme, "people": people}


def csrf(client, path: str) -> str:
    """Return the CSRF token of the form on ``path``."""
    return TOKEN_RE.search(client.get(path).get_data(as_text=True)).group(1)


def log_in(client, email: str = COORDINATOR[0], password: str = COORDINATOR[1]):
    """Log ``client`` in through the login form; return it."""
    path = "/auth/login"
    response = client.post(
        path, data={"email": email, "password": password, "csrf_token": csrf(client, path)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
