"""Keep only the words a person wrote: drop quoted history, forwarded mail and signatures."""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

from workers.reading import quote_headers as qh
from workers.reading.htmltext import html_to_text, strip_html_quotes
from workers.reading.message import ParsedMessage
from workers.reading.signatures import strip_signature

#: Characters of a body read (the person's words come first; the rest is history).
MAX_CHARS = 200_000

#: Lines joined when looking for a quote header split over several lines.
HEADER_SPAN = 3

#: A line quoted with ">" (any depth, maybe indented), or Supercite-style with initials ("JD>").
QUOTED_RE = re.compile(r"^\s*(?:[A-Z][A-Za-z]{0,3})?>")

#: The end of an address wrapped onto its own line (">:") in a quote header.
CLOSING_RE = re.compile(r"^\s*>\s*[:：]?\s*$")

#: An "=" that quoted-printable encoding leaves: a soft line break or an escaped byte.
QP_MARK_RE = re.compile(r"=(?:\n|[0-9A-F]{2})")

#: Escapes only quoted-printable writes: "=3D", "=20", "=09", or an encoded UTF-8 pair.
QP_EVIDENCE_RE = re.compile(r"=(?:3D|20|09|[C-F][0-9A-F]=[89AB][0-9A-F])")

#: The space a wrap left just inside an address's angle brackets ("< name@host>", "name @host").
WRAPPED_ADDRESS_RE = re.compile(r"(?<=<)\s+|\s+(?=@)")

#: Subjects of a message that forwards another (English, German, French, Spanish, Dutch...).
FORWARD_SUBJECT_RE = re.compile(r"^\s*(?:fwd?|wg|tr|rv|enc|doorst|vs|i)\s*:", re.IGNORECASE)

#: Words of a separator line that opens a forwarded (not a quoted) message.
FORWARD_WORDS_RE = re.compile(
    r"forward|weitergeleitet|transf[ée]r[ée]|r[ée]exp[ée]di|reenviado|inoltrato|doorgestuurd|"
    r"videresendt|vidarebefordra|encaminhad|reencaminhad|przekazan|пересла|переадресован|"
    r"转发|転送|yönlendir|välitetty|přeposílan|전달된",
    re.IGNORECASE,
)

#: The rules that decide where a reply ends, as ``mail-parse`` reports them.
NO_HISTORY = "no quoted history"
QUOTE_HEADER = "quote header"
SEPARATOR = "separator or header block"
BOTTOM_POSTED = "reply below the quote header"
INLINE = "answers between quoted lines"
TRAILING_QUOTE = "trailing quote"
FORWARD_KEPT = "forwarded message kept"
FORWARD_ALONE = "a forwarded message alone, not said to be one"
ONLY_QUOTE = "only quoted text"

#: How sure each rule is that it kept the person's words and nothing else (default 0.9).
RULE_CONFIDENCE = {
    ONLY_QUOTE: 0.2,
    FORWARD_ALONE: 0.4,
    FORWARD_KEPT: 0.7,
    INLINE: 0.75,
    TRAILING_QUOTE: 0.85,
}

#: A line of nothing but rule characters, left over from a separator or an HTML <hr>.
RULE_RE = re.compile(r"^[\s\-_=*~#]*$")


@dataclass
class Trimmed:
    """A reply's own words, the rule that decided where they end, and how sure it is (0-1)."""

    text: str
    rule: str
    confidence: float


def trim_reply(text: str, html: str | None = None, *, forward: bool = False) -> str:
    """Return the person's own words from a reply body (plain text, else the HTML)."""
    return trim(text, html, forward=forward).text


