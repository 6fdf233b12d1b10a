"""Mutated and generated inbound messages, for the fuzz test and ``bench/fuzz_inbound.py``.

Seeds are real-looking messages addressed to a real person and objects (made with
``tests.mailfactory``) plus every message of the shared corpus when it is there. A mutation
works on the bytes (cuts, insertions, flips) or on the structure a parser leans on: header
lines, charsets, MIME boundaries, transfer encodings, nesting and very long lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from models import Programme, Session
from tests import mailfactory as mf
from tests.services import corpus_dir

#: Header names a mutation may add, drop or garble.
HEADERS = [b"From", b"To", b"Subject", b"Content-Type", b"Content-Transfer-Encoding",
           b"References", b"In-Reply-To", b"Message-ID", b"Date", b"Auto-Submitted",
           b"Authentication-Results", b"MIME-Version"]  # fmt: skip

#: Charset labels real and bogus, for ``charset=`` parameters and encoded words.
CHARSETS = [b"utf-8", b"iso-8859-1", b"windows-1252", b"koi8-r", b"gb2312", b"shift_jis",
            b"utf-7", b"x-unknown", b"", b"utf-16", b"\xff\xfe"]  # fmt: skip

#: Content-Transfer-Encoding values real and bogus.
ENCODINGS = [b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"bogus"]

#: Where the body starts: the first empty line.
BODY_RE = re.compile(rb"\r?\n\r?\n")


def make_seeds() -> list[bytes]:
    """Create a person, an item and a session in the current database; return seed messages."""
    ada = mf.make_person()
    item = mf.make_item(ada)
    address = mf.reply_address(ada, "item", item.id)
    programme = Programme.create(name="Fuzz")
    Session.create(
        programme=programme,
        title="S",
        starts_at=dt.datetime(2026, 3, 10, 9),
        ends_at=dt.datetime(2026, 3, 10, 10),
        uid="seed@tandem.test",
    )
    seeds = [
        mf.reply("Ada <ada@example.org>", address, "1 done\n1 60% waiting on HR"),
        mf.reply("ada@example.org", "tandem@tandem.test", "no token"),
        mf.calendar_reply("ada@example.org", "seed@tandem.test", partstat="TENTATIVE"),
        mf.dsn("ada@example.org", "<x@tandem.test>"),
        mf.reply("ada@example.org", address, "Away", headers={"Auto-Submitted": "auto-replied"}),
    ]
    return seeds + corpus_messages()


def corpus_messages() -> list[bytes]:
    """Return every message of the shared corpus (none when the corpus is absent)."""
    root = corpus_dir()
    if root is None:
        return []
    return [path.read_bytes() for path in sorted(root.rglob("*.eml")) if path.is_file()]


def _split(raw: bytes) -> tuple[bytes, bytes]:
    match = BODY_RE.search(raw)
    return (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")


def _header_lines(raw: bytes) -> tuple[list[bytes], bytes]:
    head, body = _split(raw)
    return re.split(rb"\r?\n", head), body


def _join(lines: list[bytes], body: bytes) -> bytes:
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@st.composite
def _bytes_edit(draw, raw: bytes) -> bytes:
    data = bytearray(raw)
    where = draw(st.integers(0, len(data)))
    action = draw(st.sampled_from(["insert", "delete", "flip", "truncate", "nul", "cr"]))
    if action == "insert":
        data[where:where] = draw(st.binary(min_size=1, max_size=40))
    elif action == "delete":
        del data[where : where + draw(st.integers(1, 200))]
    elif action == "flip" and where < len(data):
        data[where] = draw(st.integers(0, 255))
    elif action == "truncate":
        del data[where:]
    elif action == "nul":
        data[where:where] = b"\x00"
    else:
        data[where:where] = b"\r"
    return bytes(data)


@st.composite
def _header_edit(draw, raw: bytes) -> bytes:
    lines, body = _header_lines(raw)
    action = draw(st.sampled_from(["drop", "duplicate", "add", "unfold", "nobody"]))
    index = draw(st.integers(0, max(0, len(lines) - 1)))
    if action == "drop" and lines:
        del lines[index]
    elif action == "duplicate" and lines:
        lines.insert(index, lines[index])
    elif action == "add":
        value = draw(st.binary(max_size=300)).replace(b"\r", b"").replace(b"\n", b" ")
        lines.insert(index, draw(st.sampled_from(HEADERS)) + b": " + value)
    elif action == "unfold" and lines:
        lines[index] = b" " + lines[index]
    else:  # no empty line: the body runs into the headers
        return b"\r\n".join(lines) + b"\r\n" + body
    return _join(lines, body)


@st.composite
def _mime_edit(draw, raw: bytes) -> bytes:
    action = draw(st.sampled_from(["charset", "boundary", "encoding", "longline", "wordfrom"]))
    if action == "charset":
        return re.sub(rb"charset=\"?[\w-]+\"?", b"charset=" + draw(st.sampled_from(CHARSETS)), raw)
    if action == "boundary":
        return re.sub(
            rb"boundary=\"?([^\";\r\n]+)",
            b'boundary="' + draw(st.binary(max_size=8)).hex().encode(),
            raw,
        )
    if action == "encoding":
        value = draw(
            st.sampled_from([b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"bogus"])
        )
        return re.sub(rb"(?im)^(Content-Transfer-Encoding:).*$", rb"\1 " + value, raw)
    if action == "longline":
        head, body = _split(raw)
        return head + b"\r\n\r\n" + b"x" * draw(st.integers(1000, 200_000)) + b"\r\n" + body
    charset = draw(st.sampled_from(CHARSETS)) or b"utf-8"
    word = b"=?" + charset + b"?B?" + draw(st.binary(max_size=30)).hex().encode() + b"?="
    return re.sub(rb"(?im)^From:.*$", b"From: " + word + b" <ada@example.org>", raw)


@st.composite
def _wrap(draw, raw: bytes) -> bytes:
    """Forward the message as an attachment of a new one (or nest it twice)."""
    boundary = b"fz" + draw(st.binary(min_size=4, max_size=4)).hex().encode()
    inner = raw if draw(st.booleans()) else _wrap_plain(raw, boundary + b"i")
    return _wrap_plain(inner, boundary)


def _wrap_plain(raw: bytes, boundary: bytes) -> bytes:
    return (
        b"From: ada@example.org\r\nTo: tandem@tandem.test\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary
        + b"\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--" + boundary
        + b"\r\nContent-Type: message/rfc822\r\n\r\n" + raw + b"\r\n--" + boundary + b"--\r\n"
    )  # fmt: skip


#: Each mutation: a strategy factory taking the message so far.
MUTATIONS: list[Callable[[bytes], st.SearchStrategy[bytes]]] = [
    _bytes_edit,
    _header_edit,
    _mime_edit,
    _wrap,
]


@st.composite
def mutated(draw, seeds: list[bytes], most: int = 4) -> bytes:
    """Return a seed (or two spliced) with up to ``most`` random mutations."""
    raw = draw(st.sampled_from(seeds))
    if draw(st.integers(0, 9)) == 0:  # headers of one message, body of another
        other = draw(st.sampled_from(seeds))
        raw = _split(raw)[0] + b"\r\n\r\n" + _split(other)[1]
    for _ in range(draw(st.integers(0, most))):
        raw = draw(draw(st.sampled_from(MUTATIONS))(raw))
    return raw


def seed_paths() -> list[Path]:
    """Return the corpus files the seeds come from (for the command's report)."""
    root = corpus_dir()
    return sorted(root.rglob("*.eml")) if root else []
