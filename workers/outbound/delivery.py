"""Deliver outbox rows over SMTP: claim, render, send, record."""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
import smtplib
from email.message import EmailMessage
from email.utils import parseaddr

import dramatiq
import jinja2
from peewee import JOIN, PostgresqlDatabase

from models import AuditEvent, EmailAttachment, OutboundEmail, Person, clock, db
from workers import settings as settings_mod
from workers.outbound import sentmarks, smtp
from workers.outbound.render import make_message
from workers.outbound.tokens import make_bounce_address
from workers.runtime import broker  # noqa: F401  (the broker, before the actor is declared)

logger = logging.getLogger(__name__)

#: Backoff after a temporary failure, by attempt number (the last one repeats).
BACKOFF = [dt.timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600)]

#: After this many attempts an email is given up on (temporary failures or crashed workers).
MAX_ATTEMPTS = 12

#: A queued row may be claimed this early, so hosts whose clocks differ slightly agree.
CLOCK_SLACK = dt.timedelta(seconds=5)


class DeliveryError(Exception):
    """Base for delivery outcomes that are not a plain success."""


class TemporaryFailure(DeliveryError):
    """The relay could not take the email now (4xx, refused connection); try again later."""


class PermanentFailure(DeliveryError):
    """The relay refused the email for good (5xx); ``blames_recipient`` when the address is bad."""

    def __init__(self, detail: str, blames_recipient: bool = True) -> None:
        super().__init__(detail)
        self.blames_recipient = blames_recipient


def lease() -> dt.timedelta:
    """Return how long a claimed row belongs to one worker (``DELIVERY_LEASE_SECONDS``)."""
    return dt.timedelta(seconds=settings_mod.get().delivery_lease_seconds)


def claim(email_id: int) -> OutboundEmail | None:
    """Take the row for this worker, or return None if it is done, not due, or held by another."""
    now = clock.now()
    due = (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now + CLOCK_SLACK)
    stalled = (OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now)
    query = OutboundEmail.update(
        status="sending", lease_until=now + lease(), attempts=OutboundEmail.attempts + 1
    ).where((OutboundEmail.id == email_id) & (due | stalled))
    updated = query.execute()
    if updated != 1:
        return None
    return (
        OutboundEmail.select(OutboundEmail, Person)
        .join(Person, JOIN.LEFT_OUTER)
        .where(OutboundEmail.id == email_id)
        .get()
    )


def build(row: OutboundEmail) -> EmailMessage:
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
        references=row.references or "",
        calendar=row.calendar,
        calendar_method=row.calendar_method,
        to_name=row.person.name if row.person_id else "",
        attachments=attachments_of(row),
    )


def attachments_of(row: OutboundEmail) -> list[tuple[str, str, bytes]]:
    """Return the files sent with an email: (name, content type, bytes) each.

    Only an email whose context lists ``attached_files`` has any, so the others cost no query.
    """
    if not (row.ctx or {}).get("attached_files"):
        return []
    query = EmailAttachment.select().where(EmailAttachment.email == row.id)
    return [(a.filename, a.content_type, bytes(a.data)) for a in query.order_by(EmailAttachment.id)]


