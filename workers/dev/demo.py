"""Demo data for a first run: a follow-up programme, a mentoring programme, a coordinator."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.security import check_password_hash, generate_password_hash

from models import (
    ActionItem,
    Cycle,
    Membership,
    Metric,
    Participant,
    Person,
    Programme,
    Session,
    User,
    clock,
    db,
)
from workers import settings as settings_mod
from workers.dev import demo_assignments, demo_learning, demo_mentoring
from workers.followup.items import schedule_item
from workers.reports.schedule import set_schedule

#: The follow-up programme whose presence means the demo data is loaded.
FOLLOWUP_NAME = "Prefect Leadership 2026-27"

#: The mentoring programme of the demo.
MENTORING_NAME = demo_mentoring.MENTORING_NAME

#: Its personal progress reports: every two weeks, the first a few minutes after loading.
REPORT_WEEKS, REPORTS_AFTER = 2, dt.timedelta(minutes=5)

#: The demo coordinator's login (the password is random, kept in a file under var/).
COORDINATOR = ("Grace Okafor", "coordinator@example.org", "Europe/London")

#: Department heads reporting progress: name, email, time zone, department.
STAKEHOLDERS = [
    ("Amira Haddad", "amira.haddad@example.org", "Europe/London", "Pastoral Care"),
    ("Tom Whitfield", "tom.whitfield@example.org", "Europe/London", "Sixth Form"),
    ("Dana Brooks", "dana.brooks@example.org", "America/New_York", "Student Life (New York)"),
    ("Luis Ortega", "luis.ortega@example.org", "America/New_York", "Athletics (New York)"),
]

#: Metrics: name, unit, owner's email, baseline, target, direction that is good.
METRICS = [
    ("Prefect duty attendance", "%", "amira.haddad@example.org", 72, 90, "up"),
    ("Behaviour incidents per week", "incidents", "tom.whitfield@example.org", 14, 8, "down"),
    ("Peer mentoring sessions per month", "sessions", "dana.brooks@example.org", 6, 12, "up"),
]

#: Open action items: title, owner's email, days until due.
ACTION_ITEMS = [
    ("Publish the prefect duty rota for the spring term", "amira.haddad@example.org", 5),
    ("Run a de-escalation workshop for prefects", "tom.whitfield@example.org", 12),
    ("Set up a shared log of peer mentoring sessions", "dana.brooks@example.org", 3),
    ("Agree a sports-captain role description with prefects", "luis.ortega@example.org", 9),
]


def is_loaded() -> bool:
    """Tell whether the demo data is in the database already."""
    return Programme.select().where(Programme.name == FOLLOWUP_NAME).exists()


def load() -> bool:
    """Load the demo programmes unless they are there; return whether anything was added."""
    with db.atomic():
        if is_loaded():
            return False
        coordinator = _person(*COORDINATOR, roles="coordinator")
        _load_followup(coordinator)
        mentoring = demo_mentoring.load(coordinator)
        demo_assignments.load(mentoring)
        demo_learning.load(mentoring)
        # The first personal reports go out in a few minutes, so a new user sees a round.
        set_schedule(mentoring.id, REPORT_WEEKS, first_at=clock.now() + REPORTS_AFTER)
    return True


def ensure_coordinator(password_file: Path) -> tuple[str, str]:
    """Make the demo coordinator's login work with the password kept in ``password_file``.

    The first call invents a password and stores it (readable by its owner only); later
    calls reuse it, so the console can print the same login on every start.
    """
    password = _read_or_create_password(password_file)
    name, email, _ = COORDINATOR
    with db.atomic():
        person = _person(*COORDINATOR, roles="coordinator")
        user = User.get_or_none(User.email == email)
        if user is None:
            User.create(
                email=email,
                name=name,
                person=person,
                password_hash=generate_password_hash(password),
            )
        elif not check_password_hash(user.password_hash, password):
            user.password_hash = generate_password_hash(password)
            user.save()
    return email, password


def _read_or_create_password(path: Path) -> str:
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def _person(name: str, email: str, timezone: str, roles: str) -> Person:
    person, _ = Person.get_or_create(
        email=email, defaults={"name": name, "timezone": timezone, "roles": roles}
    )
    return person


def _member(programme: Programme, person: Person, role: str, department: str = "") -> None:
    Membership.get_or_create(
        programme=programme, person=person, role=role, defaults={"department": department}
    )


def next_week_at(hour: int, zone: str, today: dt.date | None = None) -> dt.datetime:
    """Return the same weekday next week at ``hour`` o'clock in ``zone``, as naive UTC."""
    # A full week ahead leaves time for the reply deadline (48 h before) and the reminders.
    day = (today or clock.now().date()) + dt.timedelta(days=7)
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(zone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _load_followup(coordinator: Person) -> None:
    programme = Programme.create(
        name=FOLLOWUP_NAME,
        kind="followup",
        timezone="Europe/London",
        description="Termly reviews of how the prefect leadership plan is being put into practice.",
    )
    _member(programme, coordinator, "coordinator")
    people = {}
    for name, email, zone, department in STAKEHOLDERS:
        people[email] = _person(name, email, zone, roles="stakeholder")
        _member(programme, people[email], "stakeholder", department)
    for name, unit, owner, baseline, target, direction in METRICS:
        Metric.create(
            programme=programme,
            name=name,
            unit=unit,
            owner=people[owner],
            baseline=baseline,
            target=target,
            direction=direction,
        )
    _load_cycle(programme, people)


def _load_cycle(programme: Programme, people: dict[str, Person]) -> None:
    starts_at = next_week_at(15, programme.timezone)
    cycle = Cycle.create(
        programme=programme,
        title="Spring term follow-up review",
        objectives="Review duty attendance and behaviour since the autumn evaluation.\n"
        "Agree next steps for peer mentoring across both campuses.",
        reply_deadline=starts_at - dt.timedelta(hours=48),
    )
    Session.create(
        programme=programme,
        cycle=cycle,
        title="Prefect leadership follow-up",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        timezone=programme.timezone,
        location="Library meeting room and video call",
        uid=f"{uuid.uuid4().hex}@{settings_mod.get().reply_domain}",
    )
    today = clock.now().date()
    for _, email, _, department in STAKEHOLDERS:
        Participant.create(cycle=cycle, person=people[email], department=department)
    for title, owner, days in ACTION_ITEMS:
        item = ActionItem.create(
            programme=programme,
            title=title,
            owner=people[owner],
            due_date=today + dt.timedelta(days=days),
        )
        schedule_item(item, people[owner])  # its reminders and overdue note, as if assigned