def trim(text: str, html: str | None = None, *, forward: bool = False) -> Trimmed:
    """Trim a reply body, saying which rule decided; ``forward`` when the subject says so."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")[:MAX_CHARS]
    html_rule = ""
    if html and (not text.strip() or text.strip() == html_to_text(html).strip()):
        # HTML-only mail: drop quotes where the client marked them, before conversion.
        stripped = strip_html_quotes(html)
        html_rule = "HTML quote markers" if stripped != html else ""
        text = html_to_text(stripped)[:MAX_CHARS]
    text = undo_quoted_printable(text)
    lines = [line.rstrip() for line in text.split("\n")]
    lines, rule = _cut_history(lines, forward)
    signed = strip_signature(lines)
    if signed != lines and rule == NO_HISTORY:
        rule = "signature"
    lines = signed
    while lines and RULE_RE.match(lines[-1]):
        lines = lines[:-1]
    rule = html_rule if html_rule and rule == NO_HISTORY else rule
    return Trimmed("\n".join(lines).strip("\n").rstrip(), rule, RULE_CONFIDENCE.get(rule, 0.9))


def reply_text(msg: ParsedMessage) -> Trimmed:
    """Trim a parsed message's reply, keeping a forwarded message when the subject forwards."""
    forward = FORWARD_SUBJECT_RE.match(msg.subject or "") is not None
    return trim(msg.text or "", msg.html, forward=forward)


def undo_quoted_printable(text: str) -> str:
    """Decode a body still in quoted-printable (soft breaks, and every "=" is an escape)."""
    if "=\n" not in text or not QP_EVIDENCE_RE.search(text):
        return text
    if text.count("=") != len(QP_MARK_RE.findall(text)):
        return text
    try:
        return quopri.decodestring(text.encode("utf-8")).decode("utf-8")
    except UnicodeError:
        return text


def _cut_history(lines: list[str], forward: bool = False) -> tuple[list[str], str]:
    """Remove the quote header and everything quoted after it, keeping a bottom reply.

    Returns the lines kept and the rule that decided.
    """
    marks, lines = mark_lines(lines)
    if "t" not in marks and "m" in marks:
        # Nothing but a quote: the person wrote nothing of their own (or wrote it unmarked).
        return [], ONLY_QUOTE
    first = _first_splitter(marks)
    if first >= 0 and _forwards(lines, first, forward):
        alone = not forward and not "".join(lines[:first]).strip()
        return lines, FORWARD_ALONE if alone else FORWARD_KEPT
    rule = BOTTOM_POSTED if first >= 0 and marks[first] == "w" else ""
    if rule and not "".join(lines[:first]).strip():
        # The person wrote below the quote header: keep their lines, drop headers and quotes.
        lines, marks = _drop_headed_quotes(lines, marks)
        first = _first_splitter(marks)
    if first < 0:
        kept = _drop_trailing_quote(lines, marks)
        return kept, rule or (TRAILING_QUOTE if kept != lines else NO_HISTORY)
    rest = marks[first:]
    last_quote = rest.rfind("m")
    tail = rest[last_quote + 1 :] if last_quote >= 0 else ""
    if last_quote >= 0 and not re.search("[sw]", tail) and "t" in tail and _quoted_after(rest):
        # A reply written below or between the quoted lines ("bottom posting", inline answers).
        return lines[:first] + _unquoted(lines[first:], rest), INLINE
    return lines[:first], QUOTE_HEADER if marks[first] == "w" else SEPARATOR


def _forwards(lines: list[str], first: int, forward: bool) -> bool:
    """History opens with a forwarded message the person sends on (said, or alone)."""
    if not FORWARD_WORDS_RE.search(lines[first]) or not qh.is_separator(lines[first]):
        return False
    return forward or not "".join(lines[:first]).strip()


def _unquoted(lines: list[str], marks: str) -> list[str]:
    """Keep the text lines, dropping headers, quoted lines and the blank lines after them."""
    kept = []
    dropping = False
    for line, mark in zip(lines, marks, strict=True):
        if mark in "swm":
            dropping = True
        elif mark == "t" or not dropping:
            kept.append(line)
            dropping = False
    return kept


