"""Guards every inbound message passes before it is read as a reply: no mail loop, no DMARC
failure reported by a trusted server; and the lookup of Tandem's emails in its thread."""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from models import InboundMessage, OutboundEmail
from workers import settings as settings_mod
from workers.inbound import errors
from workers.inbound.authres import dmarc_failure
from workers.inbound.match import emails_by_message_id, thread_ids


def check_guards(row: InboundMessage, parsed) -> None:
    """Refuse messages from Tandem itself, or failing DMARC at a trusted server."""
    settings = settings_mod.get()
    own = own_address(settings.mail_from)
    if row.sender == own:
        raise errors.EmailLoopError(f"sent from Tandem's own address {own}")
    message_id = (parsed.message_id or "").strip()
    if message_id and (
        message_id.lower().endswith(f"@{settings.reply_domain}>")
        or message_id in thread_emails(row, parsed)
    ):
        raise errors.EmailLoopError(f"carries Tandem's own Message-ID {message_id}")
    server = dmarc_failure(bytes(row.raw), settings.trusted_authserv_ids)
    if server:
        raise errors.DmarcFailError(f"{server} reports dmarc=fail for {row.sender}")


@lru_cache(maxsize=8)
def own_address(mail_from: str) -> str:
    """Return the bare, lower-case address of MAIL_FROM."""
    return parseaddr(mail_from)[1].lower()


def thread_emails(row: InboundMessage, parsed) -> dict[str, OutboundEmail]:
    """Return Tandem's emails named by the message's own Message-ID or its thread headers.

    One query serves both the loop guard and the reply matching; it is kept on the row.
    """
    known = getattr(row, "_thread_emails", None)
    if known is None:
        load_thread_emails([(row, parsed)])
        known = row._thread_emails
    return known


def load_thread_emails(messages: list[tuple[InboundMessage, object]]) -> None:
    """Look up the thread emails of several parsed messages in one query (see above)."""
    wanted = {row.id: _thread_ids(parsed) for row, parsed in messages}
    found = emails_by_message_id([m for ids in wanted.values() for m in ids])
    for row, _ in messages:
        row._thread_emails = {m: found[m] for m in wanted[row.id] if m in found}


def _thread_ids(parsed) -> list[str]:
    own = (parsed.message_id or "").strip()
    return [own, *thread_ids(parsed)] if own else thread_ids(parsed)
