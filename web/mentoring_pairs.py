"""A page per mentoring pair and per group: sessions and answers, attendance, feedback, goals
and the action plan; and the programme's list of them, with groups, settings and library.

Every view goes through ``programme_or_404`` (via ``mentoring_programme``), and a group,
session or person named in a URL or a form is looked up inside that programme.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from models import Programme
from web.auth import client, login_required
from web.ids import parse_id
from web.mentoring import actor, mentoring_programme
from workers.accounts import throttle
from workers.mentoring import goals as goals_mod
from workers.mentoring import occurrences, pages, resources, sessions
from workers.mentoring.availability import AvailabilityError, check_zone
from workers.mentoring.errors import MentoringError
from workers.mentoring.invitations import attendees
from workers.mentoring.overview import member_of

bp = Blueprint("mentoring_pairs", __name__, url_prefix="/mentoring")

#: Types a browser renders or runs as a page; library files of these types go out as bytes.
MARKUP_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
}


def _group(programme: Programme, group_id: int):
    return pages.group_in(programme, group_id) or abort(404)


def _back(programme: Programme, group_id: int | None = None, anchor: str = ""):
    if group_id is None:
        url = url_for("mentoring_pairs.index", programme_id=programme.id)
    else:
        url = url_for("mentoring_pairs.show", programme_id=programme.id, group_id=group_id)
    return redirect(f"{url}#{anchor}" if anchor else url)


@bp.route("/<int:programme_id>/groups")
@login_required
def index(programme_id: int):
    """List the programme's pairs and groups, with the forms for groups, settings, library."""
    programme = mentoring_programme(programme_id)
    return render_template(
        "web/mentoring/groups.html",
        programme=programme,
        groups=pages.groups_of(programme),
        people=pages.members(programme),
        settings=pages.settings_of(programme),
        library=list(programme.resources),
    )


@bp.route("/<int:programme_id>/groups/<int:group_id>")
@login_required
def show(programme_id: int, group_id: int):
    """Show one pair or group."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    return render_template(
        "web/mentoring/group.html", programme=programme, group=group, page=pages.group_page(group)
    )


def _run(programme: Programme, group_id: int | None, anchor: str, step, done: str):
    """Run one change; flash its outcome and go back to the page."""
    try:
        step()
        flash(done, "ok")
    except MentoringError as exc:
        flash(str(exc))
    return _back(programme, group_id, anchor)


@bp.route("/<int:programme_id>/groups/<int:group_id>/schedule", methods=("POST",))
@login_required
def schedule(programme_id: int, group_id: int):
    """Schedule a pair's sessions inside both availabilities."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    if sessions.schedule_pair(group.id) is None:
        flash("These people share no time in their availability: no session was set.")
        return _back(programme, group.id)
    flash("Sessions set; both have their invitation.", "ok")
    return _back(programme, group.id, "sessions")


@bp.route("/<int:programme_id>/groups/<int:group_id>/series", methods=("POST",))
@login_required
def schedule_group(programme_id: int, group_id: int):
    """Set a group's sessions at the time the coordinator gives, in their zone."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    form = request.form
    try:
        zone = form.get("timezone", "UTC").strip()
        local = dt.datetime.fromisoformat(form.get("starts_at", ""))
        first = local.replace(tzinfo=check_zone(zone)).astimezone(dt.UTC).replace(tzinfo=None)
        minutes, count = int(form.get("minutes", "60")), int(form.get("count", "6"))
    except (ValueError, AvailabilityError):
        flash("Give a start (date and time), a time zone, a length and a number of sessions.")
        return _back(programme, group.id)
    rhythm = form.get("rhythm", "biweekly")
    kind = "panel" if form.get("kind") == "panel" else "group"
    location = form.get("location", "")

    def step():
        """Check the rhythm and length, then set the sessions."""
        if rhythm not in ("biweekly", "monthly", "once") or not 15 <= minutes <= 480:
            raise MentoringError("choose a rhythm and a length from 15 to 480 minutes")
        sessions.schedule_group(group.id, first, minutes, zone, rhythm, min(count, 52), kind,
                                location)  # fmt: skip

    return _run(programme, group.id, "sessions", step, "Sessions set; everyone is invited.")


@bp.route("/<int:programme_id>/groups/<int:group_id>/occurrences/<int:occurrence_id>/cancel",
          methods=("POST",))  # fmt: skip
@login_required
def cancel_occurrence(programme_id: int, group_id: int, occurrence_id: int):
    """Cancel one session; the series stays."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    occurrence = pages.occurrence_in(group, occurrence_id) or abort(404)
    why = request.form.get("why", "")[:500]
    step = partial(occurrences.cancel_occurrence, occurrence.id, why)
    return _run(programme, group.id, "sessions", step, "Session cancelled; everyone is told.")


@bp.route("/<int:programme_id>/groups/<int:group_id>/series/<int:series_id>/cancel",
          methods=("POST",))  # fmt: skip
