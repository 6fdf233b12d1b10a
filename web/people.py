"""A programme's people: list and search them, add, edit, deactivate and reactivate them.

Nested under the programmes blueprint: every URL starts ``/programmes/<id>/people`` and
goes through ``programme_or_404``; a person is found only among the programme's members.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from models import Membership, Person, Programme
from models.programme import MEMBER_ROLES
from web import people_forms as forms
from web.access import programme_or_404
from web.auth import login_required
from web.paging import paginate
from web.trail import about, current_actor, rows
from workers.workspace.errors import WorkspaceError
from workers.workspace.people import deactivate_person, reactivate_person
from workers.workspace.people_plan import default_role

bp = Blueprint("people", __name__, url_prefix="/<int:programme_id>/people")

#: People on one page of the list.
PER_PAGE = 50

#: Longest search text read.
MAX_QUERY = 200

#: Changes shown on a person's page.
HISTORY_ROWS = 20


def member_or_404(programme: Programme, person_id: int) -> Person:
    """Return the person if they belong to ``programme``; otherwise answer 404."""
    person = (
        Person.select()
        .join(Membership)
        .where((Person.id == person_id) & (Membership.programme == programme))
        .first()
    )
    if person is None:
        abort(404)
    return person


def member_choices(programme: Programme) -> list[tuple[int, str]]:
    """Return (id, "Name <email>") for each active member, by name, for owner choices."""
    members = Membership.select(Membership.person).where(Membership.programme == programme)
    people = (
        Person.select()
        .where(Person.id.in_(members) & Person.deactivated_at.is_null())
        .order_by(Person.name)
    )
    return [(p.id, f"{p.name} <{p.email}>") for p in people]


def chosen_member(programme: Programme, value: str) -> Person | None:
    """Return the member a form's choice names (their id), or None if it names nobody here."""
    if not str(value).isdigit():
        return None
    members = Membership.select(Membership.person).where(Membership.programme == programme)
    return Person.get_or_none((Person.id == int(value)) & Person.id.in_(members))


def _members(programme: Programme, search: str):
    member_ids = Membership.select(Membership.person).where(Membership.programme == programme)
    query = Person.select().where(Person.id.in_(member_ids))
    if search:
        query = query.where(
            Person.name.contains(search)
            | Person.email.contains(search)
            | Person.department.contains(search)
        )
    return query.order_by(Person.name, Person.id)


def _roles_of(programme: Programme, people: list[Person]) -> dict[int, list[str]]:
    roles: dict[int, list[str]] = {}
    query = Membership.select(Membership.person, Membership.role).where(
        (Membership.programme == programme) & Membership.person.in_([p.id for p in people])
    )
    for person_id, role in query.tuples():
        roles.setdefault(person_id, []).append(role)
    return {k: sorted(v, key=MEMBER_ROLES.index) for k, v in roles.items()}


@bp.route("")
@login_required
def index(programme_id: int):
    """List the programme's people, page by page, optionally searched."""
    programme = programme_or_404(programme_id)
    search = request.args.get("q", "").strip()[:MAX_QUERY]
    page = paginate(_members(programme, search), PER_PAGE)
    return render_template(
        "web/people/index.html",
        programme=programme,
        page=page,
        search=search,
        roles=_roles_of(programme, page.items),
    )


def _render_form(programme: Programme, person: Person | None, values: dict, errors: dict):
    return render_template(
        "web/people/form.html",
        programme=programme,
        person=person,
        values=values,
        errors=errors,
        role_options=[(role, role) for role in MEMBER_ROLES],
        history=rows(about(person).limit(HISTORY_ROWS)) if person else [],
    )


@bp.route("/new", methods=("GET", "POST"))
@login_required
def create(programme_id: int):
    """Add a person to the programme, with their addresses and roles."""
    programme = programme_or_404(programme_id)
    if request.method == "GET":
        role = default_role(programme)
        values = {f: "" for f in forms.FIELDS} | {"timezone": programme.timezone}
        return _render_form(programme, None, values | {"roles": [role] if role else []}, {})
    values = forms.read_form(request.form)
    errors = forms.check(values)
    if not errors:
        try:
            person = forms.create(programme, values, current_actor())
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"{person.name} added.", "ok")
            return redirect(url_for("programmes.people.index", programme_id=programme.id))
    return _render_form(programme, None, values, errors)


@bp.route("/<int:person_id>", methods=("GET", "POST"))
@login_required
def edit(programme_id: int, person_id: int):
    """Change a person's name, addresses, time zone, department, language or roles."""
    programme = programme_or_404(programme_id)
    person = member_or_404(programme, person_id)
    if request.method == "GET":
        return _render_form(programme, person, forms.form_values(person, programme), {})
    values = forms.read_form(request.form)
    errors = forms.check(values, person)
    if not errors:
        try:
            forms.update(programme, person, values, current_actor())
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"{person.name} saved.", "ok")
            return redirect(request.path)
    return _render_form(programme, person, values, errors)


@bp.route("/<int:person_id>/deactivate", methods=("POST",))
@login_required
def deactivate(programme_id: int, person_id: int):
    """Stop all email to a person; their history stays."""
    programme = programme_or_404(programme_id)
    person = member_or_404(programme, person_id)
    if deactivate_person(person, actor=current_actor()):
        flash(f"{person.name} deactivated: Tandem sends them no more email.", "ok")
    return redirect(
        url_for("programmes.people.edit", programme_id=programme.id, person_id=person.id)
    )


@bp.route("/<int:person_id>/reactivate", methods=("POST",))
@login_required
def reactivate(programme_id: int, person_id: int):
    """Let Tandem email a deactivated person again."""
    programme = programme_or_404(programme_id)
    person = member_or_404(programme, person_id)
    if reactivate_person(person, actor=current_actor()):
        flash(f"{person.name} reactivated.", "ok")
    return redirect(
        url_for("programmes.people.edit", programme_id=programme.id, person_id=person.id)
    )
