"""Replies, forwards and MIME oddities read from what the formats and clients document."""

from __future__ import annotations

import base64

import pytest

from workers.reading.confidence import LOW_CONFIDENCE
from workers.reading.message import parse_message
from workers.reading.trimming import (
    FORWARD_ALONE,
    FORWARD_KEPT,
    ONLY_QUOTE,
    QUOTE_HEADER,
    reply_text,
    trim,
    trim_reply,
)

#: A reply as a client sends it; ``{subject}`` and ``{body}`` vary per case.
MESSAGE = (
    "From: Ada <ada@example.org>\r\nTo: reply@tandem.test\r\nSubject: {subject}\r\n"
    "Message-ID: <r1@example.org>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
)

#: A forwarded message in Gmail's layout (RFC 5322 fields under a separator line).
FORWARDED = (
    "---------- Forwarded message ---------\n"
    "From: Bob <bob@example.com>\nDate: Mon, 2 Mar 2026 at 09:00\n"
    "Subject: Budget\nTo: Ada <ada@example.org>\n\nThe budget is approved.\n"
)


def message(body: str, subject: str = "Re: Your update") -> bytes:
    return MESSAGE.format(subject=subject, body=body).encode()


def test_it_keeps_the_forwarded_part_of_a_message_sent_as_a_forward() -> None:
    # Given a person forwarding a message on, with a line of their own above it
    msg = parse_message(message(f"This is what Bob said.\n\n{FORWARDED}", "Fwd: Budget"))
    # When
    found = reply_text(msg)
    # Then the forwarded message is part of what they sent
    assert "The budget is approved." in found.text
    assert found.text.startswith("This is what Bob said.")
    assert found.rule == FORWARD_KEPT


def test_it_cuts_a_forward_below_a_reply_that_does_not_say_it_forwards() -> None:
    found = reply_text(parse_message(message(f"Done, see below.\n\n{FORWARDED}")))
    assert found.text == "Done, see below."


def test_it_keeps_a_forward_alone_but_is_not_sure_of_it() -> None:
    found = trim(FORWARDED)
    assert "The budget is approved." in found.text
    assert (found.rule, found.confidence < LOW_CONFIDENCE) == (FORWARD_ALONE, True)


@pytest.mark.parametrize(
    "body",
    [
        "On Mon, 2 Mar 2026 at 09:00, Tandem <t@tandem.test> wrote:\n> Hello\n> How is it?\n",
        "> Hello\n> How is it?\n>\n> Tandem\n",
    ],
)
def test_it_reads_nothing_from_a_reply_that_is_only_a_quote(body: str) -> None:
    found = trim(body)
    assert (found.text, found.rule) == ("", ONLY_QUOTE)
    assert found.confidence < LOW_CONFIDENCE


def test_it_keeps_emoji() -> None:
    body = "Done 👍🎉 — all three 🙂\n\nOn Mon, 2 Mar 2026, Tandem <t@tandem.test> wrote:\n> Hi\n"
    assert trim_reply(body) == "Done 👍🎉 — all three 🙂"


@pytest.mark.parametrize(
    "sign_off",
    [
        "Sent from my Samsung Galaxy smartphone.",
        "Sent from my Fairphone 4",
        "Sent from Yahoo Mail for iPhone",
        "Sent from my BlackBerry 10 smartphone on the Rogers network.",
        "Sent via the Acme Mail app",
        "Gönderen: iPhone",
        "iPhone'umdan gönderildi",
    ],
)
def test_it_drops_a_device_sign_off_of_several_words(sign_off: str) -> None:
    assert trim_reply(f"All good.\n\n{sign_off}\n") == "All good."


def test_it_keeps_a_sentence_that_starts_like_a_sign_off() -> None:
    text = "Here it is\n\nSent from my desk, which is easier than my phone."
    assert trim_reply(text) == text


@pytest.mark.parametrize(
    "header",
    [
        "Il giorno lun 2 mar 2026 alle ore 09:00 Tandem <t@tandem.test> ha scritto:",
        "Il giorno 02/03/2026 09:00, Tandem ha scritto:",
        "Il 02/03/2026 09:00, Tandem <t@tandem.test> ha scritto:",
        "On 2 Mar 2026, at 09:00, Tandem <t@tandem.test> wrote:",
        "On Mar 2, 2026 at 9:00 +0100, Tandem <t@tandem.test>, wrote:",
        "* Tandem <t@tandem.test> [2026-03-02 09:00]:",
        "Le lun. 2 mars 2026 à 09:00, Tandem <t@tandem.test> a écrit :",
    ],
)
def test_it_cuts_at_quote_headers_of_less_common_clients(header: str) -> None:
    found = trim(f"Fatto.\n\n{header}\n> Ciao\n> Come va?\n")
    assert (found.text, found.rule) == ("Fatto.", QUOTE_HEADER)


def test_it_cuts_at_an_outlook_header_with_only_a_from_line() -> None:
    body = "Done.\n\nFrom: Tandem <t@tandem.test>\n\nHello, how is it going?\nThanks\n"
    assert trim_reply(body) == "Done."


def test_it_keeps_a_from_line_the_person_wrote_in_their_text() -> None:
    body = "From: the board, approved\nWe start Monday."
    assert trim_reply(body) == body


@pytest.mark.parametrize(
    "delimiter",
    [
        "##- Please type your reply above this line -##",
        "-------- Original Message --------",
        "*-----Original Message-----*",
    ],
)
def test_it_cuts_at_delimiter_lines(delimiter: str) -> None:
    assert trim_reply(f"Done.\n\n{delimiter}\nHello, how is it going?\n") == "Done."


@pytest.mark.parametrize(
    "field",
    [
        "=?utf-8?B?" + base64.b64encode("Ann Lée <ann@example.org>".encode()).decode() + "?=",
        "=?utf-8?Q?Ann_Lee_<ann@example.org>?=",
        "=?koi8-r?B?4c7O?= <ann@example.org>",
        "=?x-unknown?Q?Ann?= <ann@example.org>",
    ],
)
def test_it_reads_a_sender_in_an_unusual_encoding(field: str) -> None:
    raw = f"From: {field}\r\nSubject: x\r\n\r\nhello\r\n".encode()
    assert parse_message(raw).sender == "ann@example.org"


def test_it_reads_a_mime_part_with_no_content_type_as_plain_text() -> None:
    # RFC 2045 5.2: a part without Content-Type is text/plain; charset=us-ascii.
    raw = (
        b"From: ada@example.org\r\nSubject: Re: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n2 done, caf=C3=A9 booked=\r\n\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n'
    )
    msg = parse_message(raw)
    assert msg.text.strip() == "2 done, café booked"
    assert [a.filename for a in msg.attachments] == ["a.pdf"]
