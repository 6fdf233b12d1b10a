"""Mailman's ``flufl.bounce`` as the last reader of a bounce that names no recipient.

Measured on the shared corpus (306 bounces with per-recipient expectations), flufl.bounce
reads fewer recipients (251) and fewer status classes right (202/293) than the RFC 3464 and
free-text readers (298 and 283/293), so it is not the first reader. Where those name nobody,
its seventeen MTA-specific detectors still find a recipient now and then; it says only
whether a failure is temporary or permanent, so the status is 4.0.0 or 5.0.0.
"""

from __future__ import annotations

import logging

from flufl.bounce import all_failures

from workers.reading.dsn import ADDRESS_RE, BounceInfo, is_hard
from workers.reading.message import ParsedMessage

#: The rule ``mail-parse`` names for a recipient this library found.
LIBRARY_RULE = "flufl.bounce"

# The library logs every detector it runs at INFO level, and its exceptions at ERROR.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)


def from_library(msg: ParsedMessage, read: list[BounceInfo] = ()) -> list[BounceInfo]:
    """Return the recipients flufl.bounce finds, permanent failures first; [] when none.

    A status the other readers already ``read`` from the report's words is kept when it is
    of the same class, being more precise than the library's temporary or permanent.
    """
    try:
        temporary, permanent = all_failures(msg.headers)
    except Exception:  # its detectors assume well-formed parts and raise on broken ones
        return []
    known = next((info.status for info in read if info.status), "")
    infos = []
    for found, status in ((permanent, "5.0.0"), (temporary, "4.0.0")):
        status = known if known[:1] == status[0] else status
        for address in sorted(_addresses(found)):
            action = "failed" if status[0] == "5" else "delayed"
            hard = is_hard(status, action)
            infos.append(BounceInfo(address, status, action, hard, rule=LIBRARY_RULE))
    return infos


def _addresses(found: frozenset) -> set[str]:
    """Keep the values that are whole addresses (the heuristics also return other text)."""
    kept = set()
    for value in found:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        text = text.strip().strip("<>").strip()
        if ADDRESS_RE.fullmatch(text):
            kept.add(text.lower())
    return kept
