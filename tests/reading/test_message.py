"""Parsing raw inbound mail: headers, charsets, transfer encodings, MIME structure, garbage."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.reading.charsets import decode_bytes, unflow
from workers.reading.message import UnreadableMessage, parse_message

PLAIN = b"""\
From: =?utf-8?q?Ada_Lov=C3=A9lace?= <Ada@Example.ORG>
To: Tandem <Reply+abc@Tandem.test>, bob@example.org
Cc: =?utf-8?q?Carol=2C_C=2E?= <CAROL@example.org>
Subject: =?utf-8?b?UmU6IMOJdGF0IGR1IHBsYW4=?=
Message-ID: <reply-1@example.org>
In-Reply-To: <out-7@tandem.test>
References: <out-1@tandem.test>
 <out-7@tandem.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

2 done =E2=80=94 merci
"""


def _single(body: bytes, ctype: str, encoding: str = "8bit", subject: bytes = b"Hi") -> bytes:
    return (
        b"From: ada@example.org\nSubject: " + subject + b"\nMIME-Version: 1.0\n"
        b"Content-Type: " + ctype.encode() + b"\nContent-Transfer-Encoding: "
        + encoding.encode() + b"\n\n" + body
    )  # fmt: skip


def test_it_reads_addresses_threading_and_encoded_headers() -> None:
    parsed = parse_message(PLAIN)
    assert parsed.sender == "ada@example.org"
    assert parsed.sender_name == "Ada Lovélace"
    assert parsed.subject == "Re: État du plan"
    assert parsed.message_id == "<reply-1@example.org>"
    assert parsed.in_reply_to == ["<out-7@tandem.test>"]
    assert parsed.references == ["<out-1@tandem.test>", "<out-7@tandem.test>"]
    assert parsed.to == ["reply+abc@tandem.test", "bob@example.org"]
    assert parsed.cc == ["carol@example.org"]
    assert parsed.text.strip() == "2 done — merci"
    assert parsed.html is None
    assert parsed.headers["Message-ID"] == "<reply-1@example.org>"


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-2022-jp", "了解しました。2 完了"),
        ("koi8-r", "Сделано, спасибо"),
        ("gb2312", "已完成，谢谢"),
        ("windows-1252", "“done” – thanks"),
        ("shift_jis", "了解です"),
        ("euc-kr", "완료했습니다"),
    ],
)
def test_it_decodes_legacy_charsets(charset: str, text: str) -> None:
    body = base64.encodebytes(text.encode(charset))
    parsed = parse_message(_single(body, f"text/plain; charset={charset}", "base64"))
    assert parsed.text.strip() == text


@pytest.mark.parametrize(
    ("charset", "codec", "text"),
    [
        ("windows-874", "cp874", "เสร็จแล้ว"),
        ("cp-850", "cp850", "Terminé"),
        ("IBM-437", "cp437", "Fertig ü"),
    ],
)
def test_it_decodes_code_pages_written_with_a_dash_or_prefix(
    charset: str, codec: str, text: str
) -> None:
    assert decode_bytes(text.encode(codec), charset) == text


def test_it_reads_cp1252_bytes_declared_as_latin1() -> None:
    raw = _single("“done”".encode("cp1252"), "text/plain; charset=iso-8859-1")
    assert parse_message(raw).text.strip() == "“done”"


@pytest.mark.parametrize("charset", ["x-unknown", "utf-8", "us-ascii", '"bogus""'])
def test_it_falls_back_when_the_declared_charset_is_wrong(charset: str) -> None:
    raw = _single("Grüße — ok".encode("cp1252", "replace"), f"text/plain; charset={charset}")
    assert "ok" in parse_message(raw).text


def test_it_decodes_an_unknown_charset_in_an_encoded_word() -> None:
    raw = _single(b"x", "text/plain", subject=b"=?x-nope?q?caf=C3=A9?=")
    assert parse_message(raw).subject == "café"


def test_it_rescues_raw_8bit_headers() -> None:
    raw = _single(b"x", "text/plain", subject="Réunion 5 à 7".encode())
    raw = raw.replace(b"From: ada@example.org", "From: Zoë <Zoe@example.org>".encode())
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.sender, parsed.sender_name) == (
        "Réunion 5 à 7",
        "zoe@example.org",
        "Zoë",
    )


def test_it_converts_html_only_mail_to_text() -> None:
    html = b"<html><body><p>2 done</p><p>3 <b>blocked</b>: budget</p></body></html>"
    parsed = parse_message(_single(html, "text/html; charset=utf-8"))
    assert parsed.html is not None and "<b>blocked</b>" in parsed.html
    assert parsed.text == "2 done\n\n3 blocked: budget"


NESTED = b"""\
From: Ada <ada@example.org>
Subject: Accepted
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8

