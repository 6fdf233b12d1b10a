"""The programmes page: what a coordinator sees after logging in."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from peewee import JOIN, fn

from models import Cycle, Membership, Programme
from web.auth import login_required

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


@login_required
def index():
    """List the programmes with their member and cycle counts."""
    programmes = (
        Programme.select(
            Programme,
            fn.COUNT(Membership.id.distinct()).alias("member_count"),
        )
        .join(Membership, on=(Membership.programme == Programme.id), join_type=JOIN.LEFT_OUTER)
        .group_by(Programme.id)
        .order_by(Programme.name)
    )
    return render_template("web/programmes/index.html", programmes=programmes)


@bp.route("/<int:programme_id>")
@login_required
def show(programme_id: int):
    """Show one programme: its people and its cycles."""
    programme = Programme.get_or_none(Programme.id == programme_id) or abort(404)
    members = Membership.select().where(Membership.programme == programme).order_by(Membership.role)
    cycles = Cycle.select().where(Cycle.programme == programme).order_by(Cycle.created_at.desc())
    return render_template(
        "web/programmes/show.html", programme=programme, members=members, cycles=cycles
    )
