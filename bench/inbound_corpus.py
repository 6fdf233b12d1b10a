"""Generate realistic inbound mail for the benchmark: replies from many clients, calendar
answers, bounces and auto-replies, each addressed to rows the benchmark created."""

from __future__ import annotations

import datetime as dt
import email.policy
import random
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

#: What people write about one action item (the grammar reads these).
ANSWERS = [
    "done",
    "Done, we hired two mentors last week.",
    "60% waiting on HR",
    "blocked: budget not approved",
    "75%\n\nThe second workshop is booked for next month.",
    "done by 15 Jan",
    "40% - slower than planned, the supplier is late",
    "Finished. Thanks for the reminder!",
]

#: Sign-offs and signatures that follow the words people write.
SIGNATURES = [
    "Thanks,\nAda",
    "Best regards,\n\nAda Lovelace\nHead of Operations | Example Org\n+44 20 7946 0000",
    "Sent from my iPhone",
    "--\nAda Lovelace\nExample Org",
    "Cheers\nA.",
    "Get Outlook for Android",
]

#: Quote headers of common clients and languages ({who} is the quoted sender).
QUOTE_HEADERS = [
    "On Mon, Mar 2, 2026 at 9:00 AM {who} wrote:",
    "On 2 Mar 2026, at 09:00, {who} wrote:",
    "On 02/03/2026 09:00, {who} wrote:",
    "Le lun. 2 mars 2026 à 09:00, {who} a écrit :",
    "Am Mo., 2. März 2026 um 09:00 Uhr schrieb {who}:",
    "El lun, 2 mar 2026 a las 9:00, {who} escribió:",
]

#: The body of the email being answered, quoted below the reply.
ORIGINAL = (
    "Hello {name},\n\nPlease tell us how this action item is going:\n\n"
    '  1. {title} (due 31 Mar)\n\nReply to this email: for example "done", '
    '"60% waiting on HR" or "blocked: budget not approved".\n\n-- \nTandem'
)


@dataclass
class Target:
    """One person and the item, email and session a message can be about."""

    name: str
    email: str
    item_title: str
    reply_to: str
    message_id: str
    verp: str
    session_uid: str


def _base(target: Target, rng: random.Random) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{target.name} <{target.email}>"
    msg["To"] = f"Tandem <{target.reply_to}>"
    msg["Subject"] = "Re: Your action item: " + target.item_title
    when = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randint(0, 9999))
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="mail.example.org")
    msg["In-Reply-To"] = target.message_id
    msg["References"] = target.message_id
    return msg


def _words(target: Target, rng: random.Random) -> tuple[str, str]:
    original = ORIGINAL.format(name=target.name, title=target.item_title)
    return rng.choice(ANSWERS) + "\n\n" + rng.choice(SIGNATURES), original


def text_reply(target: Target, rng: random.Random) -> EmailMessage:
    """A plain-text reply with the history quoted with ">" (Thunderbird, Gmail plain text)."""
    msg = _base(target, rng)
    words, original = _words(target, rng)
    header = rng.choice(QUOTE_HEADERS).format(who="Tandem <tandem@tandem.test>")
    quoted = "\n".join("> " + line for line in original.splitlines())
    msg.set_content(f"{words}\n\n{header}\n{quoted}\n")
    return msg


def gmail_reply(target: Target, rng: random.Random) -> EmailMessage:
    """Text and HTML alternatives, the HTML quoting in a gmail_quote blockquote."""
    msg = text_reply(target, rng)
    words, original = _words(target, rng)
    html_words = words.replace("\n", "<br>")
    html_original = original.replace("\n", "<br>")
    msg.add_alternative(
        f'<div dir="ltr">{html_words}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">On Mon, Mar 2, 2026 at 9:00 AM Tandem wrote:<br></div>'
        f'<blockquote class="gmail_quote">{html_original}</blockquote></div>',
        subtype="html",
    )
    return msg


