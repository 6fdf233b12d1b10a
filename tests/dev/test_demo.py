"""Demo data: what a first run loads, and that loading it again adds nothing."""

from __future__ import annotations

import datetime as dt

from werkzeug.security import check_password_hash

from models import (
    ALL_MODELS,
    ActionItem,
    Cycle,
    Job,
    MatchProposal,
    Membership,
    Metric,
    Person,
    Programme,
    Session,
    User,
    clock,
)
from tests.logins import login
from workers.dev import demo


def row_counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def test_it_loads_a_followup_programme_ready_for_a_cycle(db):
    clock.freeze(dt.datetime(2026, 11, 18, 9, 0))  # a Wednesday

    assert demo.load() is True

    programme = Programme.get(Programme.name == "Prefect Leadership 2026-27")
    stakeholders = Membership.select().where(
        (Membership.programme == programme) & (Membership.role == "stakeholder")
    )
    assert {m.person.timezone for m in stakeholders} == {"Europe/London", "America/New_York"}
    assert all(m.department for m in stakeholders)
    metric = Metric.get(Metric.name == "Behaviour incidents per week")
    assert (metric.baseline, metric.target, metric.direction) == (14, 8, "down")
    items = list(ActionItem.open_for(programme))
    assert len(items) == 4 and all(i.owner and i.due_date > clock.now().date() for i in items)
    # each item's reminders and overdue note are scheduled, as for an item assigned by email
    for item in items:
        keys = {j.key for j in Job.select().where(Job.key.startswith(f"item:{item.id}:"))}
        assert f"item:{item.id}:overdue:{item.due_date.isoformat()}" in keys
    cycle = Cycle.get(Cycle.programme == programme)
    assert cycle.status == "draft"
    session = Session.get(Session.cycle == cycle)
    # Wednesday next week, 15:00 in London (GMT in November), replies due two days before
    assert session.starts_at == dt.datetime(2026, 11, 25, 15, 0)
    assert cycle.reply_deadline == dt.datetime(2026, 11, 23, 15, 0)
    assert cycle.participants.count() == 4


def test_it_loads_a_mentoring_programme_with_mentors_and_mentees(db):
    demo.load()

    programme = Programme.get(Programme.name == "Prefect Mentoring 2026-27")
    roles = [m.role for m in programme.memberships]
    assert roles.count("mentor") == 3
    assert roles.count("mentee") == 5
    zones = {m.person.timezone for m in programme.memberships if m.role != "coordinator"}
    assert zones == {"Europe/London", "America/New_York"}


def test_it_opens_the_mentoring_programme_on_a_match_proposal(db):
    # Given a first run on a Wednesday in November
    clock.freeze(dt.datetime(2026, 11, 18, 9, 0))

    # When the demo data is loaded
    demo.load()

    # Then a draft proposal pairs four mentees, two of them across London and New York
    programme = Programme.get(Programme.name == demo.MENTORING_NAME)
    proposal = MatchProposal.get(MatchProposal.programme == programme)
    assert proposal.status == "draft"
    pairs = {p.mentee.email: p for p in proposal.pairs}
    assert set(pairs) == {
        "ella.morgan@example.org",
        "noah.clarke@example.org",
        "sofia.alvarez@example.org",
        "jayden.reyes@example.org",
    }
    assert pairs["noah.clarke@example.org"].mentor.email == "marcus.lee@example.org"
    assert pairs["sofia.alvarez@example.org"].mentor.email == "priya.shah@example.org"
    assert all(p.shared_hours >= 1 and p.parts for p in pairs.values())
    # the mentor without orientation is not matched, and one mentee is left with the reason
    assert "hannah.becker@example.org" not in {p.mentor.email for p in pairs.values()}
    assert proposal.unmatched == [
        {
            "mentee": "amelia.hughes@example.org",
            "reason": "no shared time of at least 60 minutes with any mentor",
        }
    ]


def test_it_adds_nothing_when_loaded_twice(db, tmp_path):
    # Given the demo data and the coordinator login exist
    demo.ensure_coordinator(tmp_path / "password")
    demo.load()
    before = row_counts()

    # When both run again
    demo.ensure_coordinator(tmp_path / "password")
    loaded_again = demo.load()

    # Then nothing is added
    assert loaded_again is False
    assert row_counts() == before


def test_it_keeps_the_coordinator_password_between_runs(db, tmp_path):
    email, password = demo.ensure_coordinator(tmp_path / "var" / "password")

    assert demo.ensure_coordinator(tmp_path / "var" / "password") == (email, password)
    user = User.get(User.email == email)
    assert check_password_hash(user.password_hash, password)
    assert user.person == Person.get(Person.email == email)
    assert (tmp_path / "var" / "password").stat().st_mode & 0o077 == 0


def test_it_resets_the_password_when_its_file_is_lost(db, tmp_path):
    _, first = demo.ensure_coordinator(tmp_path / "password")
    (tmp_path / "password").unlink()

    email, second = demo.ensure_coordinator(tmp_path / "password")

    assert second != first
    assert check_password_hash(User.get(User.email == email).password_hash, second)
    assert User.select().count() == 1


def test_it_prints_the_login_from_the_demo_command(runner, tmp_path):
    password_file = tmp_path / "password"

    first = runner.invoke(args=["demo", "--password-file", str(password_file)])
    second = runner.invoke(args=["demo", "--password-file", str(password_file)])

    password = password_file.read_text().strip()
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert f"coordinator@example.org / {password}" in first.output
    assert "Demo data already there." in second.output
    assert f"coordinator@example.org / {password}" in second.output
    assert Programme.select().count() == 2


def test_it_logs_the_printed_coordinator_in(client, tmp_path):
    email, password = demo.ensure_coordinator(tmp_path / "password")
    demo.load()

    client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )

    assert response.status_code == 302
    page = client.get("/")
    assert "Prefect Leadership 2026-27" in page.get_data(as_text=True)


def csrf_token(client) -> str:
    import re

    html = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_demo_mentoring_page_shows_the_proposal_to_review(client, tmp_path):
    # Given a first run's data and the demo coordinator's login
    demo.load()
    email, password = demo.ensure_coordinator(tmp_path / "password")
    login(client, email, password)

    # When the coordinator opens the mentoring programme's review
    programme = Programme.get(Programme.name == demo.MENTORING_NAME)
    html = client.get(f"/mentoring/{programme.id}/review").get_data(as_text=True)

    # Then the pairs and the unmatched mentee with the reason are there
    assert 'data-mentee="sofia.alvarez@example.org"' in html and "Priya Shah" in html
    assert "amelia.hughes@example.org" in html
    assert "no shared time of at least 60 minutes with any mentor" in html
