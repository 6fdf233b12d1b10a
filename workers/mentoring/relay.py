"""Mentor and mentee write to each other through Tandem: one relay address per person and pair.

Each person gets their own signed address for the pair (object "relay"); what they send to
it is passed on to the others of the pair or group, with each recipient's own relay address
to reply to, so a conversation keeps going through Tandem. When the programme hides
addresses nobody sees another's personal address. Every message passed on is kept and a
mentee's counts as engagement (a "relay" event).
"""

from __future__ import annotations

import datetime as dt

from models import MentoringGroup, Person, RelayMessage
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import EmptyReplyError, UnknownObjectError
from workers.mentoring.invitations import attendees, hides_addresses, relay_address
from workers.outbound import outbox
from workers.outbound.attachments import File, attach_once
from workers.runtime.plainsql import row_by_id
from workers.tracking import events

#: Largest attachment passed on, and most attachments per message.
MAX_ATTACHMENT, MAX_ATTACHMENTS = 10 * 1024 * 1024, 5

#: Longest subject kept from the sender's message.
MAX_SUBJECT = 200


@applier("relay")
def apply_relay(ctx: ReplyContext) -> str:
    """Pass a message on to the rest of the pair or group and count it as engagement."""
    group = row_by_id(MentoringGroup, ctx.object_id)
    people = attendees(group) if group is not None and group.status == "active" else []
    me = next((a for a in people if a.person.id == ctx.person.id), None)
    if me is None:
        raise UnknownObjectError(f"pair {ctx.object_id} does not exist")
    if not ctx.reply_text.strip() and not ctx.parsed.attachments:
        raise EmptyReplyError("nothing to pass on", person=ctx.person)
    if RelayMessage.select().where(RelayMessage.inbound == ctx.message.id).exists():
        return "passed on already"
    subject = " ".join((ctx.parsed.subject or "").split())[:MAX_SUBJECT]
    hidden = hides_addresses(group.programme_id)
    sent = 0
    with outbox.transaction():
        for other in people:
            reader = other.person
            if reader.id == ctx.person.id or not reader.can_receive_email:
                continue
            _pass_on(ctx, group, me, reader, subject, hidden)
            sent += 1
        RelayMessage.create(
            group=group, sender=ctx.person, inbound=ctx.message.id, recipients=sent,
            subject=subject,
        )  # fmt: skip
        if me.role == "mentee":
            events.record(group.programme_id, ctx.person.id, "relay", ref=f"group:{group.id}")
    return f"passed on to {sent} people"


def _pass_on(ctx: ReplyContext, group, me, reader: Person, subject: str, hidden: bool) -> None:
    """Queue one copy of the message, with the attachments it carried."""
    row = outbox.queue_email(
        "mentoring-relay",
        reader,
        {
            "programme": group.programme.name,
            "sender": ctx.person.name,
            "sender_role": me.role,
            "sender_email": "" if hidden else ctx.person.email,
            "subject": subject,
            "text": ctx.reply_text,
            "attached_files": [a.filename or "attachment" for a in _attachments(ctx)],
        },
        key=f"relay:{ctx.message.id}:{reader.id}",
        reply_to=relay_address(reader, group),
    )
    attach_once(row, lambda: [_file(attachment) for attachment in _attachments(ctx)])


def _file(attachment) -> File:
    """Return a received attachment as a file to pass on, its name safe to keep."""
    filename = (attachment.filename or "attachment").replace("/", "_")[-150:]
    return filename, attachment.content_type or "application/octet-stream", attachment.data


def _attachments(ctx: ReplyContext) -> list:
    found = [a for a in ctx.parsed.attachments if a.size <= MAX_ATTACHMENT]
    return found[:MAX_ATTACHMENTS]


def relayed_since(group: MentoringGroup, since: dt.datetime) -> int:
    """Return how many messages the group passed on through Tandem since ``since``."""
    return (
        RelayMessage.select()
        .where((RelayMessage.group == group) & (RelayMessage.at >= since))
        .count()
    )
