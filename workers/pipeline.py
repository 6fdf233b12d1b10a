"""Read a stored inbound message and apply it (minimal: link replies to what they answer)."""

from __future__ import annotations

import email
import email.policy
from email.utils import getaddresses, parseaddr

from models import InboundMessage, OutboundEmail, Person, clock
from workers import settings as settings_mod
from workers.tokens import TokenError, find_token_addresses, parse_reply_address


def handle(row: InboundMessage) -> str:
    """Link a reply to the outbound email it answers and record the sender."""
    settings = settings_mod.get()
    msg = email.message_from_bytes(bytes(row.raw), policy=email.policy.default)
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    rcpts = [a for _, a in getaddresses([str(v) for v in msg.get_all("To", [])])]
    rcpts += [r for r in row.rcpt_to.split(",") if r]
    answered = None
    for address in find_token_addresses(rcpts):
        try:
            token = parse_reply_address(settings.secret_key, address)
        except TokenError:
            continue
        answered = (
            OutboundEmail.select()
            .where(
                (OutboundEmail.person == token.person_id)
                & (OutboundEmail.object_type == token.object_type)
                & (OutboundEmail.object_id == token.object_id)
            )
            .order_by(OutboundEmail.id.desc())
            .first()
        )
        break
    if answered is None:
        refs = str(msg.get("In-Reply-To", "")) + " " + str(msg.get("References", ""))
        ids = [r for r in refs.split() if r.startswith("<")]
        if ids:
            answered = OutboundEmail.get_or_none(OutboundEmail.message_id.in_(ids))
    person = Person.by_email(sender) if sender else None
    status = "applied" if answered is not None else "quarantined"
    InboundMessage.update(
        status=status,
        kind="reply",
        sender=sender,
        person=person,
        in_reply_to=answered,
        reason="" if answered else "UnmatchedReplyError",
        processed_at=clock.now(),
    ).where(InboundMessage.id == row.id).execute()
    return status
