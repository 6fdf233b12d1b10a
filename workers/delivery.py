"""Deliver outbox rows over SMTP: claim, render, send, record."""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
import smtplib
from email.utils import parseaddr

import dramatiq

from models import AuditEvent, OutboundEmail, Person, clock, db
from workers import settings as settings_mod
from workers import smtp
from workers.mail import make_message
from workers.tokens import make_bounce_address

logger = logging.getLogger(__name__)

#: How long a claimed row belongs to one worker before the scheduler may hand it to another.
LEASE = dt.timedelta(seconds=120)

#: Backoff after a temporary failure, by attempt number (the last one repeats).
BACKOFF = [dt.timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600)]

#: After this many attempts a temporarily failing email is given up on.
MAX_ATTEMPTS = 12


class DeliveryError(Exception):
    """Base for delivery outcomes that are not a plain success."""


class TemporaryFailure(DeliveryError):
    """The relay could not take the email now (4xx, refused connection); try again later."""


class PermanentFailure(DeliveryError):
    """The relay refused the email for good (5xx)."""


def claim(email_id: int) -> OutboundEmail | None:
    """Take the row for this worker, or return None if it is sent or another worker has it."""
    now = clock.now()
    query = OutboundEmail.update(
        status="sending", lease_until=now + LEASE, attempts=OutboundEmail.attempts + 1
    ).where(
        (OutboundEmail.id == email_id)
        & (
            (OutboundEmail.status == "queued")
            | ((OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now))
        )
    )
    if query.execute() != 1:
        return None
    return OutboundEmail.get_by_id(email_id)


def build(row: OutboundEmail):
    """Render the email a row describes into a message ready to send."""
    settings = settings_mod.get()
    return make_message(
        row.kind,
        row.to_addr,
        row.ctx,
        mail_from=settings.mail_from,
        message_id=row.message_id,
        reply_to=row.reply_to,
        in_reply_to=row.in_reply_to,
        calendar=row.calendar,
        calendar_method=row.calendar_method,
        to_name=row.person.name if row.person_id else "",
    )


def transmit(row: OutboundEmail, message) -> None:
    """Send one message over this thread's SMTP connection, classifying any failure."""
    settings = settings_mod.get()
    envelope_from = make_bounce_address(settings.secret_key, settings.reply_domain, row.id)
    # CRLF line endings: strict servers reject the bare LF of the default policy.
    data = message.as_bytes(policy=email.policy.SMTP)
    try:
        conn = smtp.connection(settings.smtp_url)
        conn.sendmail(envelope_from, [row.to_addr], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        _raise_for(code, text)
    except smtplib.SMTPResponseException as exc:
        smtp.discard()
        _raise_for(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        smtp.discard()
        raise TemporaryFailure(str(exc) or type(exc).__name__) from exc


def _raise_for(code: int, text: bytes | str) -> None:
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if 500 <= code < 600:
        raise PermanentFailure(detail)
    raise TemporaryFailure(detail)


def mark_sent(row: OutboundEmail) -> None:
    """Record a successful send, as soon as the relay said yes."""
    OutboundEmail.update(status="sent", sent_at=clock.now(), lease_until=None, last_error="").where(
        OutboundEmail.id == row.id
    ).execute()


def mark_failed(row: OutboundEmail, error: PermanentFailure) -> None:
    """Give up on a row and flag the address as failing."""
    with db.atomic():
        OutboundEmail.update(status="failed", lease_until=None, last_error=str(error)).where(
            OutboundEmail.id == row.id
        ).execute()
        if row.person_id:
            Person.update(bounce_state="hard").where(Person.id == row.person_id).execute()
        AuditEvent.record("email.failed", row, error=str(error))


def release(row: OutboundEmail, error: TemporaryFailure) -> dt.timedelta:
    """Put a row back in the queue with backoff and return the delay."""
    delay = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    status = "queued" if row.attempts < MAX_ATTEMPTS else "failed"
    OutboundEmail.update(
        status=status,
        lease_until=None,
        next_attempt_at=clock.now() + delay,
        last_error=str(error),
    ).where(OutboundEmail.id == row.id).execute()
    return delay


def deliver(email_id: int) -> str:
    """Deliver one outbox row; safe to call twice. Returns what happened."""
    row = claim(email_id)
    if row is None:
        return "skipped"
    recipient = parseaddr(row.to_addr)[1]
    if row.person_id and row.person.bounce_state == "hard":
        mark_failed(row, PermanentFailure(f"{recipient} is hard-bounced"))
        return "failed"
    try:
        transmit(row, build(row))
    except PermanentFailure as exc:
        mark_failed(row, exc)
        return "failed"
    except TemporaryFailure as exc:
        delay = release(row, exc)
        logger.info("email %s deferred for %s: %s", row.id, delay, exc)
        return "deferred"
    mark_sent(row)
    return "sent"


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=90_000)
def deliver_email(email_id: int) -> None:
    """Deliver one email from the outbox."""
    deliver(email_id)
