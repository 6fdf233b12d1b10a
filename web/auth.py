"""Coordinator login and logout: sessions kept on the server, guessing slowed per client."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from models import User
from workers.accounts import sessions, throttle
from workers.accounts.passwords import create_user, password_matches

__all__ = ["bp", "create_user", "log_in", "login_required", "safe_next"]

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: The cookie session's entry that holds the server-side session's key.
SESSION_KEY = "sid"


def client() -> str:
    """Return the key the throttle counts this request's client under."""
    return throttle.client_key(request.remote_addr)


def throttled(template: str, wait: int, **ctx):
    """Render ``template`` with a 429 that says how long to wait (Retry-After too)."""
    flash(f"Too many failed attempts from here. Try again in {throttle.describe_wait(wait)}.")
    response = make_response(render_template(template, **ctx), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def log_in(user: User) -> None:
    """Start a server-side session for ``user`` and put its key in a fresh cookie session."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = sessions.start_session(
        user, request.remote_addr or "", request.headers.get("User-Agent", "")
    )
    g.user = user


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Log a coordinator in."""
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()[:254]
        password = request.form.get("password", "")
        wait = throttle.wait_seconds(client(), email)
        if wait:
            return throttled("web/auth/login.html", wait)
        user = User.get_or_none((User.email == email) & (User.is_active == True))  # noqa: E712
        if password_matches(user, password):
            throttle.clear_failures(client(), email)
            log_in(user)
            return redirect(safe_next(request.args.get("next")))
        throttle.record_failure(client(), email)
        flash("Incorrect email or password.")
    return render_template("web/auth/login.html")


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the start page (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("index")
    # Browsers read "/\\evil.example" as "//evil.example"; control characters get stripped.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return url_for("index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("index")
    return target


@bp.route("/logout", methods=("POST",))
def logout():
    """Log out: end the session on the server, so no copy of the cookie works any more."""
    sessions.end_session(session.get(SESSION_KEY))
    session.clear()
    return redirect(url_for("auth.login"))


@bp.before_app_request
def load_logged_in_user() -> None:
    """Find who is logged in from the session's key; an ended session is nobody."""
    key = session.get(SESSION_KEY)
    g.user = sessions.session_user(key)
    if key and g.user is None:
        session.pop(SESSION_KEY, None)


def login_required(view):
    """Redirect anonymous visitors to the login page."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped
