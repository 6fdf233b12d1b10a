"""Deliver outbox rows over SMTP: claim, render, send, record."""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache

import dramatiq
import jinja2
from peewee import JOIN, PostgresqlDatabase, fn

from models import AuditEvent, EmailAttachment, OutboundEmail, Person, SharedContext, clock, db
from workers import settings as settings_mod
from workers.outbound import lifetime, sentmarks
from workers.outbound.lifetime import BACKOFF  # noqa: F401  (where callers found it)
from workers.outbound.relay import (
    DeliveryError,  # noqa: F401  (the outcomes, for callers of this module)
    PermanentFailure,
    TemporaryFailure,
    Unconfirmed,
    transmit,
)
from workers.outbound.render import make_message
from workers.runtime import (
    broker,  # noqa: F401  (the broker, before the actor is declared)
    heartbeat,
)
from workers.runtime.dbmiddleware import database_cause

logger = logging.getLogger(__name__)

#: A row whose worker died this many times while sending it is given up on: it may be the
#: email that kills them.
MAX_ORPHANED = 5

#: The mail actors' Dramatiq priority: replies (priority 0) are read before a big cycle's
#: sends, which can fill the mail queue for minutes.
MAIL_PRIORITY = 10

#: A queued row may be claimed this early, so hosts whose clocks differ slightly agree.
CLOCK_SLACK = dt.timedelta(seconds=5)


def lease() -> dt.timedelta:
    """Return how long a claimed row belongs to one worker (``DELIVERY_LEASE_SECONDS``)."""
    return dt.timedelta(seconds=settings_mod.get().delivery_lease_seconds)


def claim(email_id: int) -> OutboundEmail | None:
    """Take the row for this worker, or return None if it is done, not due, or held by another."""
    now = clock.now()
    due = (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now + CLOCK_SLACK)
    stalled = (OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now)
    query = OutboundEmail.update(
        status="sending",
        lease_until=now + lease(),
        attempts=OutboundEmail.attempts + 1,
        claimed_by=heartbeat.holder(),
    ).where((OutboundEmail.id == email_id) & (due | stalled))
    updated = query.execute()
    if updated != 1:
        return None
    return (
        OutboundEmail.select(OutboundEmail, Person, SharedContext.id, SharedContext.digest)
        .join_from(OutboundEmail, Person, JOIN.LEFT_OUTER)
        .join_from(OutboundEmail, SharedContext, JOIN.LEFT_OUTER)
        .where(OutboundEmail.id == email_id)
        .get()
    )


def build(row: OutboundEmail) -> EmailMessage:
    """Render the email a row describes into a message ready to send."""
    settings = settings_mod.get()
    return make_message(
        row.kind,
        row.to_addr,
        context_of(row),
        mail_from=settings.mail_from,
        message_id=row.message_id,
        reply_to=row.reply_to,
        in_reply_to=row.in_reply_to,
        references=row.references or "",
        calendar=row.calendar,
        calendar_method=row.calendar_method,
        to_name=row.person.name if row.person_id else "",
        attachments=attachments_of(row),
    )


def context_of(row: OutboundEmail) -> dict:
    """Return the context a row renders from: its shared context's data, under its own."""
    if row.shared_id is None:
        return row.ctx
    return {**_shared_data(row.shared.digest), **row.ctx}


@lru_cache(maxsize=8)
def _shared_data(digest: str) -> dict:
    """Read a shared context once per process: a digest names one content for ever, and a
    cycle's 1,000 summaries all render from the same one (not to be changed by callers)."""
    return SharedContext.get(SharedContext.digest == digest).data


def attachments_of(row: OutboundEmail) -> list[tuple[str, str, bytes]]:
    """Return the files sent with an email: (name, content type, bytes) each.

    Only an email whose context lists ``attached_files`` has any, so the others cost no query.
    """
    if not (row.ctx or {}).get("attached_files"):
        return []
    query = EmailAttachment.select().where(EmailAttachment.email == row.id)
    return [(a.filename, a.content_type, bytes(a.data)) for a in query.order_by(EmailAttachment.id)]


def mark_sent(row: OutboundEmail, subject: str | None = None) -> None:
    """Record a successful send in one short statement, as soon as the relay said yes."""
    changes = {"status": "sent", "sent_at": clock.now(), "lease_until": None, "last_error": ""}
    if subject is not None:
        changes["subject"] = subject
    query = OutboundEmail.update(**changes).where(OutboundEmail.id == row.id)
    if isinstance(db.obj, PostgresqlDatabase):
        with db.atomic():
            # Only the server's memory must hold it: killing a worker does not lose that.
            db.execute_sql("SET LOCAL synchronous_commit TO OFF")
            query.execute()
    else:
        query.execute()


def mark_failed(row: OutboundEmail, error: PermanentFailure, notify: bool = False) -> None:
    """Give up on a row and, when the address is to blame, flag the person as hard-bounced;
    with ``notify``, the coordinators hear of it (``workers.outbound.lifetime``)."""
    with db.atomic():
        OutboundEmail.update(status="failed", lease_until=None, last_error=str(error)).where(
            OutboundEmail.id == row.id
        ).execute()
        if row.person_id and error.blames_recipient:
            Person.update(bounce_state="hard").where(Person.id == row.person_id).execute()
        extra = {"notify": True} if notify else {}
        AuditEvent.record(lifetime.FAILED_VERB, row, error=str(error), **extra)
    if notify:
        lifetime.notify_later()


