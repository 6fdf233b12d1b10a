"""A programme's assignments on the page: the list with submission counts and on-time rates,
a form to set a new one for everyone or a cohort, each assignment's people, and a
submission's page where a facilitator or coordinator records a score and feedback.

Nested under the programmes blueprint (``/programmes/<id>/assignments``); every view goes
through ``programme_or_404``. Files are served from ``UPLOAD_DIR`` only as downloads.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from models import (
    Assignee,
    Assignment,
    Cohort,
    Person,
    Programme,
    Review,
    Submission,
    SubmissionFile,
)
from models.assignments import ASSIGNMENT_KINDS
from web.access import programme_or_404
from web.auth import login_required
from web.ids import parse_id
from web.trail import current_person
from workers.assignments import files as stored_files
from workers.assignments import overview, reviews
from workers.assignments.context import KIND_LABELS, local_due
from workers.assignments.errors import AssignmentError
from workers.assignments.setting import create_assignment, participants, set_due_by_choice

bp = Blueprint("assignments", __name__, url_prefix="/<int:programme_id>/assignments")

#: Longest value read from a field (instructions and feedback have their own limits).
MAX_FIELD = 10_000

#: The fields of the new-assignment form.
FIELDS = ("title", "kind", "due", "instructions", "answer_key", "reminder_days", "cohort")


def assignment_or_404(programme: Programme, assignment_id: int) -> Assignment:
    """Return the programme's assignment, or answer 404."""
    found = Assignment.get_or_none(
        (Assignment.id == assignment_id) & (Assignment.programme == programme)
    )
    if found is None:
        abort(404)
    return found


def _cohorts(programme: Programme) -> list[Cohort]:
    return list(Cohort.select().where(Cohort.programme == programme).order_by(Cohort.name))


def _create(programme: Programme, values: dict) -> Assignment:
    """Create the assignment the form describes (for the chosen cohort, or everyone)."""
    cohort = None
    if values["cohort"]:
        try:
            chosen = parse_id(values["cohort"])
        except ValueError:
            chosen = None
        cohort = next((c for c in _cohorts(programme) if c.id == chosen), None)
        if cohort is None:
            raise AssignmentError("choose one of the programme's cohorts", field="cohort")
    return create_assignment(programme, values, cohort)


@bp.route("", methods=("GET", "POST"))
@login_required
def index(programme_id: int):
    """List the programme's assignments with their counts, and set a new one."""
    programme = programme_or_404(programme_id)
    errors, values = {}, {"kind": "case-study"}
    if request.method == "POST":
        values = {k: request.form.get(k, "")[:MAX_FIELD] for k in FIELDS}
        try:
            assignment = _create(programme, values)
        except AssignmentError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"“{assignment.title}” is set and on its way by email.", "ok")
            return redirect(url_for(".index", programme_id=programme.id))
    page = render_template(
        "web/assignments/index.html",
        programme=programme,
        rows=overview.assignment_rows(programme.id),
        kinds=[(k, KIND_LABELS[k]) for k in ASSIGNMENT_KINDS],
        kind_labels=KIND_LABELS,
        cohorts=[("", "Everyone taking part")] + [(c.id, c.name) for c in _cohorts(programme)],
        errors=errors,
        values=values,
    )
    return page, 400 if errors else 200


@bp.route("/<int:assignment_id>")
@login_required
def show(programme_id: int, assignment_id: int):
    """Show who has an assignment, who submitted (on time or late) and any refused files."""
    programme = programme_or_404(programme_id)
    assignment = assignment_or_404(programme, assignment_id)
    return render_template(
        "web/assignments/show.html",
        programme=programme,
        assignment=assignment,
        kind=KIND_LABELS.get(assignment.kind, assignment.kind),
        people=overview.assignees(assignment),
        due=local_due(assignment.due_at, programme.timezone),
        due_choices=_due_choices(programme),
    )


def _due_choices(programme: Programme) -> list[tuple[str, str]]:
    """Return the cohorts and participants a due time can be set for."""
    people = Person.select().where(Person.id.in_(participants(programme))).order_by(Person.name)
    return (
        [("", "Choose a cohort or a person")]
        + [(f"cohort:{c.id}", f"Cohort {c.name}") for c in _cohorts(programme)]
        + [(f"person:{p.id}", p.name) for p in people]
    )


@bp.route("/<int:assignment_id>/due", methods=("POST",))
@login_required
def set_due(programme_id: int, assignment_id: int):
    """Set the assignment for a cohort or a person with their own due time."""
    programme = programme_or_404(programme_id)
    assignment = assignment_or_404(programme, assignment_id)
    try:
        sent = set_due_by_choice(
            assignment, request.form.get("who", "")[:40], request.form.get("due", "")[:40]
        )
    except AssignmentError as exc:
        flash(str(exc))
    else:
        flash(f"Due time set; {sent} new participants are sent the assignment.", "ok")
    return redirect(url_for(".show", programme_id=programme.id, assignment_id=assignment.id))


def _submission_or_404(assignment: Assignment, submission_id: int) -> Submission:
    found = Submission.get_or_none(
        (Submission.id == submission_id) & (Submission.assignment == assignment)
    )
    if found is None:
        abort(404)
    return found


def _late(submission: Submission) -> bool:
    """Tell whether the first submission came after the person's own due time."""
    mine = Assignee.get_or_none(
        (Assignee.assignment == submission.assignment_id)
        & (Assignee.person == submission.person_id)
    )
    first = mine.submitted_at if mine and mine.submitted_at else submission.submitted_at
    return first > (mine.due_at if mine else submission.assignment.due_at)


def _number(name: str) -> float | None:
    text = request.form.get(name, "").strip().replace(",", ".")[:20]
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise AssignmentError("give the score as a number, such as 8", field=name) from None


@bp.route("/<int:assignment_id>/submissions/<int:submission_id>", methods=("GET", "POST"))
@login_required
def submission(programme_id: int, assignment_id: int, submission_id: int):
    """Show a submission, its files and reviews, and record a score and feedback."""
    programme = programme_or_404(programme_id)
    assignment = assignment_or_404(programme, assignment_id)
    found = _submission_or_404(assignment, submission_id)
    errors = {}
    if request.method == "POST":
        try:
            score, out_of = _number("score"), _number("out_of")
            feedback = request.form.get("feedback", "")[:MAX_FIELD]
            reviews.record_review(found, current_person(), score, out_of, feedback, "web")
        except AssignmentError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"Review recorded; {found.person.name} is told by email.", "ok")
            return redirect(request.path)
    page = render_template(
        "web/assignments/submission.html",
        programme=programme,
        assignment=assignment,
        submission=found,
        person=Person.get_by_id(found.person_id),
        late=_late(found),
        files=list(SubmissionFile.select().where(SubmissionFile.submission == found)),
        reviews=list(
            Review.select().where(Review.submission == found).order_by(Review.created_at.desc())
        ),
        errors=errors,
        values=request.form,
    )
    return page, 400 if errors else 200


@bp.route("/<int:assignment_id>/files/<int:file_id>")
@login_required
def download(programme_id: int, assignment_id: int, file_id: int):
    """Send a kept file as a download, under its original name."""
    programme = programme_or_404(programme_id)
    assignment = assignment_or_404(programme, assignment_id)
    item = SubmissionFile.get_or_none(
        (SubmissionFile.id == file_id)
        & (SubmissionFile.assignment == assignment)
        & (SubmissionFile.status == "stored")
    )
    if item is None:
        abort(404)
    try:
        path = stored_files.stored_path(item.stored_name).resolve()
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name
    )
    # A participant's file is never run by the browser as a page, whatever it holds.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
