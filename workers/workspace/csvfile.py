"""Read the CSV files spreadsheets really export, keeping each row's physical line number.

Excel, LibreOffice, Numbers and Google Sheets write UTF-8 (with or without a byte-order
mark), Windows-1252 or UTF-16, separate cells with commas, semicolons (where the comma is the
decimal mark) or tabs, end lines with CRLF, and quote cells holding delimiters or line breaks.
A coordinator fixes a file by its line numbers, so a row's number is the physical line it
starts on, counting every line break inside quoted cells (the header is line 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from workers.workspace.errors import CsvFileError

#: Delimiters spreadsheets write, in the order preferred when a header has as many of each.
DELIMITERS = ",;\t"

#: Characters of the file the sniffer reads (whole lines of it).
SNIFF_CHARS = 64 * 1024

#: Byte-order marks and the codec each one announces (UTF-32 before UTF-16: it starts alike).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Encodings tried in turn for a file without a byte-order mark; Latin-1 decodes any bytes.
FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")


@dataclass(frozen=True)
class Row:
    """One record of a file: its cells, stripped, and the line it starts on."""

    line: int
    cells: tuple[str, ...]
    error: str = ""  # why the record could not be read at all, when it could not


@dataclass(frozen=True)
class Table:
    """A whole file: its header row, its other non-blank rows, and how it was read."""

    header: Row
    rows: list[Row]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """Return a file's text and the encoding it was read with."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise CsvFileError(f"the file is not valid {encoding} despite its mark") from exc
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _first_line(text: str) -> str:
    return next((line for line in io.StringIO(text, newline="") if line.strip()), "")


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    """Return the delimiter of a CSV text: the sniffer's guess when the header agrees."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ""
    # The sniffer is fooled by delimiters inside cells (skills listed with semicolons in
    # a comma file); header names hold none, so the header has the final word.
    header = _first_line(text)
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    if guess in counts and counts[guess]:
        return guess
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def _reason(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end of data" in message:
        return "a quoted cell is never closed"
    if "expected after" in message:
        return 'text after a closing quote (write a quote inside a cell as "")'
    return f"the line cannot be read as CSV ({message})"


def read_rows(text: str, delimiter: str) -> Iterator[Row]:
    """Yield each non-blank record of ``text``, trailing empty cells dropped."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        skipinitialspace=True,
        strict=True,
    )
    read = 0
    while True:
        start = read + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            read = reader.line_num
            yield Row(start, (), _reason(exc))
            continue
        read = reader.line_num
        stripped = [cell.strip() for cell in cells]
        while stripped and not stripped[-1]:
            stripped.pop()
        if stripped:
            yield Row(start, tuple(stripped))


def read_table(data: bytes) -> Table:
    """Decode, sniff and read a whole file; raise CsvFileError if it has no readable header."""
    text, encoding = decode(data)
    if not text.strip():
        raise CsvFileError("the file is empty")
    delimiter = sniff_delimiter(text)
    rows = read_rows(text, delimiter)
    header = next(rows, None)
    if header is None:
        raise CsvFileError("the file has only empty cells")
    if header.error:
        raise CsvFileError(f"line {header.line}: the header row cannot be read")
    return Table(header=header, rows=list(rows), encoding=encoding, delimiter=delimiter)
