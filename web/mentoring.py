"""A mentoring programme on the web: its people, matching rules, orientation and assessment.

Every view goes through ``programme_or_404``, and anything named inside a programme (a
person, an exclusion, an orientation) is looked up within it, so another programme's ids
give a 404.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from models import Programme
from web.access import programme_or_404
from web.auth import login_required
from web.ids import parse_id
from workers.mentoring import orientation as orientation_mod
from workers.mentoring import rules as rules_mod
from workers.mentoring.errors import MentoringError
from workers.mentoring.matching import OBJECTIVES
from workers.mentoring.overview import member_of, people, staff
from workers.mentoring.proposals import latest
from workers.mentoring.rules import Rules

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")


def actor() -> str:
    """Name the logged-in coordinator in the records."""
    return f"user:{g.user.id}"


def mentoring_programme(programme_id: int) -> Programme:
    """Return a mentoring programme the user may see, or answer 404."""
    programme = programme_or_404(programme_id)
    if not programme.has_kind("mentoring"):
        abort(404)
    return programme


def back(programme: Programme, anchor: str = ""):
    """Redirect to the programme's mentoring page (at ``anchor``)."""
    url = url_for("mentoring.show", programme_id=programme.id)
    return redirect(f"{url}#{anchor}" if anchor else url)


@bp.route("/<int:programme_id>")
@login_required
def show(programme_id: int):
    """Show the programme's mentors and mentees, matching rules, orientation and assessment."""
    programme = mentoring_programme(programme_id)
    rows = people(programme)
    sessions = orientation_mod.orientations(programme)
    rules = rules_mod.rules_for(programme)
    return render_template(
        "web/mentoring/show.html",
        programme=programme,
        mentors=rows["mentor"],
        mentees=rows["mentee"],
        rules=rules,
        start=rules_mod.span_for(programme, rules).start,
        objectives=OBJECTIVES,
        exclusions=rules_mod.exclusions(programme),
        orientations=[(o, orientation_mod.attendance(o)) for o in sessions],
        proposal=latest(programme),
        staff=staff(programme),
    )


def _read_rules(form) -> Rules:
    try:
        minutes = int(form.get("session_minutes", "60"))
        weeks = int(form.get("weeks", str(rules_mod.DEFAULT_WEEKS)))
    except ValueError:
        raise MentoringError("session length and weeks must be whole numbers") from None
    start_text = form.get("start_date", "").strip()
    try:
        start = dt.date.fromisoformat(start_text) if start_text else None
    except ValueError:
        raise MentoringError(f"{start_text!r} is not a date (YYYY-MM-DD)") from None
    return Rules(
        objective=form.get("objective", "participation"),
        session_minutes=minutes,
        start_date=start,
        weeks=weeks,
        exclude_same_department=form.get("exclude_same_department") == "on",
    )


@bp.route("/<int:programme_id>/rules", methods=("POST",))
@login_required
def save_rules(programme_id: int):
    """Change the programme's matching rules."""
    programme = mentoring_programme(programme_id)
    try:
        rules_mod.save_rules(programme, _read_rules(request.form))
        flash("Matching rules saved.", "ok")
    except MentoringError as exc:
        flash(str(exc))
    return back(programme, "rules")


@bp.route("/<int:programme_id>/exclusions", methods=("POST",))
@login_required
def add_exclusion(programme_id: int):
    """Never pair one mentee with one mentor."""
    programme = mentoring_programme(programme_id)
    mentee = member_of(programme, request.form.get("mentee", type=parse_id) or 0, "mentee")
    mentor = member_of(programme, request.form.get("mentor", type=parse_id) or 0, "mentor")
    error = None
    if mentee is None or mentor is None:
        error = "Choose a mentee and a mentor of this programme."
    else:
        try:
            if not rules_mod.add_exclusion(programme, mentee, mentor, actor()):
                error = f"{mentee.name} and {mentor.name} are excluded already."
        except MentoringError as exc:
            error = str(exc)
    if error is None:
        flash(f"{mentee.name} will never be paired with {mentor.name}.", "ok")
    else:
        flash(error)
    return back(programme, "exclusions")


@bp.route("/<int:programme_id>/exclusions/<int:exclusion_id>/delete", methods=("POST",))
@login_required
def remove_exclusion(programme_id: int, exclusion_id: int):
    """Allow an excluded pair again."""
    programme = mentoring_programme(programme_id)
    if not rules_mod.remove_exclusion(programme, exclusion_id):
        abort(404)
    flash("Exclusion removed.", "ok")
    return back(programme, "exclusions")


@bp.route("/<int:programme_id>/mentors/<int:person_id>/override", methods=("POST",))
@login_required
def override(programme_id: int, person_id: int):
    """Let a mentor be matched before orientation, or take that back."""
    programme = mentoring_programme(programme_id)
    mentor = member_of(programme, person_id, "mentor") or abort(404)
    allowed = request.form.get("allowed") == "1"
    rules_mod.set_override(programme, mentor, allowed, actor())
    if allowed:
        flash(f"{mentor.name} may be matched before orientation.", "ok")
    else:
        flash(f"{mentor.name} is matched only after orientation.", "ok")
    return back(programme, "mentors")
