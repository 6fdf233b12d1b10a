"""Who coordinates a programme, and inviting another coordinator by email."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from models import Invitation
from web.access import programme_or_404
from web.auth import login_required
from workers.accounts import invitations
from workers.accounts.errors import AccountError

bp = Blueprint("coordinators", __name__, url_prefix="/programmes/<int:programme_id>/coordinators")

#: Longest value read from a field of the invitation form.
MAX_FIELD = 320


@bp.route("", methods=("GET", "POST"))
@login_required
def index(programme_id: int):
    """List the programme's coordinators and invitations; invite another coordinator."""
    programme = programme_or_404(programme_id)
    errors = {}
    if request.method == "POST":
        email = request.form.get("email", "")[:MAX_FIELD]
        name = request.form.get("name", "")[:MAX_FIELD]
        try:
            sent = invitations.invite(programme, email, name, g.user)
        except AccountError as exc:
            errors = {exc.field or "email": str(exc)}
        else:
            if sent is None:
                flash(f"{email.strip()} coordinates {programme.name} now; we told them.", "ok")
            else:
                hours = int(invitations.INVITATION_LIFETIME.total_seconds() // 3600)
                flash(f"Invitation sent to {sent.email}; the link works for {hours} hours.", "ok")
            return redirect(url_for("coordinators.index", programme_id=programme.id))
    return render_template(
        "web/auth/coordinators.html",
        programme=programme,
        coordinators=invitations.coordinators(programme),
        errors=errors,
        form=request.form,
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=("POST",))
@login_required
def revoke(programme_id: int, invitation_id: int):
    """Make a pending invitation's link stop working."""
    programme = programme_or_404(programme_id)
    invitation = Invitation.get_or_none(
        (Invitation.id == invitation_id) & (Invitation.programme == programme)
    )
    if invitation is None:
        abort(404)
    if invitations.revoke(invitation, f"user:{g.user.id}"):
        flash(f"The invitation to {invitation.email} no longer works.", "ok")
    return redirect(url_for("coordinators.index", programme_id=programme.id))
