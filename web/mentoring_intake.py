"""Before matching, on the web: mentor orientation sessions and mentees' questionnaires."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request

from models import Orientation
from web.auth import login_required
from web.cycle_forms import FormError, read_session
from web.ids import parse_id
from web.mentoring import actor, back, mentoring_programme
from workers.mentoring import orientation as orientation_mod
from workers.mentoring.assessment import send_assessments
from workers.mentoring.errors import MentoringError
from workers.mentoring.orientation import OrientationSpec
from workers.mentoring.overview import member_of

bp = Blueprint("mentoring_intake", __name__, url_prefix="/mentoring")


def _orientation_or_404(programme, orientation_id: int) -> Orientation:
    found = Orientation.get_or_none(
        (Orientation.id == orientation_id) & (Orientation.programme == programme)
    )
    return found or abort(404)


def _facilitator_id(programme, form) -> int | None:
    chosen = form.get("facilitator", type=parse_id)
    if not chosen:
        return None
    person = member_of(programme, chosen, "facilitator") or member_of(
        programme, chosen, "coordinator"
    )
    if person is None:
        raise FormError("Choose a facilitator of this programme.")
    return person.id


@bp.route("/<int:programme_id>/orientations", methods=("POST",))
@login_required
def create_orientation(programme_id: int):
    """Set up an orientation session and invite the mentors who have not done one."""
    programme = mentoring_programme(programme_id)
    try:
        starts, ends, zone, location = read_session(request.form)
        spec = OrientationSpec(
            title=request.form.get("title", ""),
            starts_at=starts,
            ends_at=ends,
            timezone=zone,
            location=location,
            facilitator_id=_facilitator_id(programme, request.form),
        )
        orientation = orientation_mod.create_orientation(programme, spec, actor())
        count = orientation_mod.invite(orientation.id)
    except (FormError, MentoringError) as exc:
        flash(str(exc))
        return back(programme, "orientation")
    flash(f"Orientation set up: {count} mentors invited.", "ok")
    return back(programme, "orientation")


@bp.route("/<int:programme_id>/orientations/<int:orientation_id>/invite", methods=("POST",))
@login_required
def invite(programme_id: int, orientation_id: int):
    """Invite the mentors without orientation not yet invited to this orientation."""
    programme = mentoring_programme(programme_id)
    orientation = _orientation_or_404(programme, orientation_id)
    try:
        count = orientation_mod.invite(orientation.id)
    except MentoringError as exc:
        flash(str(exc))
        return back(programme, "orientation")
    flash(f"{count} more mentors invited.", "ok")
    return back(programme, "orientation")


@bp.route("/<int:programme_id>/orientations/<int:orientation_id>/attendance", methods=("POST",))
@login_required
def attendance(programme_id: int, orientation_id: int):
    """Record who attended, as the coordinator ticked them."""
    programme = mentoring_programme(programme_id)
    orientation = _orientation_or_404(programme, orientation_id)
    ticked = {int(v) for v in request.form.getlist("attended") if v.isdigit()}
    marks = {row.person_id: row.person_id in ticked for row in orientation.attendances}
    changed = orientation_mod.record_attendance(orientation, marks, actor())
    flash(f"Attendance saved ({changed} changed).", "ok")
    return back(programme, "orientation")


@bp.route("/<int:programme_id>/assessments", methods=("POST",))
@login_required
def assessments(programme_id: int):
    """Email the needs questionnaire to mentees (again to those who have not answered)."""
    programme = mentoring_programme(programme_id)
    count = send_assessments(programme, resend=request.form.get("resend") == "1")
    flash(f"{count} questionnaires sent.", "ok")
    return back(programme, "mentees")
