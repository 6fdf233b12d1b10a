"""Facilitators' reviews: a request by email, a score and feedback by reply or on the page,
passed on to the participant.

A review reply reads ``score 8/10`` (or ``8/10`` on a line of its own, ``score: 8 out of
10``) and the rest of the reply is the feedback; either may come alone.
"""

from __future__ import annotations

import re

from models import (
    Assignment,
    Membership,
    Person,
    Programme,
    Review,
    Submission,
    SubmissionFile,
)
from workers import settings as settings_mod
from workers.assignments.errors import InvalidReview
from workers.followup.common import coordinators
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id

#: Roles whose members review submissions (facilitators first; coordinators when none).
REVIEWER_ROLES = ("facilitator", "coordinator")

#: A score: "score 8/10", "score: 8 out of 10", or "8/10" alone on its line.
SCORE_RE = re.compile(
    r"(?:\bscore\b\s*[:=]?\s*|^\s*)(\d{1,4}(?:[.,]\d{1,2})?)\s*(?:/|\bout of\b|\bof\b)\s*"
    r"(\d{1,4}(?:[.,]\d{1,2})?)\s*$|\bscore\b\s*[:=]?\s*(\d{1,4}(?:[.,]\d{1,2})?)\s*$",
    re.I | re.M,
)

#: A label in front of the feedback, dropped.
FEEDBACK_LABEL_RE = re.compile(r"^\s*feedback\s*[:\-]\s*", re.I)

#: Longest feedback kept.
MAX_FEEDBACK = 5000

#: Most of a submission's text quoted in the review request.
QUOTED = 3000


def reviewers(programme_id: int) -> list[Person]:
    """Return who reviews the programme's submissions: its facilitators, else coordinators."""
    query = (
        Person.select(Person)
        .join(Membership, on=(Membership.person == Person.id))
        .where((Membership.programme == programme_id) & (Membership.role == "facilitator"))
        .distinct()
    )
    people = list(query) or coordinators(programme_id)
    return [person for person in people if person.can_receive_email]


def may_review(programme_id: int, person: Person) -> bool:
    """Tell whether ``person`` facilitates or coordinates the programme."""
    return (
        Membership.select()
        .where(
            (Membership.programme == programme_id)
            & (Membership.person == person.id)
            & Membership.role.in_(REVIEWER_ROLES)
        )
        .exists()
    )


def submission_url(submission: Submission, programme_id: int) -> str:
    """Return the address of a submission's page (workers build it without the web app)."""
    base = settings_mod.get().base_url
    path = f"/programmes/{programme_id}/assignments/{submission.assignment_id}"
    return f"{base}{path}/submissions/{submission.id}"


def request_review(submission: Submission, assignment: Assignment, late: bool, key: str) -> int:
    """Ask each reviewer for a score and feedback on a submission; return how many asked."""
    person = Person.get_by_id(submission.person_id)
    files = SubmissionFile.select().where(
        (SubmissionFile.submission == submission.id) & (SubmissionFile.status == "stored")
    )
    ctx = {
        "programme": Programme.get_by_id(assignment.programme_id).name,
        "title": assignment.title,
        "participant": person.name,
        "late": late,
        "text": submission.text[:QUOTED],
        "cut": len(submission.text) > QUOTED,
        "files": [f.original_name for f in files],
        "url": submission_url(submission, assignment.programme_id),
    }
    asked = 0
    for reviewer in reviewers(assignment.programme_id):
        outbox.queue_email(
            "assignment-review-request",
            reviewer,
            ctx,
            key=f"{key}:review-request:{reviewer.id}",
            about=("review", submission.id),
        )
        asked += 1
    return asked


def parse_review(text: str) -> tuple[float | None, float | None, str]:
    """Return (score, out of, feedback) from a review reply; the score may be missing."""
    found = SCORE_RE.search(text or "")
    score = out_of = None
    feedback = text or ""
    if found:
        number = found.group(1) or found.group(3)
        score = float(number.replace(",", "."))
        out_of = float(found.group(2).replace(",", ".")) if found.group(2) else None
        feedback = feedback[: found.start()] + feedback[found.end() :]
    feedback = FEEDBACK_LABEL_RE.sub("", feedback.strip()).strip()
    return score, out_of, feedback[:MAX_FEEDBACK]


def record_review(
    submission: Submission,
    reviewer: Person | None,
    score: float | None,
    out_of: float | None,
    feedback: str,
    source: str,
    automatic: bool = False,
) -> Review:
    """Record a review, keep its score and feedback on the submission, and email the
    participant (unless ``automatic``: a quiz's receipt carries the score); raise
    InvalidReview when there is nothing to record or the score is off."""
    feedback = (feedback or "").strip()[:MAX_FEEDBACK]
    if score is None and not feedback:
        raise InvalidReview("give a score (such as 8/10), feedback, or both", field="score")
    if score is not None and (score < 0 or (out_of is not None and not 0 <= score <= out_of)):
        raise InvalidReview("the score must be between 0 and what it is out of", field="score")
    assignment = Assignment.get_by_id(submission.assignment_id)
    with outbox.transaction():
        review = Review.create(
            submission=submission.id,
            reviewer=reviewer.id if reviewer else None,
            score=score,
            out_of=out_of,
            feedback=feedback,
            source=source,
            automatic=automatic,
        )
        changes = {"feedback": feedback} if feedback else {}
        if score is not None:
            changes["score"] = score
        Submission.update(**changes).where(Submission.id == submission.id).execute()
        participant = Person.get_by_id(submission.person_id)
        if participant.can_receive_email and not automatic:
            outbox.queue_email(
                "assignment-feedback",
                participant,
                {
                    "programme": Programme.get_by_id(assignment.programme_id).name,
                    "title": assignment.title,
                    "score": _number(score),
                    "out_of": _number(out_of),
                    "feedback": feedback,
                    "reviewer": reviewer.name if reviewer else "",
                },
                key=f"review:{review.id}:feedback",
                # A reply ("thank you") goes to the reviewer, not over the submission.
                reply_to=reviewer.email if reviewer else "",
            )
    return review


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@applier("review")
def apply_review(ctx: ReplyContext) -> str:
    """Record a facilitator's score and feedback given by reply, and pass them on."""
    submission = row_by_id(Submission, ctx.object_id)
    if submission is None:
        raise UnknownObjectError(f"submission {ctx.object_id} does not exist")
    assignment = Assignment.get_by_id(submission.assignment_id)
    if not may_review(assignment.programme_id, ctx.person):
        raise UnknownObjectError(f"{ctx.person.email} no longer reviews this programme")
    score, out_of, feedback = parse_review(ctx.reply_text)
    try:
        review = record_review(submission, ctx.person, score, out_of, feedback, "email")
    except InvalidReview as exc:
        raise AmbiguousReplyError(
            str(exc), understood=[], not_understood=[ctx.reply_text[:200]], person=ctx.person
        ) from None
    said = f"score {review.score:g}" if review.score is not None else "no score"
    return f"review of submission {submission.id}: {said}, {len(review.feedback)} characters"
