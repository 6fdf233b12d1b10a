"""A coordinator's own account: change the password, reset a forgotten one, accept an
invitation.

A link from an email carries its token in the query string; the page keeps it in the session
and sends the browser on to itself without it, so the token does not stay in the address
bar, the history or a Referer.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from web.auth import client, log_in, login_required, throttled
from workers.accounts import invitations, resets, throttle
from workers.accounts.errors import AccountError, LinkError, Throttled
from workers.accounts.links import MAX_TOKEN_LENGTH
from workers.accounts.passwords import MIN_LENGTH, change_password

bp = Blueprint("accounts", __name__)

#: The cookie session's entry holding a link's token between its two requests.
LINK_KEY = "link"

#: What the forgotten-password page says after every request, known address or not.
RESET_SENT = (
    "If that address has a Tandem login, a link to choose a new password is on its way. "
    "It works once, within the hour."
)


def _form_errors(exc: AccountError) -> dict[str, str]:
    return {exc.field or "form": str(exc)}


@bp.route("/account/password", methods=("GET", "POST"))
@login_required
def password():
    """Change one's own password; every other session ends."""
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            change_password(
                g.user, form.get("current", ""), form.get("password", ""), form.get("confirm", "")
            )
        except AccountError as exc:
            errors = _form_errors(exc)
        else:
            log_in(g.user)  # the old session ended with all the others; this browser stays in
            flash("Your password is changed. You were logged out everywhere else.", "ok")
            return redirect(url_for("index"))
    return render_template("web/auth/password.html", errors=errors, min_length=MIN_LENGTH)


@bp.route("/auth/forgot", methods=("GET", "POST"))
def forgot():
    """Ask for a reset link by email; the answer is the same for any address."""
    if request.method == "POST":
        try:
            resets.request_reset(request.form.get("email", ""), client())
        except Throttled as exc:
            return throttled("web/auth/forgot.html", exc.wait)
        flash(RESET_SENT, "ok")
        return redirect(url_for("auth.login"))
    return render_template("web/auth/forgot.html")


def _keep_link(endpoint: str):
    """Keep a link's token in the session and send the browser on without it (None: no token)."""
    token = request.args.get("token")
    if token is None:
        return None
    session[LINK_KEY] = token[:MAX_TOKEN_LENGTH]
    return redirect(url_for(endpoint))


def _bad_link(template: str, exc: LinkError):
    """Count a link that does not work against the client, and say so."""
    throttle.record_failure(client())
    session.pop(LINK_KEY, None)
    return render_template(template, link_error=str(exc)), 400


@bp.route("/auth/reset", methods=("GET", "POST"))
def reset():
    """Choose a new password through a reset link; the user is logged in after."""
    if moved := _keep_link("accounts.reset"):
        return moved
    wait = throttle.wait_seconds(client())
    if wait:
        return throttled("web/auth/reset.html", wait, link_error="")
    token = session.get(LINK_KEY, "")
    errors = {}
    try:
        resets.open_reset(token)
        if request.method == "POST":
            form = request.form
            user = resets.reset_password(token, form.get("password", ""), form.get("confirm", ""))
            log_in(user)
            flash("Your password is changed. You were logged out everywhere else.", "ok")
            return redirect(url_for("index"))
    except LinkError as exc:
        return _bad_link("web/auth/reset.html", exc)
    except AccountError as exc:
        errors = _form_errors(exc)
    return render_template("web/auth/reset.html", errors=errors, min_length=MIN_LENGTH)


@bp.route("/auth/invitation", methods=("GET", "POST"))
def accept():
    """Accept an invitation to coordinate a programme: choose a name and a password."""
    if moved := _keep_link("accounts.accept"):
        return moved
    wait = throttle.wait_seconds(client())
    if wait:
        return throttled("web/auth/invitation.html", wait, link_error="")
    token = session.get(LINK_KEY, "")
    errors = {}
    try:
        invitation = invitations.open_invitation(token)
        if request.method == "POST":
            return _accepted(token, invitation.programme_id)
    except LinkError as exc:
        return _bad_link("web/auth/invitation.html", exc)
    except AccountError as exc:
        errors = _form_errors(exc)
    ctx = {
        "email": invitation.email,
        "name": invitation.person.name,
        "programme_name": invitation.programme.name,
    }
    return render_template(
        "web/auth/invitation.html",
        errors=errors,
        min_length=MIN_LENGTH,
        invitation=ctx,
        form=request.form,
    )


def _accepted(token: str, programme_id: int):
    form = request.form
    user, created = invitations.accept(
        token, form.get("name", ""), form.get("password", ""), form.get("confirm", "")
    )
    session.pop(LINK_KEY, None)
    if not created:
        flash("You have a Tandem login already: log in with its password.", "ok")
        return redirect(url_for("auth.login"))
    log_in(user)
    flash("Welcome to Tandem.", "ok")
    return redirect(url_for("programmes.show", programme_id=programme_id))