def release(row: OutboundEmail, error: TemporaryFailure) -> dt.timedelta | None:
    """Put a row back in the queue until its next try (the scheduler picks it up) and return
    the wait; or, when the email stopped mattering, fail it and return None."""
    retry_at = lifetime.next_try(row, error)
    if retry_at is None:
        mark_failed(row, PermanentFailure(lifetime.gave_up(row, error), False), notify=True)
        return None
    changes = {
        "status": "queued",
        "lease_until": None,
        "next_attempt_at": retry_at,
        "last_error": str(error),
    }
    if isinstance(error, Unconfirmed):
        changes["unconfirmed"] = fn.COALESCE(OutboundEmail.unconfirmed, 0) + 1
    OutboundEmail.update(**changes).where(OutboundEmail.id == row.id).execute()
    return retry_at - clock.now()


def give_back(ids: list[int]) -> None:
    """Put this worker's claims on these emails back in the queue, for the scheduler's next pass
    (a row the relay took meanwhile is recorded sent there, from its mark)."""
    held = OutboundEmail.status == "sending"
    if heartbeat.holder():
        held &= OutboundEmail.claimed_by == heartbeat.holder()
    OutboundEmail.update(status="queued", lease_until=None).where(
        OutboundEmail.id.in_(ids) & held
    ).execute()


def _refusal(row: OutboundEmail) -> PermanentFailure | None:
    """Return why a claimed row must not be sent at all, or None when it may go."""
    if (row.orphaned or 0) >= MAX_ORPHANED:
        return PermanentFailure(
            f"gave up: {MAX_ORPHANED} workers died while sending it", blames_recipient=False
        )
    if row.person_id and not row.person.is_active:
        # A coordinator stopped all email to this person; the address is not to blame.
        recipient = parseaddr(row.to_addr)[1]
        return PermanentFailure(
            f"not sent: {recipient} was deactivated by a coordinator", blames_recipient=False
        )
    if row.person_id and row.person.bounce_state == "hard":
        recipient = parseaddr(row.to_addr)[1]
        return PermanentFailure(f"not sent: {recipient} is hard-bounced")
    return None


def deliver(email_id: int) -> str:
    """Deliver one outbox row; safe to call twice. Returns what happened.

    1. Claim the row with a conditional update (another worker's claim wins).
    2. A row taken over from a crashed worker is only recorded when its send was marked.
    3. Refuse rows for deactivated or hard-bounced people, or that crashed workers too often.
    4. Render and send; mark sent (Redis, then the row) right after the relay's 250.
    5. On 5xx mark it failed; on 4xx or a network error release it with backoff, until it
       stops mattering (``workers.outbound.lifetime``); when the answer to the data was
       lost, release it after a pause and count it as unconfirmed.
    """
    row = claim(email_id)
    if row is None:
        return "skipped"
    if row.attempts > 1 and sentmarks.was_sent(row.message_id):
        mark_sent(row)
        return "sent"
    refusal = _refusal(row)
    if refusal is not None:
        mark_failed(row, refusal, notify=(row.orphaned or 0) >= MAX_ORPHANED)
        return "failed"
    try:
        message = build(row)
    except jinja2.TemplateError as exc:
        failure = PermanentFailure(f"cannot render: {exc!r}", blames_recipient=False)
        mark_failed(row, failure, notify=True)
        return "failed"
    try:
        transmit(row, message)
    except PermanentFailure as exc:
        mark_failed(row, exc, notify=True)
        return "failed"
    except TemporaryFailure as exc:
        delay = release(row, exc)
        if delay is None:
            logger.warning("email %s failed: %s", row.id, lifetime.gave_up(row, exc))
            return "failed"
        logger.info("email %s deferred for %s: %s", row.id, delay, exc)
        return "unconfirmed" if isinstance(exc, Unconfirmed) else "deferred"
    sentmarks.mark(row.message_id)
    mark_sent(row, subject=str(message["Subject"]))
    return "sent"


class BatchDeliveryError(Exception):
    """Some emails of a delivery message raised; the message is retried for them."""


def deliver_batch(email_ids: list[int]) -> None:
    """Deliver each email on its own; one that raises does not stop the rest.

    A database error stops the batch at once: the email at hand goes back to the queue, and
    the error goes up to the broker, which retries the message on a new connection, or keeps
    it waiting while the database is down (``workers.runtime.dbmiddleware``).
    """
    failed = []
    for email_id in email_ids:
        try:
            deliver(email_id)
        except Exception as exc:  # logged here; the retry claims again and skips those sent
            if database_cause(exc) is not None:
                heartbeat.hand_back(give_back, [email_id])
                raise
            logger.exception("delivering email %s failed", email_id)
            failed.append(email_id)
    if failed:
        raise BatchDeliveryError(f"{len(failed)} of {len(email_ids)} emails raised: {failed}")


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=90_000, priority=MAIL_PRIORITY)
def deliver_email(email_id: int) -> None:
    """Deliver one email from the outbox."""
    deliver_batch([email_id])
