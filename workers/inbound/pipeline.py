"""Read one stored inbound message and act on it, shaped like Discourse's receiver.

Guard checks raise a named ``InboundError``; the class name becomes the quarantine reason
and ``workers.inbound.rejections`` decides, in one place, whether the sender hears about it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from peewee import InterfaceError, OperationalError

from models import InboundMessage, Person, clock, db
from workers.inbound import errors
from workers.inbound.appliers import APPLIERS, ReplyContext, read_ahead
from workers.inbound.claim import Claim
from workers.inbound.duplicates import first_copy, reply_digest
from workers.inbound.guards import check_guards, load_thread_emails, thread_emails
from workers.inbound.kinds import apply_calendar, record_bounce
from workers.inbound.match import match_reply, newest
from workers.inbound.outcome import MAX_TEXT, clean, finish, note, quarantine
from workers.outbound import outbox
from workers.reading.classify import classify
from workers.reading.confidence import LOW_CONFIDENCE
from workers.reading.message import UnreadableMessage, parse_message
from workers.reading.trimming import ONLY_QUOTE, trim_reply
from workers.reading.trimming import reply_text as reply_text_of
from workers.runtime.sqlite_lock import write_lock

logger = logging.getLogger(__name__)

#: Messages applied per write transaction: enough to share a commit, few enough that the
#: listener and the other workers wait a few milliseconds at most for the database.
WRITE_CHUNK = 8


#: The write a message needs once it has been read: it runs inside a transaction and
#: returns the message's final status.
Step = Callable[[], str]


def handle(row: InboundMessage) -> str:
    """Read, check, classify and apply one claimed message; return its final status."""
    return handle_many([row])[row.id]


def handle_many(
    rows: list[InboundMessage], give_back_at=None, claim: Claim | None = None
) -> dict[int, str]:
    """Read each claimed message and apply them in a few transactions; return id -> status.

    1. read: parse the bytes (unreadable -> quarantine); guards: no loop, no DMARC failure
       from a trusted server; classify: auto-replies and bounces are recorded, others need a
       sender, calendar replies update the RSVP; a reply is matched to a person and object
       and trimmed. Reading takes no lock, so the other workers write meanwhile.
    2. write: a transaction per WRITE_CHUNK messages read, each message in its own savepoint,
       so one that fails is quarantined without undoing the others. While another writer
       holds the SQLite write lock, this worker reads its next messages instead of waiting;
       what is left is written at the end. The batch's emails are enqueued together once
       every transaction has committed.
    Any ``InboundError`` quarantines the message and may answer the sender. Reading stops at
    ``give_back_at`` (the messages not read are left out of the result, for the caller).
    With a ``claim`` not yet made, it is tried after each message read, and waited for
    before the writes; only the messages it took go on.
    """
    parsed: list[tuple[InboundMessage, object, Step | None]] = []
    for row in rows:
        if give_back_at is not None and clock.now() >= give_back_at:
            break
        parsed.append((row, *_safely(row, read, row)))
        if claim is not None:
            claim.attempt()
    if claim is not None:
        claim.attempt(wait=True)
        parsed = [entry for entry in parsed if entry[0].id in claim.taken]
    try:
        load_thread_emails([(row, message) for row, message, failed in parsed if not failed])
    except (OperationalError, InterfaceError):
        raise
    except Exception:  # each message then looks its own up, and only a failing one is kept
        logger.exception("could not look up the thread emails of a batch")
    statuses: dict[int, str] = {}
    with outbox.collecting():
        steps: list[tuple[InboundMessage, Step]] = []
        for row, message, failed in parsed:
            if failed is None:
                step, failed = _safely(row, _read_step, row, message)
            steps.append((row, failed or step))
            if len(steps) >= WRITE_CHUNK:
                steps = _write_chunk(steps, statuses, wait=False)
        while steps:
            steps = _write_chunk(steps, statuses, wait=True)
    return statuses


def _write_chunk(steps: list, statuses: dict[int, str], wait: bool) -> list:
    """Apply the first WRITE_CHUNK steps in one transaction, recording their statuses; return
    the steps left. With ``wait=False`` nothing is written while another writer holds the
    SQLite write lock."""
    with write_lock(wait=wait) as free:
        if not free:
            return steps
        with outbox.transaction():
            for row, step in steps[:WRITE_CHUNK]:
                statuses[row.id] = _write_safely(row, step)
    return steps[WRITE_CHUNK:]


def _safely(row: InboundMessage, func: Callable, *args) -> tuple[object, Step | None]:
    """Run one part of reading ``row``; return (its result, None), or (None, the step that
    quarantines the message) when it fails."""
    try:
        return func(*args), None
    except (OperationalError, InterfaceError):
        raise  # the database is away: leave the row for a retry
    except errors.InboundError as exc:
        return None, partial(quarantine, row, exc)
    except Exception as exc:  # never let one message stop the pipeline
        logger.exception("unexpected failure reading inbound message %s", row.id)
        error = errors.ProcessingError(f"{type(exc).__name__}: {exc}")
        return None, partial(quarantine, row, error)


def _write_safely(row: InboundMessage, step: Step) -> str:
    try:
        with db.atomic():  # a savepoint: a failing message leaves the batch's others intact
            return step()
    except (OperationalError, InterfaceError):
        raise
    except errors.InboundError as exc:
        return quarantine(row, exc)
    except Exception as exc:
        logger.exception("unexpected failure applying inbound message %s", row.id)
        return quarantine(row, errors.ProcessingError(f"{type(exc).__name__}: {exc}"))


def _read_step(row: InboundMessage, parsed) -> Step:
    """Check and classify a parsed message (no writes); return the step that applies it."""
    check_guards(row, parsed)
    kind = classify(parsed, rcpts=[r for r in row.rcpt_to.split(",") if r])
    if kind.kind == "auto_reply":
        return partial(finish, row, "auto_reply", kind="auto_reply", detail=kind.reason)
    if kind.kind == "bounce":
        if kind.confidence < LOW_CONFIDENCE:  # kept for a person rather than guessed
            raise errors.UncertainReadingError(f"{kind.rule} ({kind.confidence:.2f})")
        return partial(_record_bounce, row, parsed, kind.bounce)
    if kind.kind == "unreadable":
        raise errors.UnreadableMessageError(kind.reason)
    if "@" not in row.sender:  # bounces may come from nobody; people's answers may not
        raise errors.NoSenderError("the message has no From address")
    if kind.kind == "calendar_reply" and kind.calendar is not None:
        note(row, kind="calendar_reply")
        return partial(_apply_calendar, row, parsed, kind.calendar)
    note(row, kind="reply")
    return read_reply(row, parsed)


def _record_bounce(row: InboundMessage, parsed, bounce) -> str:
    return finish(row, "bounce", kind="bounce", detail=record_bounce(row, parsed, bounce))


def _apply_calendar(row: InboundMessage, parsed, calendar) -> str:
    person, detail = apply_calendar(row, parsed, calendar)
    return finish(row, "applied", person=person, detail=detail)


def read(row: InboundMessage):
    """Parse the stored bytes, recording the sender on the row."""
    try:
        parsed = parse_message(bytes(row.raw))
    except UnreadableMessage as exc:
        raise errors.UnreadableMessageError(str(exc)) from exc
    sender = clean(parsed.sender or "", 250).strip().lower()
    note(row, sender=sender, subject=clean(parsed.subject or row.subject, 500))
    return parsed


def read_reply(row: InboundMessage, parsed) -> Step:
    """Match a reply to its person and object, trim it and run the applier's reading ahead;
    return the step applying it."""
    person, object_type, object_id, answered = match_reply(
        row, parsed, answered=newest(thread_emails(row, parsed))
    )
    note(row, person=person, object_type=object_type, object_id=object_id, in_reply_to=answered)
    trimmed = reply_text_of(parsed)
    reply_text = clean(trimmed.text, MAX_TEXT)
    note(row, reply_text=reply_text)
    if not reply_text.strip() and not parsed.attachments:
        raise errors.EmptyReplyError("nothing left once quoted text was removed", person=person)
    # Files sent with nothing but the quoted email are the answer (a submission, a relay).
    files_alone = bool(parsed.attachments) and trimmed.rule == ONLY_QUOTE
    if trimmed.confidence < LOW_CONFIDENCE and not files_alone:
        raise errors.UncertainReadingError(f"reply: {trimmed.rule}", person=person)
    step = applier_step(row, person, object_type, object_id, parsed, reply_text)
    digest = reply_digest(person.id, object_type, object_id, reply_text, parsed.attachments)
    return partial(_apply_once, row, digest, step)


def _apply_once(row: InboundMessage, digest: str, step: Step) -> str:
    """Apply a reply unless the same one was applied shortly before (a resend)."""
    first = first_copy(digest, row.id)
    if first is not None:
        return finish(row, "duplicate", detail=f"duplicate of message {first}, applied already")
    return step()


def run_applier(row, person, object_type: str, object_id: int, parsed, reply_text: str) -> str:
    """Run the applier for ``object_type`` and mark the message applied, in one transaction."""
    return applier_step(row, person, object_type, object_id, parsed, reply_text)()


def applier_step(row, person, object_type: str, object_id: int, parsed, reply_text: str) -> Step:
    """Run the reading of the applier for ``object_type``; return the step that applies it."""
    func = APPLIERS.get(object_type)
    if func is None:
        raise errors.NoApplierError(f"no applier for {object_type!r} replies", person=person)
    ctx = ReplyContext(row, person, object_type, object_id, parsed, reply_text)
    read_ahead(func, ctx)
    return partial(_apply, func, ctx)


def _apply(func: Callable[[ReplyContext], str], ctx: ReplyContext) -> str:
    if db.in_transaction():  # in a batch (handle_many): the message's savepoint holds it
        return _applied(ctx, func(ctx))
    # The outbox transaction enqueues the applier's emails only once this commits.
    with write_lock(), outbox.transaction():
        return _applied(ctx, func(ctx))


def _applied(ctx: ReplyContext, summary: str) -> str:
    return finish(
        ctx.message,
        "applied",
        person=ctx.person,
        object_type=ctx.object_type,
        object_id=ctx.object_id,
        detail=clean(summary or "", MAX_TEXT),
    )


def apply_as(row: InboundMessage, person: Person, object_type: str, object_id: int) -> str:
    """Apply a kept message as ``person`` to an object a coordinator chose; return the summary."""
    parsed = read(row)
    reply_text = row.reply_text or clean(trim_reply(parsed.text or "", parsed.html), MAX_TEXT)
    note(row, kind=row.kind or "reply", reply_text=reply_text)
    run_applier(row, person, object_type, object_id, parsed, reply_text)
    return row.detail
