"""The dev mailbox: read what the dev mail catcher caught and answer as the recipient."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import collapse_rfc2231_value

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.utils import secure_filename

from models import CaughtMail
from web.auth import login_required
from workers.dev import replyas as devreply

bp = Blueprint("devmail", __name__, url_prefix="/devmail")

#: How many caught messages the list shows.
LIST_LIMIT = 200

#: Longest reply a coordinator may type, in characters.
MAX_REPLY_CHARS = 20_000

#: The policy the HTML body is served under: no scripts, no network, no forms, sandboxed.
HTML_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)

#: The invitation answers offered, as button labels.
RSVP_BUTTONS = {"ACCEPTED": "Accept", "DECLINED": "Decline", "TENTATIVE": "Tentative"}

#: Headers shown at the top of a message.
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To")


def init_app(app: Flask) -> None:
    """Register the dev mailbox when the dev mail catcher is on."""
    if not app.config["TANDEM"].dev_mailbox:
        return
    app.register_blueprint(bp)
    app.config.setdefault("NAV_LINKS", []).append(("Dev mailbox", "devmail.index"))


def _load(mail_id: int) -> tuple[CaughtMail, EmailMessage]:
    row = CaughtMail.get_or_none(CaughtMail.id == mail_id) or abort(404)
    return row, devreply.parse(bytes(row.raw))


def recipients(row: CaughtMail, msg: EmailMessage) -> list[str]:
    """Return who the mail was for: envelope recipients first, then To and Cc."""
    found = list(row.recipients)
    for addr in devreply.addresses(msg, "To", "Cc"):
        if addr.lower() not in (a.lower() for a in found):
            found.append(addr)
    return found


def all_parts(msg: EmailMessage) -> list[EmailMessage]:
    """Return every part of the message in order, the index used by the download links."""
    return list(msg.walk())


def attachments(msg: EmailMessage) -> list[dict]:
    """Describe the downloadable parts: attachments and anything that is not a body."""
    found = []
    for index, part in enumerate(all_parts(msg)):
        if part.is_multipart() or (
            part.get_content_maintype() == "text" and not part.is_attachment()
        ):
            continue
        payload = part.get_payload(decode=True) or b""
        found.append(
            {
                "index": index,
                "filename": part.get_filename() or f"part-{index}",
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return found


def calendars(msg: EmailMessage) -> list[dict]:
    """Return the text/calendar parts with their METHOD."""
    found = []
    for part in all_parts(msg):
        if part.get_content_type() == "text/calendar":
            found.append({"method": _param(part, "method"), "text": devreply.part_text(part)})
    return found


def _param(part: EmailMessage, name: str) -> str:
    return collapse_rfc2231_value(part.get_param(name) or "")


def mail_view(row: CaughtMail, msg: EmailMessage) -> dict:
    """Collect what the message page shows, as plain values."""
    return {
        "row": row,
        "headers": [(h, v) for h in SHOWN_HEADERS if (v := devreply.header(msg, h))],
        "text": devreply.text_body(msg) if msg.get_body(("plain",)) else "",
        "has_html": msg.get_body(("html",)) is not None,
        "calendars": calendars(msg),
        "attachments": attachments(msg),
        "recipients": recipients(row, msg),
        "can_rsvp": devreply.calendar_request(msg) is not None,
        "partstats": RSVP_BUTTONS,
    }


@bp.route("/")
@login_required
def index():
    """List caught mail, newest first."""
    return render_template("web/devmail/index.html", mails=CaughtMail.newest(LIST_LIMIT))


@bp.route("/<int:mail_id>")
@login_required
def show(mail_id: int):
    """Show one caught mail with its parts and the reply forms."""
    row, msg = _load(mail_id)
    return render_template("web/devmail/show.html", **mail_view(row, msg))


@bp.route("/<int:mail_id>/html")
@login_required
def html(mail_id: int):
    """Serve the HTML body alone, for a sandboxed iframe, under a strict CSP."""
    _, msg = _load(mail_id)
    part = msg.get_body(("html",)) or abort(404)
    response = Response(devreply.part_text(part), mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<int:mail_id>/part/<int:index>")
@login_required
def part(mail_id: int, index: int):
    """Download one part of the message as a file."""
    _, msg = _load(mail_id)
    parts = all_parts(msg)
    if index >= len(parts) or parts[index].is_multipart():
        abort(404)
    chosen = parts[index]
    filename = secure_filename(chosen.get_filename() or "") or f"part-{index}.bin"
    response = Response(chosen.get_payload(decode=True) or b"", mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _chosen_sender(row: CaughtMail, msg: EmailMessage) -> str | None:
    chosen = request.form.get("as", "")
    allowed = {a.lower(): a for a in recipients(row, msg)}
    return allowed.get(chosen.lower())


def _deliver(reply: EmailMessage) -> str | None:
    settings = current_app.config["TANDEM"]
    try:
        devreply.send(reply, settings.mailin_host, settings.mailin_port)
    except devreply.DevReplyError as exc:
        return str(exc)
    return None


@bp.route("/<int:mail_id>/reply", methods=("POST",))
@login_required
def reply(mail_id: int):
    """Send a reply typed by the coordinator as the mail's recipient."""
    row, msg = _load(mail_id)
    sender = _chosen_sender(row, msg)
    body = request.form.get("body", "").strip()
    error = None
    if sender is None:
        error = "Choose one of the mail's recipients to reply as."
    elif not body:
        error = "Type a reply first."
    elif len(body) > MAX_REPLY_CHARS:
        error = f"The reply is too long (at most {MAX_REPLY_CHARS} characters)."
    else:
        try:
            composed = devreply.compose_reply(msg, sender, body)
        except devreply.DevReplyError as exc:
            error = str(exc)
        else:
            error = _deliver(composed)
    if error:
        flash(error)
    else:
        flash(f"Reply sent as {sender} to {composed['To']}.", "ok")
    return redirect(url_for("devmail.show", mail_id=mail_id))


@bp.route("/<int:mail_id>/rsvp", methods=("POST",))
@login_required
def rsvp(mail_id: int):
    """Answer the mail's calendar invitation as its recipient."""
    row, msg = _load(mail_id)
    sender = _chosen_sender(row, msg)
    partstat = request.form.get("partstat", "").upper()
    error = None
    if sender is None:
        error = "Choose one of the mail's recipients to answer as."
    elif partstat not in devreply.PARTSTATS:
        error = "Choose accept, decline or tentative."
    else:
        try:
            composed = devreply.compose_rsvp(msg, sender, partstat)
        except devreply.DevReplyError as exc:
            error = str(exc)
        else:
            error = _deliver(composed)
    if error:
        flash(error)
    else:
        flash(f"{devreply.PARTSTATS[partstat]} as {sender}: sent to {composed['To']}.", "ok")
    return redirect(url_for("devmail.show", mail_id=mail_id))
