"""The signed tracking link to a material: it records the completion and goes on to the
material, with no login (the link's signature is the check).

The address it goes to is the one stored with the material, never one from the request, so
the link is no open redirect; a forged or damaged link gives 404 and goes nowhere.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from workers.tracking.material_links import MaterialLinkError, follow, peek

bp = Blueprint("material_link", __name__)


@bp.after_request
def _private(response):
    # The link is a key: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/m/<token>")
def open_material(token: str):
    """Record that the link's participant opened the material, and send them to it."""
    try:
        # Link checkers in mail systems often send HEAD first: that is no one reading.
        target = peek(token) if request.method == "HEAD" else follow(token)
    except MaterialLinkError as exc:
        return render_template("web/learning/material_link.html", error=str(exc)), 404
    return redirect(target, code=302)
