"""A reply to an assignment is a submission: on time or late, with text, files or both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from models import (
    Assignee,
    Event,
    InboundMessage,
    Review,
    Submission,
    SubmissionFile,
    clock,
)
from tests.assignments.world import EXE, PDF, answer, built, emails, make_workshop, values
from workers import settings as settings_mod
from workers.assignments import submissions
from workers.assignments.setting import create_assignment

#: The project's root: uploads must live outside what the web app serves (web/static).
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(db, tmp_path):
    settings = settings_mod.get()
    uploads = tmp_path / "var" / "uploads"
    settings_mod.configure(dataclasses.replace(settings, upload_dir=str(uploads)))
    found = make_workshop()
    found["uploads"] = uploads
    found["work"] = create_assignment(found["programme"], values(), found["blue"])
    return found


def text_of(row) -> str:
    return built(row).get_body(("plain",)).get_content()


def test_a_reply_before_the_due_time_is_an_on_time_submission(world):
    # Given Ana has the case study, due 9 November 17:00
    ana = world["people"]["ana"]
    clock.freeze(dt.datetime(2026, 11, 5, 10, 0))
    # When she replies with her answer
    status = answer(emails("assignment", ana)[0], "I would call the bus company first.")
    # Then it is applied, recorded on time, and counted as a submission event
    assert status == "applied"
    submission = Submission.get(Submission.person == ana)
    assert submission.text == "I would call the bus company first."
    assignee = Assignee.get(Assignee.person == ana)
    assert assignee.submitted_at == dt.datetime(2026, 11, 5, 10, 0)
    event = Event.get((Event.person == ana) & (Event.kind == "submission"))
    assert event.value < 0  # days late: negative when early
    # And she gets a receipt, and the facilitator a review request
    receipt = text_of(emails("assignment-received", ana)[0])
    assert "is recorded" in receipt and "marked late" not in receipt
    request = emails("assignment-review-request")
    assert [row.to_addr for row in request] == ["fay@example.org"]
    assert "I would call the bus company first." in text_of(request[0])


def test_a_reply_after_the_due_time_is_recorded_late(world):
    ben = world["people"]["ben"]
    clock.freeze(dt.datetime(2026, 11, 11, 8, 0))
    assert answer(emails("assignment", ben)[0], "Sorry this is late: my plan is ...") == "applied"
    assignee = Assignee.get(Assignee.person == ben)
    assert assignee.submitted_at > assignee.due_at
    event = Event.get((Event.person == ben) & (Event.kind == "submission"))
    assert event.value == pytest.approx(1.625)  # 1 day 15 hours late
    assert "marked late" in text_of(emails("assignment-received", ben)[0])


def test_an_attachment_is_kept_outside_the_web_root_under_a_name_tandem_makes(world):
    # Given Ana replies with a PDF named like a path
    ana = world["people"]["ana"]
    row = emails("assignment", ana)[0]
    # When it is processed
    status = answer(
        row, "My plan is attached.", [("../../etc/My plan.pdf", "application/pdf", PDF)]
    )
    # Then the file is in the upload folder under a random name, with the same bytes
    assert status == "applied"
    kept = SubmissionFile.get(SubmissionFile.person == ana)
    assert (kept.status, kept.content_type, kept.original_name) == (
        "stored",
        "application/pdf",
        "My plan.pdf",
    )
    assert len(kept.stored_name) == 32 and "plan" not in kept.stored_name
    path = world["uploads"] / kept.stored_name
    assert path.read_bytes() == PDF
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # And nothing was written inside the project's web root
    assert not list((ROOT / "web").rglob(kept.stored_name))
    assert "My plan.pdf" in text_of(emails("assignment-received", ana)[0])


def test_an_oversized_attachment_is_refused_but_the_text_is_kept(world):
    # Given a 2 KB limit and a 5 KB PDF
    settings_mod.configure(dataclasses.replace(settings_mod.get(), max_attachment_bytes=2048))
    ana = world["people"]["ana"]
    big = PDF + b"%" + b"x" * 5000 + b"\n"
    status = answer(
        emails("assignment", ana)[0], "Text of my answer.", [("big.pdf", "application/pdf", big)]
    )
    # Then the submission's text is recorded, the file is not stored, and the reason is kept
    assert status == "applied"
    assert Submission.get(Submission.person == ana).text == "Text of my answer."
    refused = SubmissionFile.get(SubmissionFile.person == ana)
    assert (refused.status, refused.stored_name) == ("refused", "")
    assert refused.reason == "it is 0.0 MB, over the 0.0 MB limit" or "limit" in refused.reason
    assert not world["uploads"].exists() or not list(world["uploads"].iterdir())
    # And Ana is told clearly which file and why
    receipt = text_of(emails("assignment-received", ana)[0])
    assert "big.pdf" in receipt and "limit" in receipt and "is recorded" in receipt


def test_a_program_named_like_a_pdf_is_refused_by_its_content(world):
    ana = world["people"]["ana"]
    answer(emails("assignment", ana)[0], "See attached.", [("report.pdf", "application/pdf", EXE)])
    refused = SubmissionFile.get(SubmissionFile.person == ana)
    assert refused.status == "refused" and "not an accepted type" in refused.reason


def test_a_reply_whose_only_file_is_refused_submits_nothing_and_says_why(world):
    ana = world["people"]["ana"]
    status = answer(emails("assignment", ana)[0], "", [("x.pdf", "application/pdf", EXE)])
    assert status == "applied", InboundMessage.get().reason + InboundMessage.get().detail
    assert not Submission.select().exists()
    assert Assignee.get(Assignee.person == ana).submitted_at is None
    assert "Nothing was recorded" in text_of(emails("assignment-received", ana)[0])
    message = InboundMessage.get()
    assert "nothing submitted" in message.detail


def test_someone_the_assignment_is_not_set_for_cannot_submit_it(world):
    # Cleo (Red) forwards Ana's email and replies from her own address
    row = emails("assignment", world["people"]["ana"])[0]
    assert answer(row, "My answer", sender="cleo@example.org") == "quarantined"
    assert not Submission.select().exists()


def test_a_quiz_reply_is_scored_from_the_key_and_the_score_emailed_back(world):
    # Given a quiz with an answer key
    ana = world["people"]["ana"]
    quiz = create_assignment(
        world["programme"],
        values(title="Safeguarding quiz", kind="quiz", answer_key="1. b 2. true 3. paris"),
        world["blue"],
    )
    row = [r for r in emails("assignment", ana) if r.object_id == quiz.id][0]
    assert "numbered answer" in text_of(row)
    # When Ana answers two of three right
    assert answer(row, "1 b, 2 false, 3 Paris") == "applied"
    # Then her score is recorded, automatically, and emailed back; nobody is asked to review
    submission = Submission.get((Submission.person == ana) & (Submission.assignment == quiz))
    assert submission.score == 2
    review = Review.get(Review.submission == submission)
    assert (review.automatic, review.out_of, review.source) == (True, 3, "quiz")
    receipt = emails("assignment-received", ana)[0]
    assert "2 out of 3" in text_of(receipt) and "question 2" in text_of(receipt)
    assert "(score 2/3)" in str(built(receipt)["Subject"])
    assert emails("assignment-review-request") == []
    assert emails("assignment-feedback") == []


def test_files_of_a_submission_that_fails_to_apply_are_removed(world, monkeypatch):
    # Given asking for a review fails once the file is written
    def broken(*args, **kwargs):
        raise RuntimeError("no reviewers table")

    monkeypatch.setattr(submissions, "request_review", broken)
    ana = world["people"]["ana"]
    # When Ana's reply with a PDF is processed
    status = answer(emails("assignment", ana)[0], "Plan", [("plan.pdf", "application/pdf", PDF)])
    # Then the message is kept for a coordinator, and no file is left behind
    assert status == "quarantined"
    assert InboundMessage.get().reason == "ProcessingError"
    assert not SubmissionFile.select().exists()
    assert not world["uploads"].exists() or not list(world["uploads"].iterdir())
