"""A programme's action items on the page: add, edit, reassign, update and close them.

Nested under the programmes blueprint (``/programmes/<id>/items``). Each change goes through
``workers.workspace.items``, the same functions replies use, and is audited; an item's page
shows its whole history, by email and on the page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from peewee import JOIN

from models import ActionItem, Person, Programme
from models.action import ITEM_STATUSES
from web.access import programme_or_404
from web.auth import login_required
from web.paging import paginate
from web.people import chosen_member, member_choices
from web.trail import current_actor, current_person, item_history
from workers.workspace import items as workspace
from workers.workspace.errors import WorkspaceError

bp = Blueprint("items", __name__, url_prefix="/<int:programme_id>/items")

#: Longest value read from a field.
MAX_FIELD = 2000

#: Items on one page of the list.
PER_PAGE = 50

#: The lists the page offers: which statuses each shows.
FILTERS = {
    "open": ("open", "blocked"),
    "closed": ("done", "cancelled"),
    "all": ITEM_STATUSES,
}

#: Statuses a coordinator may set from the progress form.
PROGRESS_STATUSES = [("open", "open"), ("blocked", "blocked"), ("done", "done")]


def item_or_404(programme: Programme, item_id: int) -> ActionItem:
    """Return the programme's action item, or answer 404."""
    item = ActionItem.get_or_none((ActionItem.id == item_id) & (ActionItem.programme == programme))
    if item is None:
        abort(404)
    return item


def _list(programme: Programme, shown: str):
    return (
        ActionItem.select(ActionItem, Person)
        .join(Person, JOIN.LEFT_OUTER)
        .where((ActionItem.programme == programme) & ActionItem.status.in_(FILTERS[shown]))
        .order_by(ActionItem.due_date.is_null(), ActionItem.due_date, ActionItem.id)
    )


@bp.route("", methods=("GET", "POST"))
@login_required
def index(programme_id: int):
    """List the programme's action items, page by page, and add one."""
    programme = programme_or_404(programme_id)
    shown = request.args.get("show", "open")
    shown = shown if shown in FILTERS else "open"
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.form.get(k, "")[:MAX_FIELD] for k in ("title", "owner", "due_date")}
        try:
            item = workspace.add_item(
                programme,
                title=values["title"],
                owner=chosen_member(programme, values["owner"]),
                due=values["due_date"],
                actor=current_actor(),
                by=current_person(),
            )
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash(f"Action item added; {item.owner.name} is told by email.", "ok")
            return redirect(url_for(".index", programme_id=programme.id))
    page = render_template(
        "web/items/index.html",
        programme=programme,
        page=paginate(_list(programme, shown), PER_PAGE),
        shown=shown,
        filters=list(FILTERS),
        errors=errors,
        values=values,
        owners=member_choices(programme),
    )
    return page, 400 if errors else 200


def _owners(programme: Programme, item: ActionItem) -> list[tuple[int, str]]:
    owners = member_choices(programme)
    if item.owner_id and item.owner_id not in {person_id for person_id, _ in owners}:
        owners.insert(0, (item.owner_id, f"{item.owner.name} (no longer active here)"))
    return owners


def _render(programme: Programme, item: ActionItem, errors: dict | None = None, status: int = 200):
    page = render_template(
        "web/items/show.html",
        programme=programme,
        item=item,
        errors=errors or {},
        owners=_owners(programme, item),
        statuses=PROGRESS_STATUSES,
        history=item_history(item),
    )
    return page, status


@bp.route("/<int:item_id>")
@login_required
def show(programme_id: int, item_id: int):
    """Show an action item, the forms that change it and its whole history."""
    programme = programme_or_404(programme_id)
    return _render(programme, item_or_404(programme, item_id))


def _change(programme_id: int, item_id: int, action) -> tuple:
    """Run ``action(programme, item)``; re-render the item with the error beside its field."""
    programme = programme_or_404(programme_id)
    item = item_or_404(programme, item_id)
    try:
        message = action(programme, item)
    except WorkspaceError as exc:
        return _render(programme, item, {exc.field or "form": str(exc)}, 400)
    flash(message, "ok")
    return redirect(url_for(".show", programme_id=programme.id, item_id=item.id))


@bp.route("/<int:item_id>/edit", methods=("POST",))
@login_required
def edit(programme_id: int, item_id: int):
    """Change an item's title or due date."""

    def action(programme, item):
        changed = workspace.edit_item(
            item,
            title=request.form.get("title", "")[:MAX_FIELD],
            due=request.form.get("due_date", "")[:MAX_FIELD],
            actor=current_actor(),
            by=current_person(),
        )
        return "Item saved." if changed else "Nothing changed."

    return _change(programme_id, item_id, action)


@bp.route("/<int:item_id>/reassign", methods=("POST",))
@login_required
def reassign(programme_id: int, item_id: int):
    """Give an item to another member of the programme."""

    def action(programme, item):
        owner = chosen_member(programme, request.form.get("owner", ""))
        if workspace.reassign_item(item, owner, actor=current_actor(), by=current_person()):
            return f"Reassigned to {owner.name}; they are told by email."
        return "Nothing changed."

    return _change(programme_id, item_id, action)


@bp.route("/<int:item_id>/progress", methods=("POST",))
@login_required
def progress(programme_id: int, item_id: int):
    """Set an item's status and percentage, as a reply would, or correct them."""

    def action(programme, item):
        said = workspace.update_progress(
            item,
            status=request.form.get("status", ""),
            percent=request.form.get("percent", "")[:10],
            reason=request.form.get("reason", "")[:MAX_FIELD],
            actor=current_actor(),
            by=current_person(),
        )
        return f"Recorded: {said}."

    return _change(programme_id, item_id, action)


@bp.route("/<int:item_id>/close", methods=("POST",))
@login_required
def close(programme_id: int, item_id: int):
    """Close an item as done or cancelled."""

    def action(programme, item):
        status = request.form.get("status", "done")
        said = workspace.close_item(item, status=status, actor=current_actor(), by=current_person())
        return f"Closed: {said}."

    return _change(programme_id, item_id, action)
