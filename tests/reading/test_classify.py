"""Deciding what kind a message is: reply, calendar reply, auto-reply or bounce."""

from __future__ import annotations

from email.header import Header

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from workers.reading.classify import KINDS, classify
from workers.reading.message import UnreadableMessage, parse_message

MESSAGE_TMPL = """\
From: Ann Example <ann@example.com>
To: reply+1-c-2-abc-0123456789abcdef@tandem.example
Subject: {subject}
Message-ID: <m1@example.com>
{headers}
{body}
"""

CALENDAR_TMPL = """\
From: Ann Example <ann@example.com>
To: tandem@tandem.example
Subject: Accepted: Follow-up session
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="C"

--C
Content-Type: text/plain

Ann has accepted this invitation.

--C
Content-Type: text/calendar; charset=UTF-8; method={method}

BEGIN:VCALENDAR
METHOD:{method}
BEGIN:VEVENT
UID:s-7@tandem.example
SEQUENCE:1
ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com
END:VEVENT
END:VCALENDAR

--C--
"""

DSN_WITH_AUTO_HEADERS = b"""\
Return-Path: <>
From: MAILER-DAEMON@mx.example.org
To: tandem@tandem.example
Auto-Submitted: auto-replied
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: message/delivery-status

Final-Recipient: rfc822; ann@example.com
Action: failed
Status: 5.1.1

--B--
"""


def message(subject="Re: Your progress update", headers="", body="2 done\n"):
    subject = Header(subject, "utf-8").encode() if not subject.isascii() else subject
    text = MESSAGE_TMPL.format(subject=subject, headers=headers, body=body)
    return parse_message(text.encode())


def test_it_reads_a_persons_answer_as_a_reply():
    found = classify(message())

    assert (found.kind, found.bounce, found.calendar) == ("reply", None, None)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: Vacation",
        "X-Auto-Reply: true",
        "X-MS-Exchange-Inbox-Rules-Loop: ann@example.com",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: auto_reply",
        "Precedence: list",
        "Return-Path: <>",
    ],
)
def test_it_recognises_auto_reply_headers(header):
    found = classify(message(headers=header))

    assert found.kind == "auto_reply"
    assert found.reason


def test_it_reads_auto_submitted_no_as_a_person():
    assert classify(message(headers="Auto-Submitted: no")).kind == "reply"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Your progress update",
        "Automatic reply: Your progress update",
        "Auto-Reply: Your progress update",
        "Abwesenheitsnotiz: Ihr Fortschritt",
        "Réponse automatique : Votre point d'avancement",
        "Absence du bureau",
        "Respuesta automática: Su actualización",
        "Risposta automatica: aggiornamento",
        "Automatisch antwoord: Uw update",
        "Autosvar: Din uppdatering",
        "自動応答: 進捗",
        "自动回复: 进度",
        "Frånvarande: Din uppdatering",
        "Poissa: Päivitys",
        "【不在】Re: 進捗",
        "Automatická odpověď: Aktualizace",
        "Automatikus válasz: Frissítés",
        "자동 회신: 진행",
        "Αυτόματη απάντηση: Ενημέρωση",
        "Автовідповідь: Оновлення",
        "Răspuns automat: Actualizare",
        "Fravær: Din oppdatering",
        "Away from my email until Monday",
        "Please confirm your message to ann@example.com",
        "Your message awaits verification: Your progress update",
        "[AUTO GENERATED] Your progress update",
    ],
)
def test_it_recognises_out_of_office_subjects(subject):
    assert classify(message(subject=subject)).kind == "auto_reply"


def test_it_does_not_take_outlooks_suppress_header_alone_for_an_auto_reply():
    # Outlook sets this on ordinary mail it sends, so alone it says nothing.
    assert classify(message(headers="X-Auto-Response-Suppress: All")).kind == "reply"


def test_it_takes_outlooks_suppress_header_with_an_absence_text_for_an_auto_reply():
    found = classify(
        message(
            headers="X-Auto-Response-Suppress: All",
            body="I am currently out of the office until Monday.\n",
        )
    )

    assert found.kind == "auto_reply"


def test_it_reads_a_personal_reply_relayed_by_a_mailing_list_as_a_reply():
    headers = "Precedence: list\nList-Id: Mentors <mentors.example.com>"

    assert classify(message(headers=headers)).kind == "reply"


@pytest.mark.parametrize("method", ["REPLY", "COUNTER"])
def test_it_reads_a_calendar_answer_before_its_auto_headers(method):
    # Given: Google marks calendar replies Auto-Submitted
    msg = parse_message(CALENDAR_TMPL.format(method=method).encode())
    # When
    found = classify(msg)
    # Then
    assert found.kind == "calendar_reply"
    assert (found.calendar.method, found.calendar.partstat) == (method, "ACCEPTED")
    assert found.calendar.attendee == "ann@example.com"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_it_does_not_read_an_invitation_as_a_calendar_reply(method):
    msg = parse_message(CALENDAR_TMPL.format(method=method).encode())

    assert classify(msg).kind == "auto_reply"  # what is left is Google's Auto-Submitted


def test_it_reads_a_bounce_before_its_auto_headers():
    found = classify(parse_message(DSN_WITH_AUTO_HEADERS), secret="s")

    assert found.kind == "bounce"
    assert (found.bounce.recipient, found.bounce.status) == ("ann@example.com", "5.1.1")


@hyp_settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=len(DSN_WITH_AUTO_HEADERS)))
def test_it_never_raises_on_mangled_messages(noise, cut):
    # Given: a real-looking report with random bytes spliced in
    raw = DSN_WITH_AUTO_HEADERS[:cut] + noise + DSN_WITH_AUTO_HEADERS[cut:]
    try:
        msg = parse_message(raw)
    except UnreadableMessage:
        return
    # When / Then: it gets one of the kinds, whatever the bytes
    assert classify(msg, secret="s").kind in KINDS


READ_RECEIPT = b"""\
From: Ann Example <ann@example.com>
To: tandem@tandem.example
Subject: Read: Your progress update
Content-Type: multipart/report; report-type=disposition-notification; boundary="R"

--R
Content-Type: text/plain

Your message was read on Monday.

--R
Content-Type: message/disposition-notification

Final-Recipient: rfc822; ann@example.com
Disposition: manual-action/MDN-sent-manually; displayed

--R--
"""


def test_it_reads_a_read_receipt_as_an_auto_reply():
    found = classify(parse_message(READ_RECEIPT))

    assert (found.kind, found.bounce) == ("auto_reply", None)
