"""Reading bounces: RFC 3464 reports, free-text bounces, VERP and feedback reports."""

from __future__ import annotations

import pytest

from workers.outbound.tokens import make_bounce_address
from workers.reading.bounces import is_bounce, is_hard, parse_bounce, parse_bounces
from workers.reading.message import parse_message

SECRET = "test-secret"

DSN_TMPL = """\
Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system. I'm sorry to have to inform you that your message
could not be delivered to one or more recipients.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; ann@example.com
Original-Recipient: rfc822;ann@example.com
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

Final-Recipient: rfc822; <bob@example.net>
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

--B
Content-Type: message/rfc822

Message-ID: <out-17@tandem.example>
From: Tandem <tandem@tandem.example>
To: ann@example.com
Subject: Your progress update

Hello
--B--
"""

QMAIL = b"""\
From: MAILER-DAEMON@mail.example.jp
To: tandem@tandem.example
Subject: failure notice

Hi. This is the qmail-send program at mail.example.jp.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<nobody@example.jp>:
192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 <nobody@example.jp>... User Unknown
Giving up on 192.0.2.1.

--- Below this line is a copy of the message.

Message-ID: <out-18@tandem.example>
To: nobody@example.jp
"""

EXIM = b"""\
From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: tandem@tandem.example
X-Failed-Recipients: gone@example.org
Auto-Submitted: auto-replied
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    host mx.example.org [192.0.2.20]: 550 No Such User Here

------ This is a copy of the message, including all the headers. ------

Message-Id: <out-19@tandem.example>
"""

FEEDBACK = b"""\
From: feedback@mail.example.com
To: tandem@tandem.example
Subject: Email Feedback Report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Rcpt-To: <ann@example.com>

--F
Content-Type: message/rfc822

Message-ID: <out-20@tandem.example>
To: ann@example.com
Subject: Reminder

Hello
--F--
"""

PERSON_ABOUT_A_BOUNCE = b"""\
From: Ann <ann@example.com>
To: reply+1-c-2-abc-0123456789abcdef@tandem.example
Subject: Re: Undelivered Mail Returned to Sender

Your mail to bob@example.net could not be delivered, he left the company (550).
"""


def dsn(action="failed", status="5.1.1", diagnostic="550 5.1.1 User unknown", to="x@example.org"):
    text = DSN_TMPL.format(action=action, status=status, diagnostic=diagnostic, to=to)
    return parse_message(text.encode())


def test_it_reads_every_recipient_of_a_delivery_report():
    infos = parse_bounces(dsn(), secret=SECRET)

    assert [(i.recipient, i.status, i.action, i.hard) for i in infos] == [
        ("ann@example.com", "5.1.1", "failed", True),
        ("bob@example.net", "5.2.2", "failed", False),
    ]
    assert infos[0].diagnostic == "550 5.1.1 User unknown"
    assert infos[0].original_message_id == "<out-17@tandem.example>"


def test_it_reports_a_delay_as_soft():
    delayed = parse_bounces(dsn(action="delayed", status="4.4.1"), secret=SECRET)[0]

    assert (delayed.action, delayed.status, delayed.hard) == ("delayed", "4.4.1", False)


def test_it_prefers_a_failed_recipient_to_a_delayed_one():
    info = parse_bounce(dsn(action="delayed", status="4.4.1"), secret=SECRET)

    assert (info.recipient, info.action) == ("bob@example.net", "failed")


def test_it_reads_a_delivered_report_as_no_failure():
    info = parse_bounces(dsn(action="delivered", status="2.0.0", diagnostic="250 OK"))[0]

    assert (info.action, info.status, info.hard) == ("delivered", "2.0.0", False)


def test_it_takes_the_status_from_the_diagnostic_when_the_field_is_vague():
    info = parse_bounces(dsn(status="5.0.0", diagnostic="550 5.1.1 <ann@example.com> unknown"))[0]

    assert info.status == "5.1.1"


def test_it_knows_which_email_bounced_from_the_verp_address():
    # Given: the bounce went to the signed return path of outbound email 17
    verp = make_bounce_address(SECRET, "tandem.example", 17)
    # When
    info = parse_bounce(dsn(to=verp), secret=SECRET)
    # Then
    assert info.verp_email_id == 17


def test_it_ignores_a_verp_address_with_a_forged_signature():
    forged = make_bounce_address("another-secret", "tandem.example", 17)

    assert parse_bounce(dsn(to=forged), secret=SECRET).verp_email_id is None


