"""Who may see which programme: a coordinator their own, an administrator all of them.

Every view that takes a programme, or anything inside one, goes through ``programme_or_404``
(or ``visible_programmes`` for lists), so typing another programme's URL gives a 404.
"""

from __future__ import annotations

from flask import abort, g
from peewee import Query

from models import Membership, Programme, User

#: The account role that sees every programme.
ADMIN_ROLE = "admin"


def is_admin(user: User | None) -> bool:
    """Tell whether ``user`` is an administrator."""
    return user is not None and user.role == ADMIN_ROLE


def visible_programmes(user: User | None = None) -> Query:
    """Return the programmes ``user`` (default: the logged-in one) may see."""
    user = user if user is not None else g.user
    query = Programme.select()
    if is_admin(user):
        return query
    if user is None or user.person_id is None:
        return query.where(Programme.id.in_([]))
    mine = Membership.select(Membership.programme).where(
        (Membership.person == user.person_id) & (Membership.role == "coordinator")
    )
    return query.where(Programme.id.in_(mine))


def may_see(programme_id: int, user: User | None = None) -> bool:
    """Tell whether ``user`` (default: the logged-in one) may see this programme."""
    return visible_programmes(user).where(Programme.id == programme_id).exists()


def programme_or_404(programme_id: int) -> Programme:
    """Return the programme if the logged-in user may see it; otherwise answer 404."""
    programme = visible_programmes().where(Programme.id == programme_id).first()
    if programme is None:
        abort(404)
    return programme
