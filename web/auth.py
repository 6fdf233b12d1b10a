"""Coordinator login and logout, with a rate limit on guessing."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from models import LoginAttempt, User, clock

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: Failed logins allowed per address and per client within the window.
MAX_FAILURES = 5
#: How long failed logins count against an address or client.
FAILURE_WINDOW = dt.timedelta(minutes=15)

#: Checked when no user has the address, so both cases take as long (no probing by timing).
DUMMY_HASH = generate_password_hash("no such user")


def create_user(email: str, name: str, password: str, role: str = "coordinator") -> User:
    """Create a web login with a hashed password."""
    return User.create(
        email=email.strip().lower(),
        name=name,
        password_hash=generate_password_hash(password),
        role=role,
    )


def too_many_failures(email: str, remote_addr: str) -> bool:
    """Tell whether this address or client has failed too often recently."""
    since = clock.now() - FAILURE_WINDOW
    recent = LoginAttempt.select().where(LoginAttempt.at > since)
    by_email = recent.where(LoginAttempt.email == email).count()
    by_addr = recent.where(LoginAttempt.remote_addr == remote_addr).count()
    return by_email >= MAX_FAILURES or by_addr >= MAX_FAILURES * 4


def password_matches(user: User | None, password: str) -> bool:
    """Check ``password`` against the user's hash, taking as long when there is no user."""
    matches = check_password_hash(user.password_hash if user else DUMMY_HASH, password)
    return user is not None and matches


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Log a coordinator in."""
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        remote = request.remote_addr or "?"
        error = None
        user = User.get_or_none((User.email == email) & (User.is_active == True))  # noqa: E712
        if too_many_failures(email, remote):
            error = "Too many failed attempts. Wait 15 minutes and try again."
        elif not password_matches(user, password):
            LoginAttempt.create(email=email, remote_addr=remote)
            error = "Incorrect email or password."
        if error is None:
            session.clear()
            session.permanent = True
            session["user_id"] = user.id
            return redirect(safe_next(request.args.get("next")))
        flash(error)
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
    """Log out and forget the session."""
    session.clear()
    return redirect(url_for("auth.login"))


@bp.before_app_request
def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    g.user = User.get_or_none(User.id == user_id) if user_id else None


def login_required(view):
    """Redirect anonymous visitors to the login page."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped
