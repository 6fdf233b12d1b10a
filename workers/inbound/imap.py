"""IMAP polling: take new messages from a mailbox, store them, then move or flag them."""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from models import ImapCursor, clock, db
from workers import settings as settings_mod
from workers.inbound import store, worker

logger = logging.getLogger(__name__)

#: Where taken messages go when the server supports MOVE (RFC 6851).
PROCESSED = ("Tandem", "Processed")

#: Messages taken per poll, so one poll stays short.
BATCH = 500

#: Seconds to wait for the IMAP server.
TIMEOUT = 30

#: Default ports per scheme.
PORTS = {"imap": 143, "imap+starttls": 143, "imaps": 993}

LIST_RE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL)')


class ImapError(Exception):
    """The IMAP server refused a command or could not be reached."""


@dataclass(frozen=True)
class ImapTarget:
    """Where and how to poll, read from ``IMAP_URL``."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    mailbox: str

    @property
    def key(self) -> str:
        """Return the name the cursor of this mailbox is kept under (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"


def parse_imap_url(url: str) -> ImapTarget:
    """Read ``imaps://user:pass@host[:port]/MAILBOX`` (or imap://, imap+starttls://)."""
    parts = urlsplit(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise ImapError(
            f"IMAP_URL must be imap[s]:// or imap+starttls://user:pass@host/, got {url!r}"
        )
    return ImapTarget(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or PORTS[parts.scheme],
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def connect(target: ImapTarget, context: ssl.SSLContext | None = None) -> imaplib.IMAP4:
    """Open, secure and log in to the server ``target`` names."""
    context = context or ssl.create_default_context(cafile=settings_mod.get().imap_ca_file or None)
    try:
        if target.scheme == "imaps":
            conn = imaplib.IMAP4_SSL(target.host, target.port, ssl_context=context, timeout=TIMEOUT)
        else:
            conn = imaplib.IMAP4(target.host, target.port, timeout=TIMEOUT)
            if target.scheme == "imap+starttls":
                conn.starttls(context)
        conn.login(target.user, target.password)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot log in to {target.host}:{target.port}: {exc}") from exc
    return conn


def poll(url: str, context: ssl.SSLContext | None = None) -> int:
    """Take every new message from the mailbox at ``url``; return how many were new."""
    target = parse_imap_url(url)
    conn = connect(target, context)
    try:
        return take_new(conn, target)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"polling {target.key} failed: {exc}") from exc
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _check(result: tuple, what: str) -> list:
    typ, data = result
    if typ != "OK":
        raise ImapError(f"{what} failed: {data!r}")
    return data


def take_new(conn: imaplib.IMAP4, target: ImapTarget) -> int:
    """Store the messages above the cursor, advancing it after each, then move or flag them."""
    _check(conn.select(_quote(target.mailbox)), f"SELECT {target.mailbox}")
    uidvalidity = int(conn.response("UIDVALIDITY")[1][0])
    cursor = cursor_for(target.key, uidvalidity)
    data = _check(conn.uid("SEARCH", None, f"UID {cursor.last_uid + 1}:*"), "UID SEARCH")
    uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > cursor.last_uid)
    folder = processed_folder(conn) if _can_move(conn) else None
    new = 0
    for uid in uids[:BATCH]:
        raw = fetch(conn, uid)
        with db.atomic():
            row, is_new = store.store_raw(raw, "imap")
            ImapCursor.update(last_uid=uid, updated_at=clock.now()).where(
                ImapCursor.id == cursor.id
            ).execute()
        worker.enqueue(row)
        mark_taken(conn, uid, folder)
        new += is_new
    return new


def cursor_for(key: str, uidvalidity: int) -> ImapCursor:
    """Return the mailbox's cursor, starting over when the server's UIDVALIDITY changed."""
    cursor, _ = ImapCursor.get_or_create(mailbox=key, defaults={"uidvalidity": uidvalidity})
    if cursor.uidvalidity != uidvalidity:
        # UIDs were renumbered: read everything again; storing deduplicates what we had.
        logger.warning("UIDVALIDITY of %s changed; reading the mailbox again", key)
        cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
        cursor.save()
    return cursor


def fetch(conn: imaplib.IMAP4, uid: int) -> bytes:
    """Return the raw bytes of message ``uid`` without setting \\Seen."""
    data = _check(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"UID FETCH {uid}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise ImapError(f"UID FETCH {uid} returned no message")


def mark_taken(conn: imaplib.IMAP4, uid: int, folder: str | None) -> None:
    """Flag message ``uid`` \\Seen, and move it to the processed folder when possible."""
    _check(conn.uid("STORE", str(uid), "+FLAGS", "(\\Seen)"), f"UID STORE {uid}")
    if folder is not None:
        _check(conn.uid("MOVE", str(uid), _quote(folder)), f"UID MOVE {uid}")


def _can_move(conn: imaplib.IMAP4) -> bool:
    typ, data = conn.capability()
    return typ == "OK" and b"MOVE" in (data[0] or b"").upper().split()


def processed_folder(conn: imaplib.IMAP4) -> str:
    """Return the processed folder's name with the server's delimiter, creating it if needed."""
    data = _check(conn.list('""', '""'), "LIST")
    match = LIST_RE.match(data[0] or b"") if data and data[0] else None
    delim = match.group("delim").strip(b'"').decode() if match else "/"
    name = (delim or ".").join(PROCESSED) if delim != "NIL" else "".join(PROCESSED)
    conn.create(_quote(name))  # NO when it exists already, which is fine
    return name


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
