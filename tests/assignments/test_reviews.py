"""Facilitators review by replying to the review request or on the submission's page; the
participant receives the score and feedback."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import pytest

from models import Membership, Review, Submission, clock
from tests.assignments.world import answer, built, emails, make_workshop, values
from tests.web.pages import log_in, make_login, post, text
from workers.assignments.reviews import parse_review
from workers.assignments.setting import create_assignment


@pytest.fixture
def world(db):
    found = make_workshop()
    create_assignment(found["programme"], values(), found["blue"])
    clock.freeze(dt.datetime(2026, 11, 5, 10, 0))
    ana = found["people"]["ana"]
    answer(emails("assignment", ana)[0], "I would call the bus company first.")
    found["submission"] = Submission.get(Submission.person == ana)
    return found


def body(row) -> str:
    return built(row).get_body(("plain",)).get_content()


def test_a_review_by_reply_records_the_score_and_sends_the_feedback(world):
    # Given Fay's review request
    request = emails("assignment-review-request")[0]
    # When she replies with a score and feedback
    status = answer(request, "score 8/10\nA sensible first step; say who you would tell next.")
    # Then the review is recorded on the submission
    assert status == "applied"
    submission = Submission.get_by_id(world["submission"].id)
    assert submission.score == 8
    assert submission.feedback == "A sensible first step; say who you would tell next."
    review = Review.get(Review.submission == submission)
    assert (review.reviewer_id, review.out_of, review.source) == (
        world["people"]["fay"].id,
        10,
        "email",
    )
    # And Ana receives it by email
    feedback = emails("assignment-feedback", world["people"]["ana"])
    assert len(feedback) == 1
    assert "Score: 8 out of 10" in body(feedback[0])
    assert "say who you would tell next" in body(feedback[0])


def test_a_review_reply_without_a_score_or_words_is_kept_and_asked_again(world):
    request = emails("assignment-review-request")[0]
    assert answer(request, "score 12/10") == "quarantined"
    assert not Review.select().where(Review.source == "email").exists()
    assert emails("assignment-feedback") == []


def test_someone_no_longer_facilitating_cannot_review_by_reply(world):
    request = emails("assignment-review-request")[0]
    Membership.delete().where(Membership.person == world["people"]["fay"]).execute()
    assert answer(request, "score 3/10") == "quarantined"
    assert Submission.get_by_id(world["submission"].id).score is None


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("score 8/10\nGood.", (8.0, 10.0, "Good.")),
        ("Clear and short.\n\nScore: 7 out of 10", (7.0, 10.0, "Clear and short.")),
        ("9/10", (9.0, 10.0, "")),
        ("Feedback: add dates", (None, None, "add dates")),
        ("I liked 3 of 4 points", (None, None, "I liked 3 of 4 points")),
    ],
)
def test_it_reads_the_score_and_feedback_people_write(reply, expected):
    assert parse_review(reply) == expected


def test_a_coordinator_reviews_on_the_submission_page(world, client):
    # Given the coordinator logged in
    programme, submission = world["programme"], world["submission"]
    make_login("cora.login@example.org", "Cora", programme=programme)
    log_in(client, "cora.login@example.org")
    url = f"/programmes/{programme.id}/assignments/{submission.assignment_id}"
    page = text(client.get(f"{url}/submissions/{submission.id}"))
    assert "I would call the bus company first." in page
    # When a bad score is posted, it is refused beside its field
    bad = post(client, f"{url}/submissions/{submission.id}", {"score": "lots", "out_of": "10"})
    assert bad.status_code == 400 and "give the score as a number" in text(bad)
    # When a score and feedback are posted
    response = post(
        client,
        f"{url}/submissions/{submission.id}",
        {"score": "9", "out_of": "10", "feedback": "Well argued."},
    )
    # Then they are recorded and Ana is told by email
    assert response.status_code == 302
    assert Submission.get_by_id(submission.id).score == 9
    assert "Well argued." in body(emails("assignment-feedback", world["people"]["ana"])[0])
    review = Review.get(Review.source == "web")
    assert review.reviewer.email == "cora.login@example.org"


def test_the_submission_page_needs_the_programme_and_a_csrf_token(world, app):
    programme, submission = world["programme"], world["submission"]
    url = f"/programmes/{programme.id}/assignments/{submission.assignment_id}"
    # A coordinator of another programme gets a 404
    outsider = app.test_client()
    make_login("olga@example.org", "Olga")
    log_in(outsider, "olga@example.org")
    assert outsider.get(f"{url}/submissions/{submission.id}").status_code == 404
    # This programme's coordinator posting without the form's token changes nothing
    insider = app.test_client()
    make_login("cora.login@example.org", "Cora", programme=programme)
    log_in(insider, "cora.login@example.org")
    response = insider.post(f"{url}/submissions/{submission.id}", data={"score": "1"})
    assert response.status_code == 400
    assert Submission.get_by_id(submission.id).score is None


def test_a_reply_to_the_feedback_goes_to_the_reviewer_not_over_the_submission(world):
    answer(emails("assignment-review-request")[0], "score 8/10\nGood.")
    feedback = built(emails("assignment-feedback")[0])
    assert parseaddr(str(feedback["Reply-To"]))[1] == "fay@example.org"
    assert "goes to Fay Facilitator" in feedback.get_body(("plain",)).get_content()