def transmit(row: OutboundEmail, message: EmailMessage) -> None:
    """Send one message over this thread's SMTP connection, classifying any failure."""
    settings = settings_mod.get()
    envelope_from = make_bounce_address(settings.secret_key, settings.reply_domain, row.id)
    # CRLF line endings: strict servers reject the bare LF of the default policy.
    data = message.as_bytes(policy=email.policy.SMTP)
    try:
        _send(envelope_from, row.to_addr, data, settings)
    except smtplib.SMTPAuthenticationError as exc:
        # Our credentials are wrong, not the email: keep it until someone fixes SMTP_URL.
        smtp.discard()
        logger.error("SMTP login refused: %s %s", exc.smtp_code, exc.smtp_error)
        raise TemporaryFailure(_detail(exc.smtp_code, exc.smtp_error)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        _raise_for(code, text, blames_recipient=True)
    except smtplib.SMTPSenderRefused as exc:
        _raise_for(exc.smtp_code, exc.smtp_error, blames_recipient=False)
    except smtplib.SMTPConnectError as exc:
        smtp.discard()
        raise TemporaryFailure(_detail(exc.smtp_code, exc.smtp_error)) from exc
    except smtplib.SMTPResponseException as exc:
        smtp.discard()
        _raise_for(exc.smtp_code, exc.smtp_error, blames_recipient=True)
    except (smtplib.SMTPException, OSError) as exc:
        smtp.discard()
        raise TemporaryFailure(str(exc) or type(exc).__name__) from exc


def _send(envelope_from: str, to_addr: str, data: bytes, settings) -> None:
    conn, reused = smtp.connection(settings.smtp_url, settings.smtp_ca_file)
    try:
        conn.sendmail(envelope_from, [to_addr], data)
    except smtplib.SMTPServerDisconnected:
        if not reused:
            raise
        # The relay closed an idle connection before we spoke; nothing was sent on it.
        smtp.discard()
        conn, _ = smtp.connection(settings.smtp_url, settings.smtp_ca_file)
        conn.sendmail(envelope_from, [to_addr], data)


def _detail(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _raise_for(code: int, text: bytes | str, *, blames_recipient: bool) -> None:
    if 500 <= code < 600:
        raise PermanentFailure(_detail(code, text), blames_recipient=blames_recipient)
    raise TemporaryFailure(_detail(code, text))


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


def mark_failed(row: OutboundEmail, error: PermanentFailure) -> None:
    """Give up on a row and, when the address is to blame, flag the person as hard-bounced."""
    with db.atomic():
        OutboundEmail.update(status="failed", lease_until=None, last_error=str(error)).where(
            OutboundEmail.id == row.id
        ).execute()
        if row.person_id and error.blames_recipient:
            Person.update(bounce_state="hard").where(Person.id == row.person_id).execute()
        AuditEvent.record("email.failed", row, error=str(error))


def release(row: OutboundEmail, error: TemporaryFailure) -> dt.timedelta:
    """Put a row back in the queue with backoff (the scheduler picks it up) and return the delay."""
    delay = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    status = "queued" if row.attempts < MAX_ATTEMPTS else "failed"
    OutboundEmail.update(
        status=status,
        lease_until=None,
        next_attempt_at=clock.now() + delay,
        last_error=str(error),
    ).where(OutboundEmail.id == row.id).execute()
    return delay


def _refusal(row: OutboundEmail) -> PermanentFailure | None:
    """Return why a claimed row must not be sent at all, or None when it may go."""
    if row.attempts > MAX_ATTEMPTS:
        return PermanentFailure(f"gave up after {MAX_ATTEMPTS} attempts", blames_recipient=False)
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
    5. On 5xx mark it failed; on 4xx or a network error release it with backoff.
    """
    row = claim(email_id)
    if row is None:
        return "skipped"
    if row.attempts > 1 and sentmarks.was_sent(row.message_id):
        mark_sent(row)
        return "sent"
    refusal = _refusal(row)
    if refusal is not None:
        mark_failed(row, refusal)
        return "failed"
    try:
        message = build(row)
    except jinja2.TemplateError as exc:
        mark_failed(row, PermanentFailure(f"cannot render: {exc!r}", blames_recipient=False))
        return "failed"
    try:
        transmit(row, message)
    except PermanentFailure as exc:
        mark_failed(row, exc)
        return "failed"
    except TemporaryFailure as exc:
        delay = release(row, exc)
        logger.info("email %s deferred for %s: %s", row.id, delay, exc)
        return "deferred"
    sentmarks.mark(row.message_id)
    mark_sent(row, subject=str(message["Subject"]))
    return "sent"


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=90_000)
def deliver_email(email_id: int) -> None:
    """Deliver one email from the outbox."""
    deliver(email_id)
