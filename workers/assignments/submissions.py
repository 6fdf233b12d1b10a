"""A participant's reply to an assignment is a submission: its text, its files, its score.

The reply is recorded on time or late (``Assignee.submitted_at`` keeps the first one), as a
"submission" event for engagement and the at-risk rules. Files are checked and kept outside
the web root; a refused file never loses the text beside it, and the participant is told
why in the receipt. A quiz with an answer key is scored at once; other work goes to the
programme's facilitators for review.
"""

from __future__ import annotations

from models import Assignee, Assignment, AssignmentOptions, Submission, SubmissionFile, clock
from workers.assignments import files, quiz
from workers.assignments.reviews import record_review, request_review
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import UnknownObjectError
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id
from workers.tracking import events


def still_open(assignment_id: int) -> bool:
    """Tell whether an assignment still takes submissions (always, while it exists: late
    work is still work)."""
    return row_by_id(Assignment, assignment_id, ["id"]) is not None


def read_files(ctx: ReplyContext) -> None:
    """Check the attachments' types and sizes ahead of the write transaction."""
    ctx.read = files.check(ctx.parsed.attachments)


@applier("assignment", read=read_files, still_open=still_open)
def apply_submission(ctx: ReplyContext) -> str:
    """Record a reply as a submission, keep its files, score a quiz or ask for a review, and
    send the participant a receipt."""
    assignment = row_by_id(Assignment, ctx.object_id)
    mine = (Assignee.assignment == ctx.object_id) & (Assignee.person == ctx.person.id)
    assignee = Assignee.get_or_none(mine) if assignment is not None else None
    if assignee is None:
        raise UnknownObjectError(f"assignment {ctx.object_id} is not set for {ctx.person.email}")
    if ctx.read is None:
        read_files(ctx)
    kept = [f for f in ctx.read if not f.reason]
    refused = [f for f in ctx.read if f.reason]
    now = clock.now()
    late = now > assignee.due_at
    written: list[str] = []
    try:
        submission = None
        if ctx.reply_text.strip() or kept:
            submission = _record(ctx, assignment, now, kept, written)
        _keep_refused(ctx, refused, submission)
        result = _score(assignment, submission)
        key = f"inbound:{ctx.message.id}:assignment"
        if submission is not None and result is None:
            request_review(submission, assignment, late, key)
        _receipt(ctx, assignment, submission, late, kept, refused, result, key)
    except Exception:
        files.discard(written)  # the rows are rolled back: their files must not linger
        raise
    if submission is None:
        return f"nothing submitted: {len(refused)} files refused"
    said = "late" if late else "on time"
    return f"submitted {said}: {len(kept)} files kept, {len(refused)} refused"


def _record(
    ctx: ReplyContext, assignment: Assignment, now, kept: list, written: list
) -> Submission:
    """Store the submission (a reply with files only keeps the text sent before) and its files,
    adding each file's stored name to ``written``."""
    before = Submission.get_or_none(
        (Submission.assignment == assignment.id) & (Submission.person == ctx.person.id)
    )
    text = ctx.reply_text.strip() or (before.text if before else "")
    submission = events.record_submission(assignment, ctx.person.id, now, text, ctx.message.id)
    for item in kept:
        written.append(files.store(item.data))
        SubmissionFile.create(
            assignment=assignment.id,
            person=ctx.person.id,
            submission=submission.id,
            inbound=ctx.message.id,
            original_name=item.name,
            stored_name=written[-1],
            content_type=item.content_type,
            size=item.size,
        )
    return submission


def _keep_refused(ctx: ReplyContext, refused: list, submission: Submission | None) -> None:
    """Record each refused file with its reason, for the coordinator; its bytes are not kept."""
    for item in refused:
        SubmissionFile.create(
            assignment=ctx.object_id,
            person=ctx.person.id,
            submission=submission.id if submission else None,
            inbound=ctx.message.id,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            status="refused",
            reason=item.reason,
        )


def _score(assignment: Assignment, submission: Submission | None) -> quiz.QuizResult | None:
    """Score a quiz that has an answer key, recording the score as an automatic review."""
    if submission is None or assignment.kind != "quiz":
        return None
    options = AssignmentOptions.get_or_none(AssignmentOptions.assignment == assignment.id)
    if options is None or not options.answer_key:
        return None
    result = quiz.score(options.answer_key, submission.text)
    record_review(submission, None, result.score, result.out_of, "", "quiz", automatic=True)
    return result


def _receipt(ctx, assignment, submission, late, kept, refused, result, key) -> None:
    """Tell the participant what was recorded, what was refused and why, and any score."""
    outbox.queue_email(
        "assignment-received",
        ctx.person,
        {
            "title": assignment.title,
            "recorded": submission is not None,
            "late": late,
            "kept": [f.name for f in kept],
            "refused": [{"name": f.name, "reason": f.reason} for f in refused],
            "accepted_types": files.accepted_types(),
            "score": result.score if result else None,
            "out_of": result.out_of if result else None,
            "wrong": result.wrong if result else [],
            "missing": result.missing if result else [],
        },
        key=f"{key}:received",
        about=("assignment", assignment.id),
        in_reply_to=ctx.message.message_id,
    )
