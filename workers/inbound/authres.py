"""What a trusted receiving server wrote about a message's authentication (RFC 8601).

Anyone can write an ``Authentication-Results`` field, so only those whose authserv-id is in
TRUSTED_AUTHSERV_IDS count. A receiving server removes fields claiming its own id from the
mail it takes in (RFC 8601 section 5) and adds its own on top, so the topmost trusted field is
what the last trusted server found.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

#: A parenthesised comment (RFC 5322 CFWS); innermost first, so nested ones go too.
COMMENT_RE = re.compile(r"\([^()]*\)")

#: One ``name=value`` of a result: ``dmarc=pass``, ``header.from=example.org``, ``reason="..."``.
PAIR_RE = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')


@dataclass(frozen=True)
class Verdict:
    """One method's result in an Authentication-Results field, with its properties."""

    authserv_id: str
    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


def parse_field(value: str) -> list[Verdict]:
    """Read one field's value: ``authserv-id [version]; method=result prop=value ...; ...``."""
    text = " ".join(str(value).split())
    while COMMENT_RE.search(text):
        text = COMMENT_RE.sub(" ", text)
    head, *results = text.split(";")
    words = head.split()
    if not words:
        return []
    verdicts = []
    for result in results:
        pairs = [(k.lower(), v.strip('"').lower()) for k, v in PAIR_RE.findall(result)]
        if pairs:
            method, outcome = pairs[0]
            props = dict(pairs[1:])
            verdicts.append(Verdict(words[0].lower(), method.split("/")[0], outcome, props))
    return verdicts


def trusted_verdicts(raw: bytes, trusted: tuple[str, ...]) -> list[list[Verdict]]:
    """Return the verdicts of each field a trusted server wrote, topmost field first."""
    if not trusted:
        return []
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    fields = [parse_field(value) for value in headers.get_all("Authentication-Results") or []]
    return [verdicts for verdicts in fields if verdicts and verdicts[0].authserv_id in trusted]


def dmarc_failure(raw: bytes, trusted: tuple[str, ...]) -> str | None:
    """Return the trusted server that reported ``dmarc=fail`` in any of its fields, or None."""
    for verdicts in trusted_verdicts(raw, trusted):
        for verdict in verdicts:
            if verdict.method == "dmarc" and verdict.result == "fail":
                return verdict.authserv_id
    return None


def dmarc_pass(raw: bytes, trusted: tuple[str, ...], sender: str) -> str | None:
    """Return the trusted server whose topmost field says ``dmarc=pass`` for the domain of
    ``sender`` (the From address), or None."""
    domain = sender.rsplit("@", 1)[-1].strip().lower() if "@" in sender else ""
    found = trusted_verdicts(raw, trusted)
    if not domain or not found:
        return None
    for verdict in found[0]:
        if (verdict.method, verdict.result) == ("dmarc", "pass") and (
            verdict.properties.get("header.from") == domain
        ):
            return verdict.authserv_id
    return None
