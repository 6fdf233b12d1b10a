"""The pair and group pages: who may open them, and what their forms do."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from werkzeug.security import generate_password_hash

from models import (
    GoalTarget,
    Membership,
    MentoringGroup,
    Occurrence,
    OccurrenceRsvp,
    PairSettings,
    Person,
    Programme,
    Resource,
    User,
    clock,
)
from tests.mentoring.mentoring_data import COORDINATOR, csrf, log_in
from tests.mentoring.pair_data import make_pair, sent
from workers.mentoring import resources, sessions


@pytest.fixture
def world(db):
    world = make_pair(mentor_hours="Mon 16:00-18:00", mentee_hours="Mon 11:00-13:00")
    User.create(
        email=COORDINATOR[0],
        name="Cora",
        password_hash=generate_password_hash(COORDINATOR[1]),
        person=world["cora"],
    )
    return world


@pytest.fixture
def cora(client, world):
    return log_in(client)


def page_of(world) -> str:
    return f"/mentoring/{world['programme'].id}/groups/{world['group'].id}"


def post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf(client, page), **data})


def test_the_pair_page_shows_sessions_answers_feedback_goals_and_plan(cora, world):
    series = sessions.schedule_pair(world["group"].id)
    first = series.occurrences.order_by(Occurrence.starts_at).first()
    OccurrenceRsvp.create(occurrence=first, person=world["ben"], partstat="DECLINED")
    body = cora.get(page_of(world)).get_data(as_text=True)
    assert "Ben Pupil" in body and "declined" in body and "FREQ=WEEKLY;INTERVAL=2" in body
    assert "Action plan" in body and "Goals" in body
    listing = cora.get(f"/mentoring/{world['programme'].id}/groups").get_data(as_text=True)
    assert "Pair " in listing and "Maya Mentor" in listing


def test_another_coordinator_gets_404_on_every_pair_url(app, world):
    sessions.schedule_pair(world["group"].id)
    other = Programme.create(name="Other", kind="mentoring")
    otto = Person.create(name="Otto", email="otto@example.org")
    Membership.create(programme=other, person=otto, role="coordinator")
    User.create(email=otto.email, name="Otto", person=otto,
                password_hash=generate_password_hash("another long password"))  # fmt: skip
    client = log_in(app.test_client(), otto.email, "another long password")
    occurrence = Occurrence.select().first()
    base = page_of(world)
    assert client.get(base).status_code == 404
    assert client.get(f"/mentoring/{world['programme'].id}/groups").status_code == 404
    token = csrf(client, "/")
    for path in (f"{base}/occurrences/{occurrence.id}/cancel", f"{base}/schedule", f"{base}/goals"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    # And their own programme's URL does not reach this group
    wrong = f"/mentoring/{other.id}/groups/{world['group'].id}"
    assert client.get(wrong).status_code == 404


def test_the_coordinator_schedules_cancels_one_session_and_ticks_attendance(cora, world):
    page = page_of(world)
    assert post(cora, f"{page}/schedule", page).status_code == 302
    rows = list(Occurrence.select().order_by(Occurrence.starts_at))
    assert len(rows) == 6
    post(cora, f"{page}/occurrences/{rows[2].id}/cancel", page, why="Exams week")
    assert Occurrence.get_by_id(rows[2].id).status == "cancelled"
    assert "Exams week" in sent("mentoring-occurrence", "ben@example.org")[0].ctx["why"]
    clock.freeze(rows[0].ends_at + dt.timedelta(hours=1))
    post(cora, f"{page}/occurrences/{rows[0].id}/attendance", page, attended=str(world["ben"].id))
    marks = {r.person_id: r.attended for r in OccurrenceRsvp.select()}
    assert marks == {world["ben"].id: True, world["maya"].id: False}


def test_a_goal_is_added_with_its_target(cora, world):
    page = page_of(world)
    post(cora, f"{page}/goals", page, person=str(world["ben"].id), text="Speak at assembly",
         measure="talks given", target="3", due_date="2027-06-01")  # fmt: skip
    target = GoalTarget.get()
    assert (target.goal.text, target.target, target.goal.due_date) == (
        "Speak at assembly",
        3.0,
        dt.date(2027, 6, 1),
    )


def test_a_group_with_two_mentors_gets_one_invitation_per_person(cora, world):
    programme = world["programme"]
    listing = f"/mentoring/{programme.id}/groups"
    zoe = Person.create(name="Zoe Mentor", email="zoe@example.org", timezone="Europe/Paris")
    Membership.create(programme=programme, person=zoe, role="mentor")
    response = post(cora, f"{listing}/new", listing, theme="Public speaking circle",
                    mentors=[str(world["maya"].id), str(zoe.id)],
                    mentees=[str(world["ben"].id)], rhythm="monthly")  # fmt: skip
    group = MentoringGroup.get(MentoringGroup.theme == "Public speaking circle")
    page = f"/mentoring/{programme.id}/groups/{group.id}"
    assert response.headers["Location"].endswith(page)
    post(cora, f"{page}/series", page, starts_at="2027-03-02T17:00", timezone="Europe/London",
         minutes="90", count="3", rhythm="monthly", kind="panel")  # fmt: skip
    for to in ("maya@example.org", "zoe@example.org", "ben@example.org"):
        assert len(sent("mentoring-series", to)) == 1
    series = group.series.get()
    assert (series.kind, series.rrule) == ("panel", "FREQ=MONTHLY;COUNT=3;BYDAY=1TU")


def test_settings_and_the_library(cora, world, client):
    programme = world["programme"]
    listing = f"/mentoring/{programme.id}/groups"
    post(cora, f"/mentoring/{programme.id}/pair-settings", listing, rhythm="monthly", hide="on")
    assert PairSettings.get().hide_addresses
    post(cora, f"/mentoring/{programme.id}/resources", listing, title="Speech tips",
         tags="public speaking", url="javascript:alert(1)")  # fmt: skip
    assert Resource.select().count() == 0  # only web links
    slides = ("slides.pdf", "application/pdf", b"%PDF-1.4")
    resource = resources.add_resource(programme, "Slides", "public speaking", file=slides)
    link = resources.file_link(resource)
    path = urlsplit(link).path
    fresh = client.application.test_client()
    got = fresh.get(path)
    assert got.status_code == 200 and got.data == b"%PDF-1.4"
    assert fresh.get(path[:-2] + "xx").status_code == 404
