"""Who wrote a reply and what it answers: the signed reply address, else the thread headers."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from models import InboundMessage, OutboundEmail, Person, clock
from workers import settings as settings_mod
from workers.inbound import errors
from workers.inbound.appliers import still_open
from workers.outbound.tokens import (
    CODE_OBJECTS,
    REPLY_RE,
    ExpiredToken,
    InvalidToken,
    ReplyToken,
    find_token_addresses,
    parse_reply_address,
)
from workers.runtime.plainsql import row_by_id, rows_where

#: Message-IDs read from In-Reply-To, and from the end of References: a reply names the email
#: it answers in both, last in References (RFC 5322 3.6.4). A long list is a list of guesses.
MAX_IN_REPLY_TO = 2
MAX_REFERENCES = 5

#: The columns of a sent email that matching reads (the rest can be long: ctx, calendar).
EMAIL_COLUMNS = ("id", "person", "object_type", "object_id", "message_id", "to_addr", "created_at")

#: Marks that the caller did not look up the email a reply answers.
_LOOK_UP = object()


def match_reply(
    row: InboundMessage, parsed, answered: OutboundEmail | None | object = _LOOK_UP
) -> tuple[Person, str, int, OutboundEmail | None]:
    """Return the person, object type, object id and email a reply answers, or raise why not.

    ``answered`` is the email the thread headers name, when the caller looked it up already.
    """
    addresses = [*(parsed.to or []), *(parsed.cc or []), *row.rcpt_to.split(",")]
    addresses = [a for a in addresses if "@" in a]
    try:
        token = read_token(addresses, row.sender)
    except errors.ExpiredTokenError as exc:
        # Genuine and from its owner's address: enough to tell them it came too late.
        row._token_owner = exc.info["person"].id
        raise
    if answered is _LOOK_UP:
        answered = answered_email(parsed)
    if token is not None:
        person = _owner(token.person_id, row.sender)
        row._token_owner = person.id  # see token_owner
        if answered is None or _about(answered) != (person.id, token.object_type, token.object_id):
            answered = latest_email(person, token.object_type, token.object_id)
        return person, token.object_type, token.object_id, answered
    if answered is None or answered.person_id is None:
        raise errors.UnmatchedReplyError(
            "no reply address and no In-Reply-To/References to a Tandem email",
            person=Person.by_email(row.sender),
        )
    person = _thread_owner(answered, row.sender)
    if answered.object_type and answered.object_id is not None:
        return person, answered.object_type, answered.object_id, answered
    return person, "email", answered.id, answered


def token_owner(row: InboundMessage) -> int | None:
    """Return the person whose genuine reply token (valid, or expired) ``row`` carried from
    their own address: that person is who Tandem knows sent it."""
    return getattr(row, "_token_owner", None)


def read_token(addresses: list[str], sender: str) -> ReplyToken | None:
    """Return the first valid reply token among ``addresses``; raise for forged or expired ones."""
    secret = settings_mod.get().verification_keys
    first_error: errors.InboundError | None = None
    for address in find_token_addresses(addresses):
        try:
            return parse_reply_address(secret, address)
        except ExpiredToken as exc:
            token = exc.token
            if token is not None and still_open(token.object_type, token.object_id):
                return token  # its cycle still takes answers (the session may have moved)
            first_error = first_error or _expired(address, sender, str(exc))
        except InvalidToken as exc:
            first_error = first_error or errors.InvalidTokenError(f"{address}: {exc}")
    if first_error is not None:
        raise first_error
    return None


def _expired(address: str, sender: str, detail: str) -> errors.InboundError:
    """Build the error for a genuine but expired token, with what a fresh answer is about."""
    person_id, code, object_id = REPLY_RE.match(address.strip().lower().split("@")[0]).groups()[:3]
    person = Person.get_or_none(Person.id == int(person_id))
    if person is None or not person.owns_address(sender):
        return errors.SenderMismatchError(f"{sender} is not who {address} was sent to")
    about = (CODE_OBJECTS[code], int(object_id))
    return errors.ExpiredTokenError(detail, person=person, about=about)


def _owner(person_id: int, sender: str) -> Person:
    person = row_by_id(Person, person_id)
    if person is None:
        raise errors.UnmatchedReplyError("the person this reply was meant for no longer exists")
    if not person.owns_address(sender):
        raise errors.SenderMismatchError(f"{sender} is not {person.email} or one of their aliases")
    return person


def _thread_owner(answered: OutboundEmail, sender: str) -> Person:
    """Return who a reply matched by its thread headers alone is from, when they may stand in
    for a reply address: sent from the very address the email went to, while a reply address
    on it would still be valid."""
    if parseaddr(answered.to_addr)[1].lower() != sender:
        raise errors.SenderMismatchError(f"{sender} is not the address email {answered.id} went to")
    about = (answered.object_type, answered.object_id) if answered.object_type else None
    lifetime = dt.timedelta(days=settings_mod.get().reply_token_days)
    if answered.created_at is not None and answered.created_at < clock.now() - lifetime:
        person = row_by_id(Person, answered.person_id)
        raise errors.ExpiredThreadError(
            f"email {answered.id} is older than a reply address lives", person=person, about=about
        )
    return _owner(answered.person_id, sender)


def _about(answered: OutboundEmail) -> tuple:
    return (answered.person_id, answered.object_type, answered.object_id)


def answered_email(parsed) -> OutboundEmail | None:
    """Return the newest Tandem email named in In-Reply-To or References."""
    return newest(emails_by_message_id(thread_ids(parsed)))


def thread_ids(parsed) -> list[str]:
    """Return the first Message-IDs of In-Reply-To and the last of References, without repeats."""
    ids = _id_list(parsed.in_reply_to)[:MAX_IN_REPLY_TO]
    ids += _id_list(parsed.references)[-MAX_REFERENCES:]
    return list(dict.fromkeys(ids))


def emails_by_message_id(message_ids: list[str]) -> dict[str, OutboundEmail]:
    """Return Tandem's emails with these Message-IDs (matching columns only), by Message-ID."""
    # Tandem writes plain ASCII ids: others cannot be its own (and a NUL is no SQL text).
    wanted = sorted({m for m in message_ids if m and m.isascii() and m.isprintable()})
    if not wanted:
        return {}
    rows = rows_where(OutboundEmail, EMAIL_COLUMNS, "message_id", wanted)
    return {row.message_id: row for row in rows}


def newest(emails: dict[str, OutboundEmail]) -> OutboundEmail | None:
    """Return the most recently written of ``emails``, or None."""
    return max(emails.values(), key=lambda row: row.id, default=None)


def _id_list(value) -> list[str]:
    if not value:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value if v]


def latest_email(person: Person, object_type: str, object_id: int) -> OutboundEmail | None:
    """Return the newest email to ``person`` about this object."""
    return (
        OutboundEmail.select(*(getattr(OutboundEmail, c) for c in EMAIL_COLUMNS))
        .where(
            (OutboundEmail.person == person)
            & (OutboundEmail.object_type == object_type)
            & (OutboundEmail.object_id == object_id)
        )
        .order_by(OutboundEmail.id.desc())
        .first()
    )