See you there
--inner
Content-Type: text/html; charset=utf-8

<p>See you there</p>
--inner
Content-Type: text/calendar; charset=utf-8; method=REPLY

BEGIN:VCALENDAR
METHOD:REPLY
END:VCALENDAR
--inner--
--outer
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

QkVHSU46VkNBTEVOREFSDQpNRVRIT0Q6UkVQTFkNCkVORDpWQ0FMRU5EQVINCg==
--outer
Content-Type: application/pdf; name="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: message/rfc822

From: old@example.org
Subject: forwarded

old words
--outer--
"""


def test_it_walks_nested_parts_into_text_html_attachments_and_calendar() -> None:
    parsed = parse_message(NESTED)
    assert parsed.text.strip() == "See you there"
    assert parsed.html == "<p>See you there</p>"
    assert [m for m, _ in parsed.calendar_parts] == ["REPLY", ""]
    assert all("METHOD:REPLY" in ics for _, ics in parsed.calendar_parts)
    names = [(a.filename, a.content_type, a.size) for a in parsed.attachments]
    assert ("résumé.pdf", "application/pdf", 9) in names
    assert ("invite.ics", "application/ics", 46) in names
    forwarded = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    assert b"old words" in forwarded[0].data
    assert "old words" not in parsed.text


def test_it_joins_format_flowed_lines() -> None:
    body = b"This line was wrapped \nby the client.\n> quoted \n> too\n-- \nsig"
    parsed = parse_message(_single(body, "text/plain; charset=utf-8; format=flowed"))
    assert parsed.text == "This line was wrapped by the client.\n> quoted too\n-- \nsig"
    assert unflow("a \nb", delsp=True) == "ab"


def test_it_records_defects_of_malformed_mime_without_crashing() -> None:
    raw = (
        b"From: ada@example.org\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="gone"\n\nno boundary ever appears\n'
    )
    parsed = parse_message(raw)
    assert parsed.defects
    assert parsed.sender == "ada@example.org"


def test_it_survives_broken_base64() -> None:
    raw = _single(b"!!!not base64 at all===\n", "text/plain; charset=utf-8", "base64")
    parsed = parse_message(raw)
    assert isinstance(parsed.text, str)


def test_it_parses_a_huge_message() -> None:
    body = b"2 done\n" + b"> quoted line of the history\n" * 200_000
    parsed = parse_message(_single(body, "text/plain; charset=utf-8"))
    assert parsed.text.startswith("2 done")


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\xff\xfe binary without headers"])
def test_it_raises_unreadable_only_when_nothing_is_usable(raw: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        parse_message(raw)


def test_it_reads_a_message_saved_with_blank_lines_before_its_header() -> None:
    # Given a message some tool saved with empty lines before the first header field
    raw = b"\n \r\n" + PLAIN
    # When
    parsed = parse_message(raw)
    # Then the header is read as a header, not as the body
    assert (parsed.sender, parsed.message_id) == ("ada@example.org", "<reply-1@example.org>")
    assert parsed.text.strip() == "2 done \u2014 merci"


def test_it_reads_a_message_without_from() -> None:
    parsed = parse_message(b"Subject: orphan\n\nhello")
    assert (parsed.sender, parsed.subject, parsed.text) == ("", "orphan", "hello")


def test_it_decodes_bytes_with_graceful_fallbacks() -> None:
    assert decode_bytes("é".encode(), None) == "é"
    assert decode_bytes("é".encode("cp1252"), "utf-8") == "é"
    assert decode_bytes(b"\x1b$B$3$s$K$A$O\x1b(B", None) == "こんにちは"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_it_never_crashes_on_random_bytes(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except UnreadableMessage:
        return
    assert isinstance(parsed.text, str)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_it_never_crashes_on_mutated_mail(data: st.DataObject) -> None:
    # Given a real-looking message with random bytes spliced in
    raw = bytearray(NESTED)
    for _ in range(data.draw(st.integers(1, 20))):
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    # When it is parsed, it either reads or is declared unreadable
    try:
        parsed = parse_message(bytes(raw))
    except UnreadableMessage:
        return
    assert isinstance(parsed.text, str)
