"""Queue many outbox emails at once: one insert per batch instead of queries per person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models import OutboundEmail, Person, clock
from workers import outbox
from workers import settings as settings_mod
from workers.tokens import make_reply_address

#: How long the scheduler leaves a just-queued email to the message sent after commit.
LEASE = dt.timedelta(minutes=3)

#: Rows per INSERT statement (SQLite allows 32,766 variables; an email row has 13).
BATCH = 500


@dataclass
class Draft:
    """One email to queue: like ``outbox.queue_email``'s arguments."""

    kind: str
    person: Person
    ctx: dict
    key: str
    about: tuple[str, int] | None = None
    calendar: str | None = None
    calendar_method: str = ""
    reply_to: str = field(default="")


def _row(draft: Draft, settings) -> dict:
    reply_to = draft.reply_to
    if draft.about is not None and not reply_to:
        reply_to = make_reply_address(
            settings.secret_key,
            settings.reply_domain,
            draft.person.id,
            draft.about[0],
            draft.about[1],
            settings.reply_token_days,
        )
    return {
        "kind": draft.kind,
        "to_addr": draft.person.email,
        "person": draft.person.id,
        "ctx": {**draft.ctx, "recipient_name": draft.person.name},
        "message_id": outbox.new_message_id(draft.key, settings.reply_domain),
        "idem_key": draft.key,
        "reply_to": reply_to,
        "calendar": draft.calendar,
        "calendar_method": draft.calendar_method,
        "object_type": draft.about[0] if draft.about else "",
        "object_id": draft.about[1] if draft.about else None,
        # Enqueued after commit: the scheduler leaves it to that message for a while.
        "lease_until": clock.now() + LEASE if outbox._pending.get() is not None else None,
    }


def _existing(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        query = OutboundEmail.select(OutboundEmail.idem_key).where(
            OutboundEmail.idem_key.in_(chunk)
        )
        found.update(r.idem_key for r in query)
    return found


def queue_many(drafts: list[Draft]) -> list[int]:
    """Write every draft not queued before to the outbox; call inside ``outbox.transaction()``.

    Returns the new rows' ids; the surrounding transaction enqueues their delivery.
    """
    settings = settings_mod.get()
    seen = _existing([d.key for d in drafts])
    rows = [_row(d, settings) for d in drafts if d.key not in seen]
    for start in range(0, len(rows), BATCH):
        OutboundEmail.insert_many(rows[start : start + BATCH]).execute()
    ids: list[int] = []
    keys = [r["idem_key"] for r in rows]
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        query = OutboundEmail.select(OutboundEmail.id).where(OutboundEmail.idem_key.in_(chunk))
        ids.extend(r.id for r in query)
    pending = outbox._pending.get()
    if pending is not None:
        pending.extend(sorted(ids))
    return ids
