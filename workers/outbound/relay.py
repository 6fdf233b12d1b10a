"""Hand one rendered message to the SMTP relay and sort what happened into the outcomes
delivery records: sent, temporary failure, permanent failure, or unconfirmed."""

from __future__ import annotations

import email.policy
import logging
import smtplib
from email.message import EmailMessage

from models import OutboundEmail
from workers import settings as settings_mod
from workers.outbound import smtp
from workers.outbound.redact import redact
from workers.outbound.tokens import make_bounce_address

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Base for delivery outcomes that are not a plain success."""


class TemporaryFailure(DeliveryError):
    """The relay could not take the email now (4xx, refused connection); try again later."""


class Unconfirmed(TemporaryFailure):
    """The data went out but the relay's answer did not come back: the email may have been
    delivered. Try again only after a pause, with the same Message-ID."""


class PermanentFailure(DeliveryError):
    """The relay refused the email for good (5xx); ``blames_recipient`` when the address is bad."""

    def __init__(self, detail: str, blames_recipient: bool = True) -> None:
        super().__init__(detail)
        self.blames_recipient = blames_recipient


def transmit(row: OutboundEmail, message: EmailMessage) -> None:
    """Send one message over this thread's SMTP connection, classifying any failure."""
    settings = settings_mod.get()
    envelope_from = make_bounce_address(settings.secret_key, settings.reply_domain, row.id)
    # CRLF line endings: strict servers reject the bare LF of the default policy.
    data = message.as_bytes(policy=email.policy.SMTP)
    try:
        _send(envelope_from, row.to_addr, data, settings)
    except smtp.AnswerLost as exc:
        smtp.discard()
        raise Unconfirmed(redact(str(exc))) from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Our credentials are wrong, not the email: keep it until someone fixes SMTP_URL.
        smtp.discard()
        logger.error("SMTP login refused: %s", _detail(exc.smtp_code, exc.smtp_error))
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
        raise TemporaryFailure(redact(str(exc)) or type(exc).__name__) from exc


def _send(envelope_from: str, to_addr: str, data: bytes, settings) -> None:
    conn, reused = smtp.connection(settings.smtp_url, settings.smtp_ca_file)
    try:
        smtp.send(conn, envelope_from, to_addr, data)
    except smtp.AnswerLost:
        raise  # the relay may have the message: never send it again at once
    except smtplib.SMTPServerDisconnected:
        if not reused:
            raise
        # The relay closed an idle connection before taking the data; nothing was sent on it.
        smtp.discard()
        conn, _ = smtp.connection(settings.smtp_url, settings.smtp_ca_file)
        smtp.send(conn, envelope_from, to_addr, data)


def _detail(code: int, text: bytes | str) -> str:
    # A server's answer may quote the signed return path: it is kept and shown, so redacted.
    return redact(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}")


def _raise_for(code: int, text: bytes | str, *, blames_recipient: bool) -> None:
    if 500 <= code < 600:
        raise PermanentFailure(_detail(code, text), blames_recipient=blames_recipient)
    raise TemporaryFailure(_detail(code, text))
