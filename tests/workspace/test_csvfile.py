"""The CSV reader on what spreadsheets really export: encodings, delimiters, quoting, lines."""

from __future__ import annotations

import codecs

import pytest

from workers.workspace.csvfile import decode, read_table, sniff_delimiter
from workers.workspace.errors import CsvFileError

#: A small sheet with accents, written out by the tests in each encoding and delimiter.
ROWS = [
    ["Name", "Email", "Department"],
    ["Zoë Brontë", "zoe@example.org", "Études"],
    ["Ada Lovelace", "ada@example.org", "Maths"],
]


def sheet(delimiter: str = ",", newline: str = "\r\n") -> str:
    return "".join(delimiter.join(row) + newline for row in ROWS)


def cells(table) -> list[tuple[str, ...]]:
    return [table.header.cells] + [row.cells for row in table.rows]


@pytest.mark.parametrize(
    "data, encoding",
    [
        (sheet().encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + sheet().encode("utf-8"), "utf-8-sig"),
        (sheet().encode("cp1252"), "cp1252"),
        (sheet("\t").encode("utf-16"), "utf-16"),  # Excel's "Unicode text"
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252", "utf-16 with BOM"],
)
def test_it_reads_each_encoding_spreadsheets_write(data, encoding):
    table = read_table(data)
    assert table.encoding == encoding
    assert cells(table) == [tuple(row) for row in ROWS]
    assert table.header.cells[0] == "Name"  # no byte-order mark left on the first header


def test_it_reads_windows_1252_punctuation_and_falls_back_to_latin_1():
    # Curly quotes and the euro sign are Windows-1252; 0x81 is undefined there, Latin-1 has it.
    assert decode("Name\r\n\u201cAl\u201d \u20ac5\r\n".encode("cp1252")) == (
        "Name\r\n\u201cAl\u201d \u20ac5\r\n",
        "cp1252",
    )
    assert decode(b"Name\r\nA\x81B\r\n") == ("Name\r\nA\x81B\r\n", "latin-1")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_it_sniffs_the_delimiter(delimiter, newline):
    table = read_table(sheet(delimiter, newline).encode())
    assert table.delimiter == delimiter
    assert cells(table) == [tuple(row) for row in ROWS]


def test_the_header_settles_a_delimiter_the_cells_would_mislead():
    # Every data row has more semicolons (in quoted cells) than commas.
    text = "Name,Email,Skills\r\n" + "".join(
        f'P{i},p{i}@example.org,"a; b; c; d"\r\n' for i in range(20)
    )
    assert sniff_delimiter(text) == ","
    # A semicolon file where commas are decimal marks.
    text = "Name;Email;Score\r\n" + "".join(f"P{i};p{i}@example.org;3,5\r\n" for i in range(20))
    assert sniff_delimiter(text) == ";"


def test_it_keeps_delimiters_and_line_breaks_inside_quoted_cells():
    data = (
        b'Name,Email,Notes\r\n"Smith, Jo",jo@example.org,"line one\nline two"\r\n'
        b'"Say ""hi""",hi@example.org,\r\n'
    )
    table = read_table(data)
    assert [row.cells for row in table.rows] == [
        ("Smith, Jo", "jo@example.org", "line one\nline two"),
        ('Say "hi"', "hi@example.org"),
    ]


def test_rows_carry_the_physical_line_they_start_on():
    # Given quoted cells spanning lines and blank rows between records
    data = (
        b"Name;Email\r\n"  # line 1
        b'"Ada\r\nLovelace";ada@example.org\r\n'  # lines 2-3
        b"\r\n"  # line 4, blank
        b";;;\r\n"  # line 5, only empty cells
        b'Bob;"bob@\nexample\norg"\r\n'  # lines 6-8
        b"Cy;cy@example.org\r\n"  # line 9
    )
    table = read_table(data)
    assert table.header.line == 1
    assert [(row.line, row.cells[0]) for row in table.rows] == [
        (2, "Ada\r\nLovelace"),
        (6, "Bob"),
        (9, "Cy"),
    ]


def test_it_drops_blank_rows_and_trailing_empty_columns():
    data = b"Name,Email,,,\r\n,,,,\r\nAda,ada@example.org,,,\r\n\r\n\r\nBob,bob@example.org\r\n"
    table = read_table(data)
    assert table.header.cells == ("Name", "Email")
    assert [(row.line, row.cells) for row in table.rows] == [
        (3, ("Ada", "ada@example.org")),
        (6, ("Bob", "bob@example.org")),
    ]


def test_it_strips_spaces_around_cells_and_after_delimiters():
    table = read_table(b'Name, Email\r\n  Ada , "ada@example.org"\r\n')
    assert table.rows[0].cells == ("Ada", "ada@example.org")


def test_a_header_on_a_later_line_keeps_its_line_number():
    table = read_table(b"\r\n\r\nName,Email\r\nAda,ada@example.org\r\n")
    assert (table.header.line, table.rows[0].line) == (3, 4)


def test_a_broken_quote_is_a_bad_row_and_reading_goes_on():
    data = b'Name,Email\r\nAda,ada@example.org\r\n"Bo"b,bob@example.org\r\nCy,cy@example.org\r\n'
    table = read_table(data)
    assert [(row.line, row.cells, bool(row.error)) for row in table.rows] == [
        (2, ("Ada", "ada@example.org"), False),
        (3, (), True),
        (4, ("Cy", "cy@example.org"), False),
    ]
    assert "closing quote" in table.rows[1].error


def test_an_unclosed_quote_is_reported_on_the_line_it_opens():
    table = read_table(b'Name,Email\r\nAda,ada@example.org\r\n"Bob,bob@example.org\r\nCy,c\r\n')
    assert [(row.line, row.error) for row in table.rows] == [
        (2, ""),
        (3, "a quoted cell is never closed"),
    ]


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", codecs.BOM_UTF8, b",,,\r\n,,\r\n"])
def test_it_refuses_a_file_without_a_header(data):
    with pytest.raises(CsvFileError):
        read_table(data)


def test_a_header_alone_is_a_table_without_rows():
    table = read_table(b"Name,Email\r\n")
    assert table.header.cells == ("Name", "Email") and table.rows == []
