"""Add, edit, reassign, update and close action items from the page, every change audited.

These go through the same functions as a reply by email (``workers.followup.items``), so an
item added here emails its owner and gets its reminders, and a status set here moves or
cancels them; the audit trail says which coordinator did it and when.
"""

from __future__ import annotations

import datetime as dt

from models import ActionItem, ActionItemUpdate, AuditEvent, Person, Programme, clock
from models.action import ITEM_STATUSES
from workers.followup.common import item_ctx
from workers.followup.items import apply_update, create_item, schedule_item
from workers.outbound import outbox
from workers.runtime.plainsql import update_by_id
from workers.workspace.errors import ItemError

#: Longest item title accepted.
MAX_TITLE_LENGTH = 2000

#: Longest reason for a blocked item accepted.
MAX_REASON_LENGTH = 2000

#: Statuses that close an item.
CLOSED_STATUSES = ("done", "cancelled")


def check_title(value: str) -> str:
    """Return the title with its spaces tidied, or raise if it is empty or too long."""
    title = " ".join(str(value or "").split())
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise ItemError(f"the title must be 1 to {MAX_TITLE_LENGTH} characters", "title")
    return title


def parse_due(value) -> dt.date | None:
    """Return a due date typed as YYYY-MM-DD ("" is none), or raise."""
    if isinstance(value, dt.date) or value is None:
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ItemError(f"{text!r} is not a date (YYYY-MM-DD)", "due_date") from None


def parse_percent(value) -> int | None:
    """Return a percentage from 0 to 100 ("" is none), or raise."""
    text = str(value if value is not None else "").strip().removesuffix("%").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 100:
        raise ItemError("the percentage must be a whole number from 0 to 100", "percent")
    return int(text)


def _owner(owner: Person | None) -> Person:
    if owner is None:
        raise ItemError("choose who owns the item", "owner")
    return owner


def add_item(
    programme: Programme,
    *,
    title: str,
    owner: Person | None,
    due: dt.date | str | None,
    actor: str = "system",
    by: Person | None = None,
) -> ActionItem:
    """Add an action item outside session notes: email its owner, schedule reminders, audit."""
    title, owner, due = check_title(title), _owner(owner), parse_due(due)
    with outbox.transaction():
        item = create_item(programme.id, title, owner, due, by=by, source="web")
        AuditEvent.record(
            "item.created",
            item,
            actor=actor,
            programme=programme.id,
            title=title,
            owner=owner.name,
            owner_id=owner.id,
            due=due.isoformat() if due else None,
        )
    return item


def edit_item(
    item: ActionItem,
    *,
    title: str,
    due: dt.date | str | None,
    actor: str = "system",
    by: Person | None = None,
) -> dict:
    """Change an item's title or due date (moving its reminders); return what changed."""
    title, due = check_title(title), parse_due(due)
    changed = {}
    if title != item.title:
        changed["title"] = [item.title, title]
    if due != item.due_date:
        changed["due_date"] = [_iso(item.due_date), _iso(due)]
    if not changed:
        return {}
    with outbox.transaction():
        if "title" in changed:
            update_by_id(ActionItem, item.id, {"title": title})
            item.title = title
        if due is None and "due_date" in changed:
            update_by_id(ActionItem, item.id, {"due_date": None})
            item.due_date = None
            schedule_item(item)  # no due date: its reminders are cancelled
        elif "due_date" in changed:
            apply_update(item, due=due, by=by, source="web")
        _audit("item.edited", item, actor, changes=changed)
    return changed


def reassign_item(
    item: ActionItem, owner: Person | None, *, actor: str = "system", by: Person | None = None
) -> bool:
    """Give an item to another owner and email them; False if they own it already."""
    owner = _owner(owner)
    if owner.id == item.owner_id:
        return False
    before = item.owner
    with outbox.transaction():
        update_by_id(ActionItem, item.id, {"owner": owner.id})
        item.owner = owner
        update = ActionItemUpdate.create(
            item=item,
            status=item.status,
            percent=item.percent,
            note=f"reassigned to {owner.name}",
            by=by,
            source="web",
        )
        schedule_item(item, owner)  # the reminders go out at nine in the new owner's zone
        if owner.can_receive_email and item.status not in CLOSED_STATUSES:
            ctx = {"item": item_ctx(item), "programme": Programme.get_by_id(item.programme_id).name}
            outbox.queue_email(
                "item-assigned",
                owner,
                ctx,
                key=f"item:{item.id}:assigned:{update.id}",
                about=("item", item.id),
            )
        _audit(
            "item.reassigned",
            item,
            actor,
            owner=[before.name if before else None, owner.name],
            owner_id=[before.id if before else None, owner.id],
        )
    return True


def update_progress(
    item: ActionItem,
    *,
    status: str,
    percent=None,
    reason: str = "",
    actor: str = "system",
    by: Person | None = None,
) -> str:
    """Set an item's status and percentage as a reply would, or correct them; audit it."""
    if status not in ITEM_STATUSES:
        raise ItemError(f"the status must be one of {', '.join(ITEM_STATUSES)}", "status")
    if status == "cancelled":
        return close_item(item, status="cancelled", actor=actor, by=by)
    percent = parse_percent(percent)
    reason = str(reason or "").strip()[:MAX_REASON_LENGTH]
    before = _state(item)
    with outbox.transaction():
        if status == "open" and item.status in CLOSED_STATUSES:
            # Reopened: it is no longer complete, whatever percentage it had.
            update_by_id(ActionItem, item.id, {"completed_at": None})
            item.completed_at = None
            percent = percent if percent is not None else min(item.percent, 99)
        said = apply_update(
            item, status=status, percent=percent, reason=reason, by=by, source="web"
        )
        _audit("item.progress", item, actor, old=before, new=_state(item))
    return said


def close_item(
    item: ActionItem, *, status: str = "done", actor: str = "system", by: Person | None = None
) -> str:
    """Close an item as done or cancelled, stopping its reminders; audit it."""
    if status not in CLOSED_STATUSES:
        raise ItemError("an item is closed as done or cancelled", "status")
    before = _state(item)
    with outbox.transaction():
        if status == "done":
            said = apply_update(item, status="done", by=by, source="web")
        else:
            update_by_id(ActionItem, item.id, {"status": "cancelled", "completed_at": clock.now()})
            item.status, item.completed_at = "cancelled", clock.now()
            ActionItemUpdate.create(
                item=item, status="cancelled", percent=item.percent, by=by, source="web"
            )
            schedule_item(item)  # not open any more: its reminders are cancelled
            said = f"{item.title}: cancelled"
        _audit("item.closed", item, actor, old=before, new=_state(item))
    return said


def _state(item: ActionItem) -> dict:
    return {"status": item.status, "percent": item.percent, "reason": item.blocked_reason}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _audit(verb: str, item: ActionItem, actor: str, **data) -> None:
    AuditEvent.record(verb, item, actor=actor, programme=item.programme_id, **data)