def test_it_reads_the_envelope_recipient_given_by_the_listener():
    verp = make_bounce_address(SECRET, "tandem.example", 23)

    assert parse_bounce(dsn(), secret=SECRET, rcpts=[verp]).verp_email_id == 23


def test_it_reads_a_qmail_bounce():
    msg = parse_message(QMAIL)
    info = parse_bounce(msg, secret=SECRET)

    assert is_bounce(msg)
    assert (info.recipient, info.status, info.action, info.hard) == (
        "nobody@example.jp",
        "5.1.1",
        "failed",
        True,
    )
    assert info.original_message_id == "<out-18@tandem.example>"


def test_it_reads_an_exim_bounce_by_its_failed_recipients_header():
    info = parse_bounce(parse_message(EXIM), secret=SECRET)

    assert (info.recipient, info.status, info.hard) == ("gone@example.org", "5.1.1", True)


def test_it_reads_a_feedback_report_as_a_complaint():
    msg = parse_message(FEEDBACK)
    info = parse_bounce(msg, secret=SECRET)

    assert is_bounce(msg)
    assert (info.recipient, info.action, info.hard, info.diagnostic) == (
        "ann@example.com",
        "complaint",
        False,
        "abuse",
    )
    assert info.original_message_id == "<out-20@tandem.example>"


def test_it_does_not_take_a_person_talking_about_a_bounce_for_one():
    assert not is_bounce(parse_message(PERSON_ABOUT_A_BOUNCE))


@pytest.mark.parametrize(
    ("status", "action", "hard"),
    [
        ("5.1.1", "failed", True),
        ("5.1.2", "failed", True),
        ("5.2.1", "failed", True),
        ("5.2.2", "failed", False),  # mailbox full: the address is fine
        ("5.7.1", "failed", False),  # refused by policy: the address is fine
        ("4.2.2", "failed", False),
        ("5.1.1", "delayed", False),
        ("", "failed", False),
    ],
)
def test_it_calls_only_bad_address_failures_hard(status, action, hard):
    assert is_hard(status, action) is hard


EXCHANGE_ONLINE_TEXT = b"""\
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org>
To: tandem@tandem.example
Subject: Undeliverable: Your progress update
Content-Type: text/plain; charset=utf-8

Your message to gone@example.org couldn't be delivered.
gone wasn't found at example.org.

Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found'
"""

APPLE_UNSUBSCRIBE = b"""\
From: ann@example.com
To: reply+1-c-2-abc-0123456789abcdef@tandem.example
Subject: unsubscribe
Auto-Submitted: auto-replied
X-Apple-Unsubscribe: true
Content-Type: text/plain; charset=utf-8

Apple Mail sent this email to unsubscribe from the message "Your progress update".
"""


def test_it_reads_a_text_bounce_from_exchange_onlines_system_mailbox():
    # Given: Exchange Online's free-text report, sent from its MicrosoftExchange<hex> mailbox
    msg = parse_message(EXCHANGE_ONLINE_TEXT)
    # When
    info = parse_bounce(msg, secret=SECRET)
    # Then
    assert is_bounce(msg)
    assert (info.recipient, info.status, info.action, info.hard) == (
        "gone@example.org",
        "5.1.10",
        "failed",
        True,
    )


def test_it_reads_apple_mails_unsubscribe_request_as_a_complaint_from_the_sender():
    msg = parse_message(APPLE_UNSUBSCRIBE)
    info = parse_bounce(msg, secret=SECRET)

    assert is_bounce(msg)
    assert (info.recipient, info.action, info.hard, info.diagnostic) == (
        "ann@example.com",
        "complaint",
        False,
        "opt-out",
    )


def test_it_does_not_take_a_false_unsubscribe_header_for_a_request():
    msg = parse_message(
        APPLE_UNSUBSCRIBE.replace(b"X-Apple-Unsubscribe: true", b"X-Apple-Unsubscribe: false")
    )

    assert not is_bounce(msg)


EXIM_DELAY = b"""\
From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: tandem@tandem.example
Subject: Warning: message 1abcde-000001-XY delayed 24 hours
Content-Type: text/plain; charset=utf-8

This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.example.org.

  slow@example.org
    Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.org>:
    451 4.7.1 Greylisted, try again later

No action is required on your part. Delivery attempts will continue for
some time.
"""


def test_it_reads_an_exim_delay_warning_as_a_soft_delay():
    msg = parse_message(EXIM_DELAY)
    info = parse_bounce(msg, secret=SECRET)

    assert is_bounce(msg)
    assert (info.recipient, info.status, info.action, info.hard) == (
        "slow@example.org",
        "4.7.1",
        "delayed",
        False,
    )
