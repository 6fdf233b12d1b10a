"""Build inbound messages the way mail clients write them, and the rows they answer."""

from __future__ import annotations

import datetime as dt
import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from models import ActionItem, ActionItemUpdate, Person, Programme
from workers import settings as settings_mod
from workers.inbound.appliers import ReplyContext
from workers.outbound.tokens import make_reply_address

#: The quoted history a mail client puts under a reply.
QUOTED = (
    "On Mon, 2 Mar 2026 at 09:00, Tandem <tandem@tandem.test> wrote:\n"
    "> Hello,\n> Please tell us how your action items are going.\n> Thanks\n"
)


def make_person(email: str = "ada@example.org", name: str = "Ada Lovelace") -> Person:
    """Create a person."""
    return Person.create(name=name, email=email, timezone="Europe/London")


def make_item(owner: Person, title: str = "Hire two mentors") -> ActionItem:
    """Create an open action item owned by ``owner``."""
    programme = Programme.create(name=f"Programme {owner.id}", kind="followup")
    return ActionItem.create(programme=programme, title=title, owner=owner)


def reply_address(person: Person, object_type: str, object_id: int, days: int = 60) -> str:
    """Return the signed reply address Tandem would put on an email to ``person``."""
    settings = settings_mod.get()
    return make_reply_address(
        settings.secret_key, settings.reply_domain, person.id, object_type, object_id, days
    )


def reply(
    sender: str,
    to: str,
    body: str = "done",
    *,
    subject: str = "Re: Your update",
    in_reply_to: str = "",
    quoted: str = QUOTED,
    headers: dict[str, str] | None = None,
) -> bytes:
    """Return the bytes of a plain-text reply with the quoted history below it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="client.example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(f"{body}\n\n{quoted}")
    return msg.as_bytes(policy=email.policy.SMTP)


def record_update(ctx: ReplyContext) -> str:
    """A stand-in applier for items: record the reply as a real ActionItemUpdate."""
    ActionItemUpdate.create(
        item=ctx.object_id,
        status="done",
        note=ctx.reply_text,
        by=ctx.person,
        source="email",
        inbound=ctx.message.id,
    )
    return f"item {ctx.object_id} done"


#: A delivery status notification (RFC 3464) as a mail server writes it.
DSN_TMPL = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <{tag}.dsn@mx.example.org>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.
I'm sorry to have to inform you that your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {code} {status} mailbox problem

--BOUNDARY
Content-Type: text/rfc822-headers

From: Tandem <tandem@tandem.test>
To: {recipient}
Subject: Your update
Message-ID: {original}

--BOUNDARY--
"""

#: A calendar client's answer to an invitation (iTIP REPLY or COUNTER).
ITIP_TMPL = """\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:{method}
BEGIN:VEVENT
DTSTART:{start}
DTEND:{end}
DTSTAMP:20260302T100000Z
ORGANIZER;CN=Tandem:mailto:tandem@tandem.test
UID:{uid}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee}:mailto:{attendee}
SEQUENCE:{sequence}
SUMMARY:Follow-up session
END:VEVENT
END:VCALENDAR
"""


def dsn(
    recipient: str,
    original: str,
    *,
    to: str = "tandem@tandem.test",
    status: str = "5.1.1",
    action: str = "failed",
    tag: str = "1",
) -> bytes:
    """Return a bounce for an email to ``recipient`` whose Message-ID was ``original``."""
    code = "550" if status.startswith("5") else "450"
    text = DSN_TMPL.format(
        to=to,
        recipient=recipient,
        original=original,
        status=status,
        action=action,
        code=code,
        tag=tag,
    )
    return text.replace("\n", "\r\n").encode()


def calendar_reply(
    sender: str,
    uid: str,
    *,
    partstat: str = "ACCEPTED",
    method: str = "REPLY",
    sequence: int = 0,
    attendee: str = "",
    start: str = "20260310T090000Z",
    end: str = "20260310T100000Z",
) -> bytes:
    """Return a calendar client's answer to the invitation ``uid``."""
    ics = ITIP_TMPL.format(
        method=method,
        uid=uid,
        partstat=partstat,
        sequence=sequence,
        attendee=attendee or sender,
        start=start,
        end=end,
    ).replace("\n", "\r\n")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "tandem@tandem.test"
    msg["Subject"] = f"{partstat.title()}: Follow-up session"
    msg["Message-ID"] = make_msgid(domain="calendar.example.org")
    msg.set_content(f"{sender} has answered the invitation.")
    part = EmailMessage()
    part.set_content(ics, subtype="calendar", charset="utf-8")
    part.set_param("method", method)
    msg.make_mixed()
    msg.attach(part)
    return msg.as_bytes(policy=email.policy.SMTP)
