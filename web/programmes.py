"""Programmes: the list a coordinator sees after logging in, and creating, editing, archiving.

A coordinator sees the programmes they coordinate, an administrator all of them; every view
goes through ``web.access``. The areas inside a programme (people, CSV import, metrics,
action items) are blueprints nested under this one.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from peewee import JOIN, fn

from models import ActionItem, Cycle, Membership, Metric, Person, Programme, User, db
from models.programme import TIMING_FIELDS
from web import (
    assignments,
    interventions,
    items,
    learning,
    metrics,
    people,
    people_import,
    tracking,
    trail,
)
from web.access import programme_or_404, visible_programmes
from web.auth import login_required
from web.paging import paginate
from web.programme_forms import (
    KIND_LABELS,
    TIMING_LABELS,
    form_values,
    read_form,
    timing_defaults,
    zone_names,
)
from workers.workspace import programmes as workspace
from workers.workspace.errors import WorkspaceError
from workers.workspace.people import add_membership, login_person

bp = Blueprint("programmes", __name__, url_prefix="/programmes")
for _area in (people.bp, people_import.bp, metrics.bp, items.bp, tracking.bp, assignments.bp):
    bp.register_blueprint(_area)
bp.register_blueprint(learning.bp)
bp.register_blueprint(interventions.bp)

#: Programmes on one page of the list.
PER_PAGE = 50

#: Audit events shown on a programme's page (the rest on its history page).
RECENT_EVENTS = 10


@login_required
def index():
    """List the programmes the user may see (the archived ones with ``?archived=1``)."""
    archived = request.args.get("archived") == "1"
    query = (
        visible_programmes()
        .select(Programme, fn.COUNT(Membership.id.distinct()).alias("member_count"))
        .join(Membership, on=(Membership.programme == Programme.id), join_type=JOIN.LEFT_OUTER)
        .where(Programme.archived_at.is_null(not archived))
        .group_by(Programme.id)
        .order_by(Programme.name)
    )
    return render_template(
        "web/programmes/index.html",
        page=paginate(query, PER_PAGE),
        archived=archived,
        kind_labels=KIND_LABELS,
    )


def _render_form(programme: Programme | None, values: dict, errors: dict):
    return render_template(
        "web/programmes/form.html",
        programme=programme,
        values=values,
        errors=errors,
        kind_labels=KIND_LABELS,
        timing_labels=TIMING_LABELS,
        timing_fields=TIMING_FIELDS,
        defaults=timing_defaults(),
        list_timings=workspace.LIST_TIMINGS,
        zone_names=zone_names,
    )


@bp.route("/new", methods=("GET", "POST"))
@login_required
def create():
    """Create a programme; its creator becomes one of its coordinators."""
    if request.method == "GET":
        return _render_form(None, form_values(None), {})
    changes = read_form(request.form)
    errors = workspace.field_errors(changes)
    if not errors:
        try:
            with db.atomic():
                programme = workspace.create_programme(
                    changes.pop("name"),
                    changes.pop("kinds"),
                    timezone=changes.pop("timezone"),
                    description=changes.pop("description"),
                    actor=trail.current_actor(),
                    **changes,
                )
                add_membership(
                    programme,
                    login_person(g.user, actor=trail.current_actor()),
                    "coordinator",
                    actor=trail.current_actor(),
                )
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"Programme {programme.name} created.", "ok")
            return redirect(url_for("programmes.show", programme_id=programme.id))
    return _render_form(None, read_form(request.form), errors)


@bp.route("/<int:programme_id>/edit", methods=("GET", "POST"))
@login_required
def edit(programme_id: int):
    """Change a programme's name, kinds, time zone, description or timings."""
    programme = programme_or_404(programme_id)
    if request.method == "GET":
        return _render_form(programme, form_values(programme), {})
    changes = read_form(request.form)
    errors = workspace.field_errors(changes)
    if not errors:
        try:
            changed = workspace.edit_programme(programme, actor=trail.current_actor(), **changes)
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash("Programme saved." if changed else "Nothing changed.", "ok")
            return redirect(url_for("programmes.show", programme_id=programme.id))
    return _render_form(programme, changes, errors)


@bp.route("/<int:programme_id>/archive", methods=("POST",))
@login_required
def archive(programme_id: int):
    """Archive a programme: hidden from the main list, its data kept."""
    programme = programme_or_404(programme_id)
    if workspace.archive_programme(programme, actor=trail.current_actor()):
        flash(
            f"{programme.name} archived. Its data is kept: “Show archived programmes” finds it.",
            "ok",
        )
    return redirect(url_for("programmes.show", programme_id=programme.id))


@bp.route("/<int:programme_id>/unarchive", methods=("POST",))
@login_required
def unarchive(programme_id: int):
    """Bring an archived programme back to the main list."""
    programme = programme_or_404(programme_id)
    if workspace.unarchive_programme(programme, actor=trail.current_actor()):
        flash(f"{programme.name} is back in the list.", "ok")
    return redirect(url_for("programmes.show", programme_id=programme.id))


def coordinators(programme: Programme) -> list[dict]:
    """Who coordinates ``programme``: name, email and whether they can log in, by name."""
    people = list(
        Person.select()
        .join(Membership)
        .where((Membership.programme == programme) & (Membership.role == "coordinator"))
        .order_by(Person.name)
    )
    logins = User.select(User.person).where(
        User.person.in_([p.id for p in people]) & (User.is_active == True)  # noqa: E712
    )
    with_login = {user.person_id for user in logins}
    return [{"name": p.name, "email": p.email, "login": p.id in with_login} for p in people]


@bp.route("/<int:programme_id>")
@login_required
def show(programme_id: int):
    """Show one programme: who coordinates it, its timings, cycles, people, metrics, items."""
    programme = programme_or_404(programme_id)
    members = Membership.select().where(Membership.programme == programme)
    return render_template(
        "web/programmes/show.html",
        programme=programme,
        kind_labels=KIND_LABELS,
        coordinators=coordinators(programme),
        timing=workspace.programme_timing(programme),
        timing_labels=TIMING_LABELS,
        own_timings=[name for name in TIMING_FIELDS if getattr(programme, name) is not None],
        cycles=Cycle.select().where(Cycle.programme == programme).order_by(Cycle.created_at.desc()),
        people_count=members.select(fn.COUNT(Membership.person.distinct())).scalar(),
        metrics=Metric.select().where(Metric.programme == programme).order_by(Metric.name),
        open_items=ActionItem.open_for(programme).count(),
        recent=trail.rows(trail.about_programme(programme).limit(RECENT_EVENTS)),
    )


@bp.route("/<int:programme_id>/history")
@login_required
def history(programme_id: int):
    """Show everything recorded about a programme, its metrics and its items, page by page."""
    programme = programme_or_404(programme_id)
    page = paginate(trail.about_programme(programme))
    return render_template(
        "web/programmes/history.html", programme=programme, page=page, rows=trail.rows(page.items)
    )
