"""Files are accepted by what their bytes are, and quiz answers are read as people write them."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from tests.assignments.world import EXE, PDF
from workers.assignments import files, quiz
from workers.assignments.errors import InvalidAssignment

#: A 1x1 PNG's signature and header.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
PLAIN_ZIP = zipped({"run.sh": b"rm -rf /"})


@dataclass
class Part:
    filename: str
    data: bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (ODT, "application/vnd.oasis.opendocument.text"),
        ("Mon plan d'action, étape 1".encode(), "text/plain"),
        ("Plán činnosti, krok 1".encode("iso-8859-2"), "text/plain"),
        (EXE, ""),
        (PLAIN_ZIP, ""),
        (b"<html><script>alert(1)</script></html>", ""),
        (b"<svg onload=alert(1)>", ""),
        (b"\xff\xfe\x00broken", ""),
        (b"\x1f\x8b\x08\x00gzip", ""),
    ],
)
def test_it_tells_the_type_from_the_bytes(data, expected):
    assert files.sniff(data) == expected


def test_it_refuses_by_size_type_and_count_with_reasons_people_read():
    parts = [Part("a.pdf", PDF), Part("b.pdf", EXE), Part("c.pdf", PDF + b"x" * 2000)]
    parts += [Part(f"{n}.txt", b"ok") for n in range(10)]
    checked = files.check(parts, limit=1024)
    assert checked[0].reason == ""
    assert checked[1].reason.startswith("its content is not an accepted type (")
    assert checked[2].reason == "it is 0.0 MB, over the 0.0 MB limit"
    assert checked[-1].reason == "only the first 10 files of a reply are kept"


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\plan.docx", "plan.docx"),
        (".htaccess", "htaccess"),
        ("plan\r\nX-Evil: 1.pdf", "plan__X-Evil: 1.pdf"),
        ("", "attachment"),
    ],
)
def test_it_keeps_only_a_harmless_original_name(name, clean):
    assert files.clean_name(name) == clean


def test_it_reads_only_names_it_made_as_stored_files():
    with pytest.raises(FileNotFoundError):
        files.stored_path("../../tandem.db")
    assert files.stored_path("a" * 32).name == "a" * 32


@pytest.mark.parametrize(
    ("reply", "score", "wrong", "missing"),
    [
        ("1 b, 2 true, 3 Paris", 3, [], []),
        ("1. B\n2. T\n3. paris.", 3, [], []),
        ("1) (b)  2) false  3) Lyon", 1, [2, 3], []),
        ("2 true, 3 Paris", 2, [], [1]),
        ("I don't know", 0, [], [1, 2, 3]),
    ],
)
def test_a_quiz_reply_is_scored_against_the_key(reply, score, wrong, missing):
    result = quiz.score("1. b 2. true 3. paris", reply)
    assert (result.score, result.out_of, result.wrong, result.missing) == (
        3 and score,
        3,
        wrong,
        missing,
    )


def test_a_key_may_accept_several_answers_and_numbers_as_answers():
    assert quiz.score("1. 42 2. paris | Paris, France", "1. 42\n2. paris, france").score == 2
    assert quiz.score("1. 42 2. 7", "1 42 2 8").wrong == [2]


def test_a_key_without_numbered_answers_is_refused():
    with pytest.raises(InvalidAssignment):
        quiz.parse_key("b, true, paris")
