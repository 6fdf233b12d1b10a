"""Decode bytes and RFC 2047 header words in whatever charset a mail client declared."""

from __future__ import annotations

import codecs
import re
from email.header import Header, decode_header

#: Declared charsets replaced by the superset clients really use (as browsers do).
SUPERSETS = {
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-mac-roman": "mac_roman",
    "windows-874": "cp874",
}

#: Code-page names written with a dash or a vendor prefix ("cp-850", "ibm-437", "windows-1258").
CODE_PAGE_RE = re.compile(r"^(?:cp|ibm|windows|x-cp)[-_ ]?(\d{3,5})$")

#: Charsets tried, in order, when the declared one is missing, unknown or wrong.
FALLBACKS = ("utf-8", "cp1252")

#: Single-byte codecs that UTF-8 text is often mislabelled as.
SINGLE_BYTE = {"cp1252", "iso8859-1", "iso8859-15", "iso8859-2", "cp1250", "ascii", "latin-1"}

#: A line break with the whitespace around it: a fold, read as one space.
FOLD_RE = re.compile(r"[ \t]*[\r\n]+\s*")

#: Extra codecs tried for ISO-2022-JP text that uses extended characters.
JIS_VARIANTS = ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp")


def codec_for(charset: str | None) -> str | None:
    """Return the Python codec to use for a declared charset, or None if unknown."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = SUPERSETS.get(name, name)
    for candidate in (name, CODE_PAGE_RE.sub(r"cp\1", name)):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode bytes with the declared charset, falling back gracefully when it is wrong."""
    codec = codec_for(charset)
    if codec in SINGLE_BYTE and not data.isascii() and _is_utf8(data):
        # UTF-8 labelled as a single-byte charset: valid multi-byte runs are no accident.
        codec = "utf-8"
    candidates = [codec] if codec else []
    if codec and codec.startswith("iso2022_jp"):
        candidates += list(JIS_VARIANTS)
    if b"\x1b$" in data[:4096]:
        candidates += list(JIS_VARIANTS)
    candidates += list(FALLBACKS)
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec or "utf-8", errors="replace")


def _is_utf8(data: bytes) -> bool:
    """Tell whether bytes are valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_header_value(value: object) -> str:
    """Return a header as text: RFC 2047 words decoded, lines unfolded, raw 8-bit rescued."""
    if value is None:
        return ""
    # Unfold first: the stdlib decodes line by line and drops the whitespace at each fold,
    # where RFC 2047 (6.2) drops only whitespace between two encoded words.
    text = FOLD_RE.sub(" ", raw_header(value))
    try:
        chunks = decode_header(text)
    except (ValueError, LookupError, AssertionError):  # broken encoded-words: keep raw text
        chunks = [(text, None)]
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            chunk = decode_bytes(chunk, charset)
        parts.append(chunk)
    joined = "".join(parts) if len(chunks) > 1 else (parts[0] if parts else "")
    return FOLD_RE.sub(" ", joined).strip()


def raw_header(value: object) -> str:
    """Return a header value as a string, RFC 2047 words left encoded, raw 8-bit text decoded."""
    if value is None:
        return ""
    if isinstance(value, Header):
        # compat32 hands raw 8-bit headers back as Header objects in "unknown-8bit".
        return "".join(decode_bytes(_as_bytes(chunk), None) for chunk, _ in decode_header(value))
    text = str(value)
    if _has_surrogates(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"))
    return text


def _as_bytes(chunk: bytes | str) -> bytes:
    """Return a decoded header chunk as bytes."""
    return chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "surrogateescape")


def _has_surrogates(text: str) -> bool:
    """Tell whether a string carries undecoded 8-bit bytes (surrogate escapes)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def unflow(text: str, delsp: bool = False) -> str:
    """Join the soft-broken lines of a format=flowed body (RFC 3676)."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if pending and _quote_depth(line) != _quote_depth(pending):
            out.append(pending)
            pending = ""
        body = line if not pending else line[_quote_depth(line) :].removeprefix(" ")
        current = pending + body
        if line.endswith(" ") and line.rstrip() != "--" and line != "-- ":
            pending = current[:-1] if delsp else current
        else:
            out.append(current)
            pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def _quote_depth(line: str) -> int:
    """Return how many ">" open a flowed line."""
    return len(line) - len(line.lstrip(">"))
