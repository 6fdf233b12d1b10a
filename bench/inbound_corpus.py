"""Generate realistic inbound mail for the benchmark: replies from many clients, calendar
answers, bounces and auto-replies, each addressed to rows the benchmark created.

Each message arrives as mail does from an MTA: with the trace and authentication fields the
sending and receiving servers add (Received, DKIM and ARC signatures, Authentication-Results;
Exchange's own fields for Outlook), and Outlook's HTML with the style sheet Word writes. Their
size is then like that of the shared corpus of real client messages (mean about 5 KB, median
2.4 KB). ``lean=True`` leaves those out (about 1 KB each), for comparison with earlier runs.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import hashlib
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


#: The head Outlook (Word) writes before every HTML message body.
OUTLOOK_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" \
xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" \
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face {font-family:Calibri; panose-1:2 15 5 2 2 2 4 3 2 4;}
@font-face {font-family:Aptos; panose-1:2 11 0 4 2 2 2 2 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:12.0pt;
font-family:"Aptos",sans-serif; mso-ligatures:standardcontextual; mso-fareast-language:EN-US;}
a:link, span.MsoHyperlink {mso-style-priority:99; color:#467886; text-decoration:underline;}
span.EmailStyle19 {mso-style-type:personal-reply; font-family:"Aptos",sans-serif; color:windowtext;}
.MsoChpDefault {mso-style-type:export-only; font-size:10.0pt; mso-ligatures:none;}
@page WordSection1 {size:612.0pt 792.0pt; margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1 {page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="EN-GB" link="#467886" vlink="#96607D" style="word-wrap:break-word">
"""


def outlook_reply(target: Target, rng: random.Random, lean: bool = False) -> EmailMessage:
    """HTML only, windows-1252, with Outlook's From/Sent/To/Subject block above the history."""
    msg = _base(target, rng)
    words, original = _words(target, rng)
    html = (
        ("<html><body>" if lean else OUTLOOK_HEAD)
        + "<div class=WordSection1><p class=MsoNormal>"
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
    if not lean:
        msg["Thread-Topic"] = "Your action item"
        msg["Thread-Index"] = _b64(rng, 22)
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


def _b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode()


def _folded(name: str, value: str) -> str:
    """Fold a long base64 value into pieces of 72 characters, one per continuation line."""
    lines = [value[i : i + 72] for i in range(0, len(value), 72)]
    return f"{name}: " + "\r\n\t".join(lines) + "\r\n"


def _signature(name: str, domain: str, rng: random.Random, signed: str) -> str:
    return _folded(
        name,
        f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=20230601; t=1772445600; "
        f"x=1773050400; darn=tandem.test; h={signed}; bh={_b64(rng, 32)}; b={_b64(rng, 256)}",
    )


def transport(target: Target, rng: random.Random, sender_domain: str, outlook: bool) -> bytes:
    """The fields the sending and receiving servers put above a message (newest first)."""
    relay = "mail-eopbgr" if outlook else "mail-ed1-f54"
    host = f"{relay}{rng.randint(10, 99)}.outbound.{sender_domain}"
    ip = f"209.85.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    queue_id = hashlib.sha1(rng.randbytes(8)).hexdigest()[:10].upper()
    stamp = f"Mon, 2 Mar 2026 10:00:0{rng.randint(0, 9)} +0000 (UTC)"
    signed = "to:subject:message-id:date:from:in-reply-to:references:mime-version:from:to:cc"
    fields = [
        f"Return-Path: <{target.email}>\r\n",
        f"Received: from {host} ({host} [{ip}])\r\n\tby mx.tandem.test (Postfix) with ESMTPS id "
        f"{queue_id}\r\n\tfor <{target.reply_to}>; {stamp}\r\n",
        f"Authentication-Results: mx.tandem.test;\r\n\tdkim=pass (2048-bit key) "
        f"header.d={sender_domain} header.i=@{sender_domain} header.b={_b64(rng, 6)};\r\n"
        f"\tspf=pass (mx.tandem.test: domain of {target.email} designates {ip} as permitted "
        f"sender) smtp.mailfrom={target.email};\r\n\tdmarc=pass (p=QUARANTINE) "
        f"header.from={sender_domain}\r\n",
        _signature("DKIM-Signature", sender_domain, rng, signed),
        f"Received: by {host} with SMTP id {_b64(rng, 12)}\r\n\tfor <{target.reply_to}>; "
        f"{stamp}\r\n",
        f"X-Received: by 2002:a05:6402:{rng.randint(1000, 9999)}:b0:5d0:{rng.randint(100, 999)} "
        f"with SMTP id {_b64(rng, 9)};\r\n\t{stamp}\r\n",
    ]
    if outlook:
        fields += [
            "ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\r\n\t"
            f"b={_b64(rng, 256)}\r\n",
            _signature("ARC-Message-Signature", "microsoft.com", rng, signed),
            "ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass\r\n\t"
            f"smtp.mailfrom={sender_domain}; dmarc=pass action=none header.from={sender_domain};"
            f"\r\n\tdkim=pass header.d={sender_domain}; arc=none\r\n",
            f"X-MS-Exchange-CrossTenant-Network-Message-Id: {_b64(rng, 16)}\r\n",
            "X-MS-Exchange-CrossTenant-AuthAs: Internal\r\n",
            f"X-MS-Exchange-CrossTenant-originalarrivaltime: {stamp}\r\n",
            "X-MS-Exchange-Transport-CrossTenantHeadersStamped: AM9PR04MB8195\r\n",
            f"X-MS-Office365-Filtering-Correlation-Id: {_b64(rng, 16)}\r\n",
            _folded("X-Microsoft-Antispam-Message-Info", _b64(rng, 600)),
        ]
    else:
        fields += [
            _signature("X-Google-DKIM-Signature", "1e100.net", rng, signed),
            f"X-Gm-Message-State: {_b64(rng, 54)}\r\n",
            _folded("X-Google-Smtp-Source", _b64(rng, 66)),
        ]
    return "".join(fields).encode()


#: Kinds of message and how often each comes (weights).
MIX = [
    (text_reply, 35),
    (gmail_reply, 30),
    (outlook_reply, 22),
    (calendar_answer, 6),
    (bounce, 4),
    (auto_reply, 3),
]


def generate(
    targets: list[Target], n: int, seed: int = 7, lean: bool = False
) -> list[tuple[str, list[str], bytes]]:
    """Return ``n`` messages as (envelope sender, envelope recipients, raw bytes)."""
    rng = random.Random(seed)
    makers, weights = zip(*MIX, strict=True)
    out = []
    for i in range(n):
        target = targets[i % len(targets)]
        maker = rng.choices(makers, weights)[0]
        msg = outlook_reply(target, rng, lean) if maker is outlook_reply else maker(target, rng)
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
        if maker is not bounce and not lean:
            domain = target.email.rpartition("@")[2]
            raw = transport(target, rng, domain, maker is outlook_reply) + raw
        rcpt = target.verp if maker is bounce else target.reply_to
        sender = "" if maker is bounce else target.email
        out.append((sender, [rcpt], raw))
    return out
