"""The signed tracking link to a material: it leads to the material, with no login (the
link's signature is the check), and records the completion when the participant goes on.

Mail systems' link scanners (Safe Links, gateway sandboxes) fetch every link of an email as it
arrives, with HEAD or GET, and follow redirects. So the link's GET only shows the material's
name and a button, and records nothing; the button's POST records the completion and goes on
to the material. A scanner cannot mark a material done for someone who never opened it.

The address it goes to is the one stored with the material, never one from the request, so
the link is no open redirect; a forged or damaged link gives 404 and goes nowhere.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from workers.tracking.material_links import MaterialLinkError, follow, read_link

bp = Blueprint("material_link", __name__)


@bp.after_request
def _private(response):
    # The link is a key: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/m/<token>", methods=("GET", "POST"))
def open_material(token: str):
    """Show the material the link names; on the button's POST record that the link's
    participant opened it, and send them to it."""
    try:
        if request.method == "POST":
            return redirect(follow(token), code=303)
        material, _ = read_link(token)
    except MaterialLinkError as exc:
        return render_template("web/learning/material_link.html", error=str(exc)), 404
    return render_template("web/learning/material_open.html", material=material, token=token)
