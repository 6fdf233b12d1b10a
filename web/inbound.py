"""Ways in for inbound mail besides SMTP: an HTTP POST of raw MIME, stdin, IMAP polling."""

from __future__ import annotations

import hmac
import sys
import time

import click
from flask import Blueprint, Flask, current_app, jsonify, request
from flask.cli import with_appcontext
from peewee import DatabaseError, InterfaceError, OperationalError

from models import db
from web.auth import client
from web.extensions import csrf
from workers.accounts import throttle
from workers.inbound.imap import ImapError, poll
from workers.inbound.listener import serve_forever
from workers.inbound.pipe import EX_DATAERR, EX_NOUSER, EX_TEMPFAIL, PipeCommand, pipe_options
from workers.inbound.store import looks_like_mail, store_raw
from workers.inbound.worker import enqueue, receive

bp = Blueprint("inbound", __name__, url_prefix="/inbound")

#: Headers of an HTTP POST naming the envelope: the recipients (the header repeated, or
#: addresses separated by commas) and the sender. Never the URL: URLs end up in access logs,
#: and a reply address works like a password.
RECIPIENT_HEADER, SENDER_HEADER = "Tandem-Recipient", "Tandem-Sender"


def authorized(header: str, secret: str) -> bool:
    """Tell whether an ``Authorization: Bearer <secret>`` header holds the shared secret."""
    scheme, _, token = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), secret.encode()
    )


def envelope(headers) -> tuple[str, list[str]]:
    """Return the sender and the recipients an HTTP POST names in its headers."""
    values = headers.getlist(RECIPIENT_HEADER)
    recipients = [r.strip() for value in values for r in value.split(",") if r.strip()]
    return headers.get(SENDER_HEADER, "").strip(), recipients


def outside_domain(recipients: list[str], domain: str) -> list[str]:
    """Return the recipients whose domain is not the reply domain."""
    return [r for r in recipients if r.rsplit("@", 1)[-1].strip().lower() != domain]


@bp.route("/mime", methods=("POST",))
def mime():
    """Store a raw MIME message posted with the shared secret, then enqueue it."""
    settings = current_app.config["TANDEM"]
    if not settings.inbound_http_secret:
        return jsonify(error="the HTTP way in is disabled (no INBOUND_HTTP_SECRET)"), 404
    # Guessing the secret is slowed per client, as password guessing is; the mail server
    # that knows it posts from its own address and never waits.
    wait = throttle.wait_seconds(client())
    if wait:
        answer = jsonify(error=f"too many wrong secrets from here; try again in {wait} s")
        return answer, 429, {"Retry-After": str(wait)}
    if not authorized(request.headers.get("Authorization", ""), settings.inbound_http_secret):
        throttle.record_failure(client())
        return jsonify(error="missing or wrong shared secret"), 403
    if request.query_string:
        where = f"the {RECIPIENT_HEADER} and {SENDER_HEADER} headers"
        return jsonify(error=f"name the envelope in {where}, not in the URL"), 400
    if (request.content_length or 0) > settings.max_inbound_bytes:
        return jsonify(error="message too large"), 413
    raw = request.get_data(cache=False)
    error = None
    sender, recipients = envelope(request.headers)
    if len(raw) > settings.max_inbound_bytes:
        return jsonify(error="message too large"), 413
    if not looks_like_mail(raw):
        error = "the body is not a MIME message"
    elif outside_domain(recipients, settings.reply_domain):
        error = f"recipients must be at {settings.reply_domain}"
    if error is not None:
        return jsonify(error=error), 400
    row, new = receive(raw, "http", sender, recipients)
    return jsonify(id=row.id, new=new), 201 if new else 200


@click.command("mail-in", cls=PipeCommand)
@with_appcontext
@pipe_options
def mail_in_command(recipient: tuple[str, ...], sender: str, recipients: tuple[str, ...]) -> None:
    """Store one raw message read on stdin; exit 0, 75 (try later), 65 or 67 (refused)."""
    settings = current_app.config["TANDEM"]
    everyone = list(dict.fromkeys([*recipient, *recipients]))
    raw = sys.stdin.buffer.read(settings.max_inbound_bytes + 1)
    if len(raw) > settings.max_inbound_bytes or not looks_like_mail(raw):
        click.echo("mail-in: empty, too large or not a mail message", err=True)
        raise SystemExit(EX_DATAERR)
    if outside_domain(everyone, settings.reply_domain):
        click.echo(f"mail-in: recipient not at {settings.reply_domain}", err=True)
        raise SystemExit(EX_NOUSER)
    try:
        db.connect(reuse_if_open=True)
        row, new = store_raw(raw, "pipe", sender, everyone)
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        click.echo(f"mail-in: database unavailable, try again later: {exc}", err=True)
        raise SystemExit(EX_TEMPFAIL) from None
    enqueue(row)
    click.echo(f"stored as {row.id}{'' if new else ' (duplicate)'}")


@click.command("mailin")
@with_appcontext
def mailin_command() -> None:
    """Run the inbound SMTP listener for the reply domain (MAILIN_HOST:MAILIN_PORT)."""
    settings = current_app.config["TANDEM"]
    click.echo(f"Tandem mailin listening on {settings.mailin_host}:{settings.mailin_port}.")
    serve_forever(settings)


@click.command("imap-poll")
@with_appcontext
@click.option("--loop", "forever", is_flag=True, help="Keep polling instead of polling once.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between polls.")
def imap_poll_command(forever: bool, interval: float) -> None:
    """Fetch new messages from the IMAP_URL mailbox, store them and mark them taken."""
    settings = current_app.config["TANDEM"]
    if not settings.imap_url:
        raise click.ClickException("IMAP_URL is not set")
    while True:
        try:
            with db.connection_context():
                click.echo(f"stored {poll(settings.imap_url)} new message(s)")
        except ImapError as exc:
            if not forever:
                raise click.ClickException(str(exc)) from None
            click.echo(f"imap-poll: {exc}", err=True)
        if not forever:
            return
        time.sleep(interval)


#: The commands this module adds to ``flask --app web``.
COMMANDS = (mail_in_command, mailin_command, imap_poll_command)


def init_app(app: Flask) -> None:
    """Register the HTTP way in (exempt from CSRF: it authenticates with the shared secret)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
