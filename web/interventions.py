"""A programme's interventions: every flag open now or raised lately, cleared ones shown as
cleared, with its reasons, who was asked, and what came of it.

Nested under the programmes blueprint (``/programmes/<id>/interventions``); the programme is
checked through ``web.access``.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from web.access import programme_or_404
from web.auth import login_required
from workers.tracking.interventions import HISTORY_DAYS, history

bp = Blueprint("interventions", __name__, url_prefix="/<int:programme_id>/interventions")


@bp.route("")
@login_required
def index(programme_id: int):
    """List the programme's flags with their interventions and outcomes."""
    programme = programme_or_404(programme_id)
    return render_template(
        "web/learning/interventions.html",
        programme=programme,
        flags=history(programme.id),
        days=HISTORY_DAYS,
    )