def outlook_reply(target: Target, rng: random.Random) -> EmailMessage:
    """HTML only, windows-1252, with Outlook's From/Sent/To/Subject block above the history."""
    msg = _base(target, rng)
    words, original = _words(target, rng)
    html = (
        "<html><body><div class=WordSection1><p class=MsoNormal>"
        + words.replace("\n", "<br>")
        + '</p><div style="border:none;border-top:solid #E1E1E1 1.0pt"><p class=MsoNormal>'
        + "<b>From:</b> Tandem &lt;tandem@tandem.test&gt;<br><b>Sent:</b> Monday, March 2, "
        + "2026 9:00 AM<br><b>To:</b> "
        + target.email
        + "<br><b>Subject:</b> Your action item</p></div><p>"
        + original.replace("\n", "<br>")
        + "</p></div></body></html>"
    )
    msg.set_content(html, subtype="html", charset="windows-1252", cte="quoted-printable")
    return msg


def calendar_answer(target: Target, rng: random.Random) -> EmailMessage:
    """A calendar client's REPLY to the session invitation."""
    msg = _base(target, rng)
    partstat = rng.choice(["ACCEPTED", "DECLINED", "TENTATIVE"])
    msg.replace_header("Subject", f"{partstat.title()}: Follow-up session")
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        "METHOD:REPLY\r\nBEGIN:VEVENT\r\nDTSTART:20260310T090000Z\r\nDTEND:20260310T100000Z\r\n"
        f"DTSTAMP:20260302T100000Z\r\nORGANIZER:mailto:tandem@tandem.test\r\nUID:{target.session_uid}\r\n"
        f"ATTENDEE;PARTSTAT={partstat};CN={target.name}:mailto:{target.email}\r\n"
        "SEQUENCE:0\r\nSUMMARY:Follow-up session\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    msg.set_content(f"{target.name} has {partstat.lower()} this invitation.")
    msg.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    return msg


#: A delivery status notification (RFC 3464) as Postfix writes it.
DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: {verp}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: {message_id}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B{tag}"

--B{tag}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.
Your message could not be delivered to one or more recipients.

--B{tag}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {email}
Action: failed
Status: {status}
Diagnostic-Code: smtp; {code} {status} mailbox unavailable

--B{tag}
Content-Type: text/rfc822-headers

From: Tandem <tandem@tandem.test>
To: {email}
Message-ID: {original}

--B{tag}--
"""


def bounce(target: Target, rng: random.Random) -> bytes:
    """A DSN for the email sent to the target, returned to its VERP address."""
    status = rng.choice(["5.1.1", "4.2.2"])
    text = DSN.format(
        verp=target.verp,
        message_id=make_msgid(domain="mx.example.org"),
        tag=rng.randint(0, 10**9),
        email=target.email,
        status=status,
        code="550" if status[0] == "5" else "452",
        original=target.message_id,
    )
    return text.replace("\n", "\r\n").encode()


def auto_reply(target: Target, rng: random.Random) -> EmailMessage:
    """An out-of-office answer."""
    msg = _base(target, rng)
    msg.replace_header("Subject", "Automatic reply: Your action item")
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content("I am out of the office until Monday and will reply when I am back.")
    return msg


#: Kinds of message and how often each comes (weights).
MIX = [
    (text_reply, 35),
    (gmail_reply, 30),
    (outlook_reply, 22),
    (calendar_answer, 6),
    (bounce, 4),
    (auto_reply, 3),
]


def generate(targets: list[Target], n: int, seed: int = 7) -> list[tuple[str, list[str], bytes]]:
    """Return ``n`` messages as (envelope sender, envelope recipients, raw bytes)."""
    rng = random.Random(seed)
    makers, weights = zip(*MIX, strict=True)
    out = []
    for i in range(n):
        target = targets[i % len(targets)]
        maker = rng.choices(makers, weights)[0]
        msg = maker(target, rng)
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
        rcpt = target.verp if maker is bounce else target.reply_to
        sender = "" if maker is bounce else target.email
        out.append((sender, [rcpt], raw))
    return out
