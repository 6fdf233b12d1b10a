"""Keep secrets out of what delivery records and logs: an SMTP server's answer may quote
the signed return path, a reply address or the relay's password, and those answers end up
in ``OutboundEmail.last_error`` (shown on the cycle page), the audit trail and the logs."""

from __future__ import annotations

import re

from workers import settings as settings_mod
from workers.outbound.smtp import parse_smtp_url

#: The signature of a VERP return path (``bounce+<id>-<signature>``): the id stays readable.
BOUNCE_SIG_RE = re.compile(r"(bounce\+\d+-)[0-9a-z]+", re.IGNORECASE)

#: A reply address's token (``reply+<token>``): a key to act as its recipient.
REPLY_TOKEN_RE = re.compile(r"(reply\+)[^@\s<>\"'(),;]+", re.IGNORECASE)

#: The password of a ``scheme://user:password@host`` URL.
USERINFO_RE = re.compile(r"(//[^/@:\s]*:)[^/@\s]*@")

#: What stands in for a secret.
HIDDEN = "[hidden]"


def redact(text: str) -> str:
    """Return ``text`` with return-path signatures, reply tokens and passwords hidden."""
    text = BOUNCE_SIG_RE.sub(rf"\g<1>{HIDDEN}", text)
    text = REPLY_TOKEN_RE.sub(rf"\g<1>{HIDDEN}", text)
    text = USERINFO_RE.sub(rf"\g<1>{HIDDEN}@", text)
    settings = settings_mod.get()
    try:
        password = parse_smtp_url(settings.smtp_url).password
    except ValueError:
        password = ""
    for secret in (password, settings.secret_key, settings.inbound_http_secret):
        if len(secret) >= 4:
            text = text.replace(secret, HIDDEN)
    return text
