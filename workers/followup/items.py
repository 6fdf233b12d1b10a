"""Action items: assignment, reminders before the due date, overdue notes, updates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models import ActionItem, ActionItemUpdate, Person, Programme, clock
from workers.followup.common import coordinators, item_ctx, reachable
from workers.followup.schedule import put
from workers.outbound import outbox
from workers.runtime import jobs
from workers.runtime.plainsql import insert_row, update_by_id
from workers.workspace.programmes import programme_timing

#: Local hour (in the owner's zone) at which item reminders go out.
REMINDER_HOUR = 9

#: Statuses in which an item still needs work.
OPEN_STATUSES = ("open", "blocked")

#: The fields an update may change, compared to write only those that did.
TRACKED = ("status", "percent", "blocked_reason", "completed_at", "due_date")


def _at_local_hour(day: dt.date, zone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(REMINDER_HOUR), tzinfo=ZoneInfo(zone or "UTC"))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def schedule_item(item: ActionItem, owner: Person | None = None) -> None:
    """Schedule the item's reminders and overdue note for its current due date.

    ``owner`` is the item's owner when the caller has it loaded already.
    """
    due = item.due_date.isoformat() if item.due_date else ""
    active = item.due_date is not None and item.status in OPEN_STATUSES and item.owner_id
    # Jobs for an earlier due date (or for an item no longer open) must not fire.
    jobs.cancel(f"item:{item.id}:", keep_suffix=f":{due}" if active else "")
    if not active:
        return
    zone = (owner if owner is not None and owner.id == item.owner_id else item.owner).timezone
    now = clock.now()
    for days in programme_timing(item.programme).item_reminder_days:
        run_at = _at_local_hour(item.due_date - dt.timedelta(days=days), zone)
        if run_at > now:
            put(
                "item.reminder",
                f"item:{item.id}:reminder:{days}:{due}",
                run_at,
                item_id=item.id,
                days=days,
            )
    overdue_at = _at_local_hour(item.due_date + dt.timedelta(days=1), zone)
    put("item.overdue", f"item:{item.id}:overdue:{due}", max(overdue_at, now), item_id=item.id)


def _mail_ctx(item: ActionItem) -> dict:
    programme = Programme.get_by_id(item.programme_id)
    return {"item": item_ctx(item), "programme": programme.name}


def create_item(
    programme_id: int,
    title: str,
    owner: Person,
    due: dt.date | None,
    *,
    cycle_id: int | None = None,
    by: Person | None = None,
    source: str = "web",
) -> ActionItem:
    """Create an owned action item, email its owner and schedule its reminders."""
    with outbox.transaction():
        item = ActionItem.create(
            programme=programme_id,
            cycle=cycle_id,
            title=title.strip()[:2000],
            owner=owner,
            due_date=due,
        )
        ActionItemUpdate.create(
            item=item, status="open", percent=0, note="assigned", by=by, source=source
        )
        if owner.can_receive_email:
            outbox.queue_email(
                "item-assigned",
                owner,
                _mail_ctx(item),
                key=f"item:{item.id}:assigned",
                about=("item", item.id),
            )
        schedule_item(item, owner)
    return item


def apply_update(
    item: ActionItem,
    *,
    status: str | None = None,
    percent: int | None = None,
    reason: str = "",
    due: dt.date | None = None,
    by: Person | None = None,
    source: str = "email",
    inbound: int | None = None,
    late: bool = False,
) -> str:
    """Apply one change to an item, keep it in the history and return what was recorded.

    Only the fields that changed are written, and the item's reminders are only moved when
    its due date or status changed.
    """
    before = {name: getattr(item, name) for name in TRACKED}
    said = []
    if percent is not None:
        item.percent = max(0, min(100, int(percent)))
        said.append(f"{item.percent}%")
        if item.percent == 100:
            status = "done"
    if status == "done":
        item.status, item.percent, item.completed_at = "done", 100, clock.now()
        item.blocked_reason = ""
        said = ["done"]
    elif status == "blocked":
        item.status, item.blocked_reason = "blocked", reason.strip()[:2000]
        said.append(f"blocked: {item.blocked_reason}" if item.blocked_reason else "blocked")
    elif percent is not None or (status == "open" and due is None):
        item.status, item.blocked_reason = "open", ""
    if due is not None and due != item.due_date:
        item.due_date = due
        said.append(f"new due date {due.isoformat()}")
    changed = [name for name in TRACKED if getattr(item, name) != before[name]]
    if changed:
        update_by_id(ActionItem, item.id, {name: getattr(item, name) for name in changed})
    insert_row(
        ActionItemUpdate,
        {
            "item": item.id,
            "status": item.status,
            "percent": item.percent,
            "note": reason.strip()[:2000],
            "by": by.id if by is not None else None,
            "source": source,
            "inbound": inbound,
            "late": "late" if late else "",
        },
    )
    if "due_date" in changed or "status" in changed:
        schedule_item(item, by)
    return f"{item.title}: " + (", ".join(said) or item.status)


def send_item_reminder(item_id: int, days: int) -> bool:
    """Remind the owner that an open item falls due in ``days`` days."""
    item = ActionItem.get_or_none(ActionItem.id == item_id)
    if item is None or item.status not in OPEN_STATUSES or item.owner_id is None:
        return False
    if not item.owner.can_receive_email:
        return False
    ctx = {**_mail_ctx(item), "days": days}
    with outbox.transaction():
        outbox.queue_email(
            "item-reminder",
            item.owner,
            ctx,
            key=f"item:{item.id}:reminder:{days}:{item.due_date}",
            about=("item", item.id),
        )
    return True


def send_overdue(item_id: int) -> bool:
    """Tell the owner that an item is overdue and note it to the coordinators."""
    item = ActionItem.get_or_none(ActionItem.id == item_id)
    if item is None or item.status not in OPEN_STATUSES or item.owner_id is None:
        return False
    if item.due_date is None or item.due_date >= clock.now().date():
        return False
    ctx = _mail_ctx(item)
    due = item.due_date.isoformat()
    with outbox.transaction():
        if item.owner.can_receive_email:
            outbox.queue_email(
                "item-overdue",
                item.owner,
                ctx,
                key=f"item:{item.id}:overdue:{due}",
                about=("item", item.id),
            )
        for person in reachable(coordinators(item.programme_id)):
            note = {**ctx, "bounced": item.owner.bounce_state == "hard"}
            outbox.queue_email(
                "coordinator-overdue",
                person,
                note,
                key=f"item:{item.id}:overdue:{due}:coordinator:{person.id}",
            )
    return True


@jobs.handler("item.reminder")
def run_item_reminder(payload: dict) -> None:
    """Remind an owner that an action item falls due soon."""
    send_item_reminder(payload["item_id"], payload["days"])


@jobs.handler("item.overdue")
def run_item_overdue(payload: dict) -> None:
    """Tell the owner and the coordinator that an action item is overdue."""
    send_overdue(payload["item_id"])
