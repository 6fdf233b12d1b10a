"""The assignments page: the list with submission counts and on-time rate, setting one for a
cohort, an assignment's people with refused files and their reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from models import Assignee, Assignment, AssignmentOptions, SubmissionFile, clock
from tests.assignments.world import EXE, PDF, answer, emails, make_workshop, values
from tests.web.pages import log_in, make_login, post, text
from workers import settings as settings_mod
from workers.assignments.setting import create_assignment


@pytest.fixture
def world(db, client, tmp_path):
    settings = settings_mod.get()
    settings_mod.configure(dataclasses.replace(settings, upload_dir=str(tmp_path / "uploads")))
    found = make_workshop()
    make_login("cora.login@example.org", "Cora", programme=found["programme"])
    log_in(client, "cora.login@example.org")
    found["url"] = f"/programmes/{found['programme'].id}/assignments"
    return found


def test_it_sets_an_assignment_for_a_cohort_from_the_form(world, client):
    # When the coordinator sets a quiz for the Red cohort
    form = values(
        title="Safeguarding quiz",
        kind="quiz",
        answer_key="1. b 2. true",
        cohort=str(world["red"].id),
    )
    response = post(client, world["url"], form)
    # Then it is created for Cleo alone, sent, and listed
    assert response.status_code == 302
    quiz = Assignment.get(Assignment.title == "Safeguarding quiz")
    assert [a.person_id for a in Assignee.select()] == [world["people"]["cleo"].id]
    assert AssignmentOptions.get().answer_key == "1. b 2. true"
    assert [row.to_addr for row in emails("assignment")] == ["cleo@example.org"]
    page = text(client.get(world["url"]))
    assert "Safeguarding quiz" in page and "Red" in page and "0 of 1" in page
    assert quiz.due_at == dt.datetime(2026, 11, 9, 17, 0)


def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_set(world, client):
    response = post(client, world["url"], values(due="tomorrow"))
    assert response.status_code == 400
    assert "give the due date as YYYY-MM-DD" in text(response)
    assert not Assignment.select().exists()


def test_it_counts_submissions_and_the_on_time_rate_and_shows_refused_files(world, client):
    # Given Ana submits on time with a PDF and a refused file, Ben late, Cleo not at all
    people = world["people"]
    work = create_assignment(world["programme"], values())
    clock.freeze(dt.datetime(2026, 11, 6, 9, 0))
    files = [("plan.pdf", "application/pdf", PDF), ("tool.pdf", "application/pdf", EXE)]
    answer(emails("assignment", people["ana"])[0], "My plan", files)
    clock.freeze(dt.datetime(2026, 11, 10, 9, 0))
    answer(emails("assignment", people["ben"])[0], "Mine, late")
    # Then the list shows 2 of 3 submitted, 50% on time
    page = text(client.get(world["url"]))
    assert "2 of 3" in page and "50%" in page
    # And the assignment's page shows who was late and why a file was refused
    detail = text(client.get(f"{world['url']}/{work.id}"))
    assert "on time" in detail and "late" in detail and "not yet" in detail
    assert "tool.pdf: refused, its content is not an accepted type" in detail
    # And the kept file downloads under its original name
    kept = SubmissionFile.get(SubmissionFile.status == "stored")
    link = f"{world['url']}/{work.id}/files/{kept.id}"
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert "plan.pdf" in download.headers["Content-Disposition"]
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_another_programmes_coordinator_sees_nothing(world, app):
    create_assignment(world["programme"], values())
    outsider = app.test_client()
    make_login("olga@example.org", "Olga")
    log_in(outsider, "olga@example.org")
    assert outsider.get(world["url"]).status_code == 404
    assert outsider.get(f"{world['url']}/1").status_code == 404


def test_a_cohort_or_a_person_gets_their_own_due_time_from_the_page(world, client):
    # Given the case study set for Blue, due 9 November
    people = world["people"]
    work = create_assignment(world["programme"], values(), world["blue"])
    url = f"{world['url']}/{work.id}/due"
    # When Red is given it due a week later, and Ben a day later
    post(client, url, {"who": f"cohort:{world['red'].id}", "due": "2026-11-16 17:00"})
    post(client, url, {"who": f"person:{people['ben'].id}", "due": "2026-11-10"})
    # Then Cleo (Red) is sent it, and each has their own due time
    dues = {a.person_id: a.due_at for a in Assignee.select()}
    assert dues == {
        people["ana"].id: dt.datetime(2026, 11, 9, 17, 0),
        people["ben"].id: dt.datetime(2026, 11, 10, 17, 0),
        people["cleo"].id: dt.datetime(2026, 11, 16, 17, 0),
    }
    assert sorted(r.to_addr for r in emails("assignment")) == [
        "ana@example.org",
        "ben@example.org",
        "cleo@example.org",
    ]
    # And someone outside the programme cannot be chosen
    outsider = post(client, url, {"who": "person:999", "due": "2026-11-20"}, follow_redirects=True)
    assert "choose a cohort or a participant" in text(outsider)
