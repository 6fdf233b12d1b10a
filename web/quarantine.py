"""The quarantine: messages Tandem kept but did not apply, for a coordinator to settle."""

from __future__ import annotations

import email.policy
from email.parser import BytesHeaderParser

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from peewee import Expression

from models import AuditEvent, InboundMessage, Membership, Person, Programme, clock
from web.access import is_admin, visible_programmes
from web.auth import login_required
from web.ids import parse_id
from workers.inbound import objects
from workers.inbound.appliers import APPLIERS
from workers.inbound.errors import InboundError
from workers.inbound.pipeline import apply_as
from workers.reading.message import UnreadableMessage, parse_message
from workers.reading.trimming import trim_reply

bp = Blueprint("quarantine", __name__, url_prefix="/quarantine")

#: Messages listed on one page, newest first.
PAGE_SIZE = 200

#: Headers shown when a coordinator reads a kept message.
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To")


def _mine() -> Expression:
    """Which messages the user may see: about their programmes, or from their people.

    A message about an object of a known kind belongs to that object's programme; one
    about nothing Tandem knows, to the programmes its sender takes part in; one from
    nobody known, to administrators only.
    """
    mine = visible_programmes().select(Programme.id)
    members = Membership.select(Membership.person).where(Membership.programme.in_(mine))
    types = objects.programme_types()
    visible = ~InboundMessage.object_type.in_(types) & InboundMessage.person.in_(members)
    for object_type in types:
        ids = objects.owned_by(object_type, mine)
        visible |= (InboundMessage.object_type == object_type) & InboundMessage.object_id.in_(ids)
    return visible


def _kept_messages():
    query = InboundMessage.select().where(InboundMessage.status == "quarantined")
    return query if is_admin(g.user) else query.where(_mine())


def _kept(message_id: int) -> InboundMessage:
    row = _kept_messages().where(InboundMessage.id == message_id).first()
    if row is None:
        abort(404)
    return row


def _people():
    """Select the people a message may be applied as: the user's programmes' members."""
    query = Person.select().order_by(Person.name)
    if is_admin(g.user):
        return query
    mine = visible_programmes().select(Programme.id)
    members = Membership.select(Membership.person).where(Membership.programme.in_(mine))
    return query.where(Person.id.in_(members))


def _may_apply_to(object_type: str, object_id: int) -> bool:
    """Tell whether the user may apply a message to this object (one of their programmes')."""
    if is_admin(g.user):
        return True
    ids = objects.owned_by(object_type, visible_programmes().select(Programme.id))
    if ids is None:
        return False
    model = objects.OBJECT_MODELS[object_type]
    return ids.where(model.id == object_id).exists()


@bp.route("/")
@login_required
def index():
    """List the kept messages with their reason, sender, subject and arrival time."""
    rows = (
        _kept_messages()
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(PAGE_SIZE)
    )
    return render_template("web/quarantine/index.html", rows=rows)


@bp.route("/<int:message_id>")
@login_required
def show(message_id: int):
    """Show one kept message: its headers, the trimmed words and the full text."""
    row = _kept(message_id)
    trimmed, full = texts(bytes(row.raw))
    return render_template(
        "web/quarantine/show.html",
        row=row,
        headers=headers_of(bytes(row.raw)),
        trimmed=row.reply_text or trimmed,
        full_text=full,
        about=objects.describe(row.object_type, row.object_id),
        people=_people().limit(1000),
        object_types=sorted(APPLIERS),
    )


@bp.route("/<int:message_id>/apply", methods=("POST",))
@login_required
def apply(message_id: int):
    """Apply a kept message as the chosen person to the chosen object."""
    row = _kept(message_id)
    person = _people().where(Person.id == request.form.get("person_id", type=parse_id)).first()
    object_type = request.form.get("object_type", "").strip()
    object_id = request.form.get("object_id", type=parse_id)
    error = None
    if person is None:
        error = "Choose the person the message is from."
    elif not object_type or object_id is None:
        error = "Choose what the message is about (a kind and a number)."
    elif not _may_apply_to(object_type, object_id):
        error = f"There is no {object_type} {object_id} in your programmes."
    if error is None:
        try:
            summary = apply_as(row, person, object_type, object_id)
        except InboundError as exc:
            error = f"Could not apply it: {exc.reason}: {exc.detail}"
    if error is not None:
        flash(error)
        return redirect(url_for("quarantine.show", message_id=row.id))
    AuditEvent.record(
        "inbound.applied", row, actor=f"user:{g.user.id}", person=person.id, summary=summary
    )
    flash(f"Applied as {person.name}: {summary}")
    return redirect(url_for("quarantine.index"))


@bp.route("/<int:message_id>/dismiss", methods=("POST",))
@login_required
def dismiss(message_id: int):
    """Dismiss a kept message, recording who did it and when."""
    row = _kept(message_id)
    InboundMessage.update(status="dismissed").where(InboundMessage.id == row.id).execute()
    AuditEvent.record(
        "inbound.dismissed",
        row,
        actor=f"user:{g.user.id}",
        user=g.user.email,
        at=clock.now().isoformat(),
        reason=row.reason,
    )
    flash("Message dismissed.")
    return redirect(url_for("quarantine.index"))


def headers_of(raw: bytes) -> list[tuple[str, str]]:
    """Return the headers worth showing, decoded, in a fixed order."""
    parsed = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    shown = []
    for name in SHOWN_HEADERS:
        try:
            value = parsed.get(name)
        except Exception:  # a malformed header is shown raw instead of failing the page
            value = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw).get(name)
        if value is not None:
            shown.append((name, str(value)))
    return shown


def texts(raw: bytes) -> tuple[str, str]:
    """Return the person's trimmed words and the whole text (or the raw source)."""
    source = raw.decode("utf-8", "replace")
    try:
        parsed = parse_message(raw)
    except UnreadableMessage:
        return "", source
    return trim_reply(parsed.text or "", parsed.html), parsed.text or parsed.html or source


def init_app(app: Flask) -> None:
    """Register the blueprint and its link in the top navigation."""
    app.register_blueprint(bp)
    app.config.setdefault("NAV_LINKS", []).append(("Quarantine", "quarantine.index"))