@login_required
def cancel_series(programme_id: int, group_id: int, series_id: int):
    """Cancel a whole series of sessions."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    if series_id not in {s.id for s in group.series}:
        abort(404)
    step = partial(sessions.cancel_series, series_id, actor())
    return _run(programme, group.id, "sessions", step, "Sessions cancelled; everyone is told.")


@bp.route("/<int:programme_id>/groups/<int:group_id>/occurrences/<int:occurrence_id>/attendance",
          methods=("POST",))  # fmt: skip
@login_required
def attendance(programme_id: int, group_id: int, occurrence_id: int):
    """Record who attended one session."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    occurrence = pages.occurrence_in(group, occurrence_id) or abort(404)
    came = {int(v) for v in request.form.getlist("attended") if v.isdigit()}
    marks = {a.person.id: a.person.id in came for a in attendees(group)}
    changed = pages.set_attendance(occurrence, marks, actor())
    flash(f"Attendance saved ({changed} changed).", "ok")
    return _back(programme, group.id, f"occurrence-{occurrence.id}")


@bp.route("/<int:programme_id>/groups/<int:group_id>/goals", methods=("POST",))
@login_required
def add_goal(programme_id: int, group_id: int):
    """Add a SMART goal for one of the group's mentees."""
    programme = mentoring_programme(programme_id)
    group = _group(programme, group_id)
    mentee = member_of(programme, request.form.get("person", type=parse_id) or 0, "mentee")
    if mentee is None or mentee.id not in {a.person.id for a in attendees(group)}:
        abort(404)
    form = request.form

    def step():
        """Read the numbers and the date, then add the goal."""
        try:
            target = float(form.get("target", ""))
            baseline = float(form.get("baseline") or 0)
            due = dt.date.fromisoformat(form["due_date"]) if form.get("due_date") else None
        except ValueError:
            raise MentoringError(
                "the target and baseline are numbers, the date YYYY-MM-DD"
            ) from None
        goals_mod.add_goal(programme, mentee, form.get("text", ""), form.get("measure", ""),
                           target, due, baseline, form.get("unit", ""))  # fmt: skip

    return _run(programme, group.id, "goals", step, f"Goal added for {mentee.name}.")


@bp.route("/<int:programme_id>/groups/new", methods=("POST",))
@login_required
def new_group(programme_id: int):
    """Create a thematic group or panel from the programme's mentors and mentees."""
    programme = mentoring_programme(programme_id)
    form = request.form
    mentors = [
        member_of(programme, int(i), "mentor") for i in form.getlist("mentors") if i.isdigit()
    ]
    mentees = [
        member_of(programme, int(i), "mentee") for i in form.getlist("mentees") if i.isdigit()
    ]
    if None in mentors or None in mentees:
        abort(404)
    found = {}

    def step():
        """Create the group, keeping it for the redirect."""
        found["group"] = pages.create_group(programme, form.get("theme", ""), mentors, mentees,
                                            form.get("rhythm", "biweekly"))  # fmt: skip

    _run(programme, None, "groups", step, "Group created; set its sessions on its page.")
    return _back(programme, found["group"].id) if found else _back(programme, None, "groups")


@bp.route("/<int:programme_id>/pair-settings", methods=("POST",))
@login_required
def save_settings(programme_id: int):
    """Save the default rhythm and whether people's addresses are hidden from each other."""
    programme = mentoring_programme(programme_id)
    rhythm, hide = request.form.get("rhythm", "biweekly"), request.form.get("hide") == "on"
    step = partial(pages.save_settings, programme, rhythm, hide)
    return _run(programme, None, "settings", step, "Settings saved.")


@bp.route("/<int:programme_id>/resources", methods=("POST",))
@login_required
def add_resource(programme_id: int):
    """Add a link or a file to the programme's resource library."""
    programme = mentoring_programme(programme_id)
    upload = request.files.get("file")
    file = None
    if upload and upload.filename:
        file = (upload.filename, upload.mimetype or "application/octet-stream", upload.read())
    form = request.form
    step = partial(resources.add_resource, programme, form.get("title", ""),
                   form.get("tags", ""), form.get("url", ""), file, actor())  # fmt: skip
    return _run(programme, None, "library", step, "Added to the library.")


@bp.route("/resources/<token>")
def resource_file(token: str):
    """Serve a library file behind its signed link (no login: people follow it from email)."""
    if throttle.wait_seconds(client()):  # a client that keeps trying made-up links waits
        abort(429)
    found = resources.resource_for(token)
    if found is None:
        throttle.record_failure(client())
        abort(404)
    # The type came from the uploader's browser: markup a browser would run is served as bytes.
    kind = (found.content_type or "").split(";")[0].strip().lower()
    response = send_file(
        io.BytesIO(bytes(found.data)),
        mimetype=kind if kind and kind not in MARKUP_TYPES else "application/octet-stream",
        as_attachment=True,
        download_name=found.filename or "resource",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
