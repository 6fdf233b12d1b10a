"""Bounces of less common servers and calendar replies however they arrive, from the formats."""

from __future__ import annotations

import pytest

from workers.reading.bounce_text import TEXT_RULE
from workers.reading.bounces import parse_bounces
from workers.reading.classify import classify
from workers.reading.confidence import LOW_CONFIDENCE
from workers.reading.message import parse_message

#: A server's free-text report; the sender, subject, extra fields and body vary per server.
REPORT = (
    "From: {sender}\r\nTo: ada@example.org\r\nSubject: {subject}\r\n"
    "Message-ID: <n1@mx.example.net>\r\n{extra}MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
)

DAEMON = "Mail Delivery System <MAILER-DAEMON@mx.example.net>"

#: An iTIP REPLY (RFC 5546 3.2.3): Bob accepts one occurrence of a recurring session.
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Client//EN\r\nMETHOD:REPLY\r\n"
    "BEGIN:VEVENT\r\nUID:s-7@tandem.test\r\nRECURRENCE-ID:20260310T090000Z\r\n"
    "DTSTAMP:20260302T090000Z\r\nSEQUENCE:2\r\nORGANIZER:mailto:t@tandem.test\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED;CN=Bob:mailto:bob@example.com\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)

HEAD = (
    "From: Bob <bob@example.com>\r\nTo: t@tandem.test\r\nSubject: Accepted\r\nMIME-Version: 1.0\r\n"
)


def report(body: str, subject: str, sender: str = DAEMON, extra: str = "") -> bytes:
    return REPORT.format(sender=sender, subject=subject, extra=extra, body=body).encode()


def read(raw: bytes) -> list[tuple[str, str]]:
    msg = parse_message(raw)
    assert classify(msg, secret="x").kind == "bounce"
    return [(info.recipient, info.status[:1]) for info in parse_bounces(msg, secret="x")]


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        (  # Exchange 2003: the recipient, then the server's code in angle brackets
            "Undeliverable: Your update",
            "Your message did not reach some or all of the intended recipients.\r\n\r\n"
            "The following recipient(s) could not be reached:\r\n\r\n"
            "      bob@corp.example.com on 02/03/2026 09:01\r\n"
            "            The e-mail account does not exist.\r\n"
            "            <mx.corp.example.com #5.1.1>\r\n",
            [("bob@corp.example.com", "5")],
        ),
        (  # Exim: "The following address(es) failed", the remote answer indented below
            "Mail delivery failed: returning message to sender",
            "A message that you sent could not be delivered to one or more of its\r\n"
            "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
            "  bob@example.com\r\n    SMTP error from remote mail server after RCPT TO:\r\n"
            "    550 5.1.1 User unknown\r\n",
            [("bob@example.com", "5")],
        ),
        (  # Sendmail: the permanent errors block, then the transcript
            "Returned mail: see transcript for details",
            "   ----- The following addresses had permanent fatal errors -----\r\n"
            "<bob@example.com>\r\n    (reason: 550 5.1.1 User unknown)\r\n",
            [("bob@example.com", "5")],
        ),
        (  # Postfix: a 4xx answer returned after the queue lifetime is a 4.x.x status
            "Undelivered Mail Returned to Sender",
            "I'm sorry to have to inform you that your message could not\r\n"
            "be delivered to one or more recipients.\r\n\r\n<bob@example.com>: host "
            "mx.example.com said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)\r\n",
            [("bob@example.com", "4")],
        ),
        (  # OpenSMTPD: "address: answer" under a fixed introduction
            "Delivery status notification: error",
            "    This is the MAILER-DAEMON, please DO NOT REPLY to this email.\r\n\r\n"
            "    An error has occurred while attempting to deliver a message for\r\n"
            "    the following list of recipients:\r\n\r\n"
            "bob@example.com: 421 4.7.0 Try again later\r\n",
            [("bob@example.com", "4")],
        ),
        (  # A French ISP's wording, with no code at all
            "Message non remis",
            "Votre message n'a pas pu être remis au destinataire suivant :\r\n\r\n"
            "bob@orange.example.fr : adresse inconnue.\r\n",
            [("bob@orange.example.fr", "5")],
        ),
        (  # One line naming several addresses says the same of each
            "Undelivered Mail Returned to Sender",
            "Your message could not be delivered to the following recipients:\r\n\r\n"
            "bob@example.com, carol@example.com; dan@example.org: 550 5.1.1 User unknown\r\n",
            [("bob@example.com", "5"), ("carol@example.com", "5"), ("dan@example.org", "5")],
        ),
    ],
)
def test_it_reads_free_text_bounces_of_each_server(subject, body, expected) -> None:
    assert read(report(body, subject)) == expected