def _drop_headed_quotes(lines: list[str], marks: str) -> tuple[list[str], str]:
    """Remove each "wrote:" header together with the quoted block right below it."""
    drop = set()
    for match in re.finditer(r"w+e*(?:m[me]*)?", marks):
        drop.update(range(match.start(), match.end()))
    keep = [i for i in range(len(lines)) if i not in drop]
    return [lines[i] for i in keep], "".join(marks[i] for i in keep)


def _first_splitter(marks: str) -> int:
    """Return the index of the first line where history starts, or -1."""
    found = re.search("[sw]", marks)
    return found.start() if found else -1


def _quoted_after(rest: str) -> bool:
    """Tell whether the splitter is followed by quoted lines, not by the old message as text."""
    return re.match(r"[sw]+e*m", rest) is not None


def _drop_trailing_quote(lines: list[str], marks: str) -> list[str]:
    """Drop the block of ">" lines that ends the message; quotes followed by text stay."""
    trailing = re.search(r"[me]*$", marks)
    if trailing is None or "m" not in trailing.group():
        return lines
    return lines[: trailing.start()]


def mark_lines(lines: list[str]) -> tuple[str, list[str]]:
    """Mark each line: e = empty, m = quoted, w = "wrote:" header, s = other splitter, t = text."""
    lines = list(lines)
    marks: list[str] = []
    index = 0
    while index < len(lines):
        span = _splitter_span(lines, index)
        if not span:
            line = lines[index]
            marks.append("e" if not line.strip() else "m" if QUOTED_RE.match(line) else "t")
            index += 1
            continue
        start = qh.wrote_header_start(lines[index]) if span == 1 else 0
        if start:
            # The header shares its first line with the end of the reply.
            line = lines[index]
            lines[index : index + 1] = [line[:start].rstrip(" -"), line[start:]]
            marks.append("t")
            index += 1
        wrote = qh.wrote_header_start(_join(lines[index : index + span])) is not None
        rule = not wrote and _is_loose_rule(lines, index)
        marks.extend(("w" if wrote else "u" if rule else "s") * span)
        index += span
    return _settle_rules("".join(marks)), lines


def _is_loose_rule(lines: list[str], index: int) -> bool:
    """Tell whether a line is Outlook's rule of underscores with no message header below it."""
    if not qh.UNDERSCORES_RE.match(lines[index]):
        return False
    below = [line for line in lines[index + 1 : index + 4] if line.strip()][:1]
    if not below:
        return False
    return qh.field_name(below[0]) is None and qh.wrote_header_start(below[0]) is None


def _settle_rules(marks: str) -> str:
    """A rule with no header below opens history only when no later header does ("u" marks)."""
    if "u" not in marks:
        return marks
    last = max(marks.rfind("s"), marks.rfind("w"))
    return "".join(("t" if i < last else "s") if m == "u" else m for i, m in enumerate(marks))


def _splitter_span(lines: list[str], index: int) -> int:
    """Return how many lines the history header starting here spans (0 if none)."""
    line = lines[index]
    if not line.strip():
        return 0
    if qh.is_separator(line) or qh.is_field_block(lines, index):
        return 1
    if qh.UNDERSCORES_RE.match(line):
        return 1
    if QUOTED_RE.match(line):
        return 0
    if qh.wrote_header_start(line) is not None:
        return 1
    if not qh.may_open_header(line):
        return 0
    for span in range(2, HEADER_SPAN + 1):
        chunk = lines[index : index + span]
        if len(chunk) < span or not chunk[-1].strip():
            break
        if QUOTED_RE.match(chunk[-1]) and not CLOSING_RE.match(chunk[-1]):
            break
        if qh.wrote_header_start(_join(chunk)) == 0:
            return span
    return 0


def _join(lines: list[str]) -> str:
    """Join lines of a header that a client wrapped (also inside "<address>")."""
    joined = " ".join(line.strip() for line in lines)
    return WRAPPED_ADDRESS_RE.sub("", joined)
