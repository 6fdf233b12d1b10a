"""Render Tandem's emails from templates; no caller builds MIME by hand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models import clock

#: Where the Jinja2 templates live (shared with the web app).
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

#: A Message-ID as Tandem repeats it in its own headers: ASCII, bracketed, no spaces inside.
MESSAGE_ID_RE = re.compile(r"<[!-;=?-~]{1,250}>")

#: Most Message-IDs a References header carries: the thread's first and its latest ones.
MAX_REFERENCES = 20


@lru_cache(maxsize=1)
def jinja_env() -> Environment:
    """Return the plain Jinja2 environment workers render emails with."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render(name: str, ctx: dict) -> tuple[str, str, str]:
    """Render the subject, text body and inlined HTML body of email ``name``.

    The HTML gets the subject as ``email_subject``: its <title>, unless the template has one.
    """
    env = jinja_env()
    subject = " ".join(env.get_template(f"email/{name}-subject.txt").render(ctx).split())
    text = env.get_template(f"email/{name}-body.txt").render(ctx)
    html = env.get_template(f"email/{name}-body.html").render({**ctx, "email_subject": subject})
    return subject, text, _inliner().inline(html)


def thread_headers(
    message_id: str, references: Sequence[str] = (), in_reply_to: Sequence[str] = ()
) -> tuple[str, str]:
    """Return the In-Reply-To and References of an email answering message ``message_id``,
    whose own References and In-Reply-To are given (RFC 5322 section 3.6.4).

    References is the message's References (or its In-Reply-To when that names one message
    and it has no References) then its Message-ID. Ids are untrusted: only well-formed ones
    are kept, and a long chain keeps its first id and its latest.
    """
    found = MESSAGE_ID_RE.findall(message_id or "")
    if not found:
        return "", ""
    parent = found[0]
    ancestors = [i for i in references if MESSAGE_ID_RE.fullmatch(i)]
    if not references and len(in_reply_to) == 1 and MESSAGE_ID_RE.fullmatch(in_reply_to[0]):
        ancestors = list(in_reply_to)
    chain = [i for i in dict.fromkeys(ancestors) if i != parent] + [parent]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[1 - MAX_REFERENCES :]
    return parent, " ".join(chain)


def calendar_part(ics: str, method: str) -> EmailMessage:
    """Return a ``text/calendar`` part whose ``method=`` matches the iCalendar METHOD."""
    part = EmailMessage()
    part.set_content(ics, subtype="calendar", charset="utf-8")
    part.set_param("method", method)
    return part


def one_line(value: str) -> str:
    """Return ``value`` with every run of whitespace, line breaks included, as one space."""
    return " ".join(str(value).split())


def make_message(
    name: str,
    to: str,
    ctx: dict,
    *,
    mail_from: str,
    message_id: str,
    reply_to: str = "",
    in_reply_to: str = "",
    references: str = "",
    calendar: str | None = None,
    calendar_method: str = "",
    to_name: str = "",
    headers: dict[str, str] | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """Build the complete email ``name`` to ``to``: text and HTML, and a calendar part if given.

    ``references`` is the References header of an email that answers another (see
    :func:`thread_headers`); without it, References repeats ``in_reply_to``.
    """
    subject, text, html = render(name, ctx)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = mail_from
    # A name is typed by people: its line breaks must not end the header (RFC 5322 2.2).
    to_name = one_line(to_name)
    msg["To"] = formataddr((to_name, to)) if to_name else to
    msg["Date"] = format_datetime(clock.now().replace(tzinfo=dt.UTC))
    msg["Message-ID"] = message_id
    if reply_to:
        msg["Reply-To"] = formataddr((parseaddr(mail_from)[0], reply_to))
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    # Auto-responders should stay quiet, and nobody should mistake us for a person.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    for key, value in (headers or {}).items():
        msg[key] = one_line(value)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if calendar:
        msg.attach(calendar_part(calendar, calendar_method))
        msg.make_mixed()
        msg.add_attachment(
            calendar.encode(), maintype="application", subtype="ics", filename="invite.ics"
        )
    for filename, content_type, data in attachments:  # (name, "type/subtype", bytes)
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=one_line(filename),
        )
    return msg