def test_it_reads_a_list_server_refusal_as_a_bounce() -> None:
    # Given fml's answer to a post from someone who is not a member of the list
    raw = report(
        "You are not a member of this mailing list <mentors@lists.example.jp>.\r\n",
        "NOT MEMBER article from t@tandem.test (mentors ML)",
        sender="mentors-admin@lists.example.jp",
        extra="X-MLServer: fml [fml 4.0.3 release]\r\n",
    )
    # Then it is a bounce for the list's address
    assert read(raw) == [("mentors@lists.example.jp", "5")]


def test_it_is_not_sure_of_a_bounce_that_names_nobody() -> None:
    raw = report(
        "Your message did not reach some or all of the intended recipients.\r\n\r\n"
        "The following recipient(s) could not be reached:\r\n\r\n      'Bob Smith'\r\n",
        "Undeliverable: Your update",
        sender="System Administrator <postmaster@corp.example.com>",
    )
    found = classify(parse_message(raw), secret="x")
    assert found.kind == "bounce" and found.confidence < LOW_CONFIDENCE


def test_it_says_which_rule_read_a_bounce() -> None:
    body = "could not be delivered to:\r\n\r\nbob@example.com: 550 5.1.1 User unknown\r\n"
    found = classify(parse_message(report(body, "Undelivered Mail")), secret="x")
    assert (found.rule, found.confidence >= LOW_CONFIDENCE) == (TEXT_RULE, True)


def multipart(*parts: str) -> bytes:
    body = "".join(f"--b\r\n{part}\r\n" for part in parts)
    head = f'{HEAD}Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    return (head + body + "--b--\r\n").encode()


TEXT = "Content-Type: text/plain\r\n\r\nBob has accepted."


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            multipart(TEXT, f"Content-Type: text/calendar; method=REPLY\r\n\r\n{ICS}"),
            id="inline part",
        ),
        pytest.param(
            multipart(
                TEXT,
                "Content-Type: application/ics; name=invite.ics\r\n"
                "Content-Disposition: attachment; filename=invite.ics\r\n\r\n" + ICS,
            ),
            id="attachment",
        ),
        pytest.param(
            (HEAD + "Content-Type: text/calendar; method=REPLY\r\n\r\n" + ICS).encode(),
            id="only body",
        ),
        pytest.param((HEAD + "Content-Type: text/plain\r\n\r\n" + ICS).encode(), id="as text"),
        pytest.param(ICS.encode(), id="bare object"),
        pytest.param(
            # A broken part: the object first, the part's own fields after it, no blank line
            multipart(
                TEXT,
                ICS.rstrip("\r\n")
                + "\r\nContent-Type: text/calendar; method=REPLY; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n",
            ),
            id="headers after the body",
        ),
    ],
)
def test_it_finds_a_calendar_reply_however_it_arrives(raw: bytes) -> None:
    found = classify(parse_message(raw), secret="x")
    assert found.kind == "calendar_reply"
    cal = found.calendar
    assert (cal.uid, cal.attendee, cal.partstat) == (
        "s-7@tandem.test",
        "bob@example.com",
        "ACCEPTED",
    )
    assert cal.recurrence_id == "2026-03-10T09:00:00+00:00"
    assert cal.sequence == 2
