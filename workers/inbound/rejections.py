"""Answer a sender whose message was not applied: one place, at most one email a day, and
only to a sender Tandem authenticated (a reply token of theirs, or a DMARC pass reported by a
trusted server). A rejection never quotes the message: its subject and words may be anyone's.
"""

from __future__ import annotations

import logging

from peewee import IntegrityError

from models import InboundMessage, Person, Rejection, clock
from workers import settings as settings_mod
from workers.inbound import errors
from workers.inbound.authres import dmarc_pass
from workers.inbound.match import token_owner
from workers.outbound import outbox
from workers.outbound.tokens import OBJECT_CODES

logger = logging.getLogger(__name__)

#: The email each reason gets; reasons not listed (forgeries, loops, DMARC) get silence,
#: so Tandem never answers a message that may not come from who it says.
REJECTION_EMAILS: dict[type[errors.InboundError], str] = {
    errors.ExpiredTokenError: "rejection-expired",
    errors.AmbiguousReplyError: "rejection-ambiguous",
    errors.UnmatchedReplyError: "rejection-unmatched",
    errors.EmptyReplyError: "rejection-empty",
}


def template_for(error: errors.InboundError) -> str | None:
    """Return the rejection email template for ``error``, or None when it gets no answer."""
    for cls in type(error).__mro__:
        if cls in REJECTION_EMAILS:
            return REJECTION_EMAILS[cls]
    return None


def recipient_for(error: errors.InboundError, sender: str) -> Person | None:
    """Return the person to answer: only someone Tandem knows, at the address they wrote from."""
    person = error.info.get("person")
    if person is not None and person.owns_address(sender):
        return person
    return Person.by_email(sender) if sender else None


def authenticated_by(row: InboundMessage, person: Person) -> str | None:
    """Return how Tandem knows ``person`` sent ``row``, or None when it does not."""
    if token_owner(row) == person.id:
        return "their reply token"
    if not person.owns_address(row.sender):
        return None
    trusted = settings_mod.get().trusted_authserv_ids
    server = dmarc_pass(bytes(row.raw), trusted, row.sender) if trusted else None
    return f"dmarc=pass reported by {server}" if server else None


def _answered(row: InboundMessage, person: Person) -> tuple[str, int] | None:
    """Return what the kept message answered, so answering the rejection answers it too."""
    if row.person_id == person.id and row.object_type in OBJECT_CODES and row.object_id:
        return (row.object_type, row.object_id)
    return None


def reject(row: InboundMessage, error: errors.InboundError) -> bool:
    """Queue the rejection email for ``error`` unless this sender had one today or is not
    authenticated; tell if queued."""
    name = template_for(error)
    person = recipient_for(error, row.sender) if name else None
    if name is None or person is None:
        return False
    if authenticated_by(row, person) is None:
        # Anyone can write a From: answering would let strangers make Tandem mail people.
        logger.info("no rejection for message %s: its sender is not authenticated", row.id)
        return False
    day = clock.now().date().isoformat()
    about = error.info.get("about") or _answered(row, person)
    # Tandem's own words only: what the sender wrote is never put in the email.
    ctx = {
        "reason": error.reason,
        "unclear": len(getattr(error, "not_understood", [])),
        "can_reply": about is not None,
    }
    try:
        with outbox.transaction():
            Rejection.create(email=person.email, reason=error.reason, day=day)
            outbox.queue_email(
                name, person, ctx, key=f"rejection:{error.reason}:{person.id}:{day}", about=about
            )
    except IntegrityError:
        return False  # this sender already heard about this reason today
    logger.info("rejection %s queued for message %s", error.reason, row.id)
    return True
