"""One coordinator invites another to a programme by email; the link sets a password once.

Accepting creates the login, links it to the invited person and makes that person one of
the programme's coordinators (a ``Membership`` with role ``coordinator``). Someone who has
a login already is made a coordinator at once and told by email; no link is needed.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from models import AuditEvent, Invitation, Membership, Person, Programme, User, clock, db
from workers.accounts import links
from workers.accounts.errors import InvitationError, LinkError
from workers.accounts.passwords import check_name, check_new_password, create_user
from workers.outbound import outbox
from workers.workspace import checks
from workers.workspace.errors import InvalidValue, WorkspaceError
from workers.workspace.people import add_membership, add_person

#: How long an invitation link works.
INVITATION_LIFETIME = dt.timedelta(hours=72)

#: The role an accepted invitation gives in the programme.
COORDINATOR = "coordinator"


def _invitee(email: str, name: str, actor: str) -> Person:
    """Return the person with this address, or a new one; raise an AccountError if unusable."""
    try:
        address = checks.normalize_email(email)
    except InvalidValue:
        raise InvitationError("Enter an email address like name@example.org.", "email") from None
    person = Person.by_email(address)
    if person is None:
        try:
            return add_person(check_name(name), address, actor=actor)
        except WorkspaceError as exc:
            raise InvitationError(str(exc), "email") from None
    if not person.is_active:
        raise InvitationError(f"{person.name} is deactivated; reactivate them first.", "email")
    return person


def _is_coordinator(programme: Programme, person: Person) -> bool:
    return (
        Membership.select()
        .where(
            (Membership.programme == programme)
            & (Membership.person == person)
            & (Membership.role == COORDINATOR)
        )
        .exists()
    )


def _add_existing(programme: Programme, person: Person, user: User, inviter: User) -> None:
    """Make a person who has a login a coordinator at once, and tell them."""
    add_membership(programme, person, COORDINATOR, actor=f"user:{inviter.id}")
    if user.person_id is None:
        User.update(person=person).where(User.id == user.id).execute()
    ctx = {
        "inviter_name": inviter.name,
        "programme_name": programme.name,
        "login_url": links.page_url(links.LOGIN_PATH),
    }
    membership = Membership.get(
        (Membership.programme == programme)
        & (Membership.person == person)
        & (Membership.role == COORDINATOR)
    )
    outbox.queue_email("coordinator-added", person, ctx, key=f"coordinator-added:{membership.id}")


def _send_link(programme: Programme, person: Person, inviter: User) -> Invitation:
    now = clock.now()
    # A new link replaces the last one.
    Invitation.update(revoked_at=now).where(
        (Invitation.programme == programme)
        & (Invitation.person == person)
        & Invitation.accepted_at.is_null()
        & Invitation.revoked_at.is_null()
    ).execute()
    invitation = Invitation.create(
        programme=programme,
        person=person,
        email=person.email,
        invited_by=inviter,
        nonce_hash="",
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    token, invitation.nonce_hash = links.make_token("invitation", invitation.id)
    invitation.save(only=[Invitation.nonce_hash])
    ctx = {
        "inviter_name": inviter.name,
        "programme_name": programme.name,
        "link": links.link_url("invitation", token),
        "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    outbox.queue_email("coordinator-invite", person, ctx, key=f"invitation:{invitation.id}")
    return invitation


def invite(programme: Programme, email: str, name: str, inviter: User) -> Invitation | None:
    """Invite someone to coordinate ``programme``; None when they had a login and were added."""
    actor = f"user:{inviter.id}"
    with outbox.transaction():
        person = _invitee(email, name, actor)
        user = User.get_or_none(User.email == person.email)
        if user is not None and user.is_active:
            if _is_coordinator(programme, person):
                raise InvitationError(f"{person.name} coordinates this programme already.", "email")
            _add_existing(programme, person, user, inviter)
            return None
        invitation = _send_link(programme, person, inviter)
        AuditEvent.record(
            "invitation.sent", invitation, actor=actor, programme=programme.id, person=person.id
        )
    return invitation


def open_invitation(token: str) -> Invitation:
    """Return the pending invitation a link names; raise LinkError if it does not work."""
    row_id, nonce_hash = links.read_token("invitation", token, INVITATION_LIFETIME)
    invitation = Invitation.pending(clock.now()).where(Invitation.id == row_id).first()
    if invitation is None or not links.same_hash(invitation.nonce_hash, nonce_hash):
        raise LinkError(links.BAD_LINK)
    if not invitation.person.is_active:  # deactivated since: no way in
        raise LinkError(links.BAD_LINK)
    return invitation


def _claim(invitation: Invitation) -> None:
    """Mark the invitation accepted, if nobody else did first (the link works once)."""
    now = clock.now()
    claimed = (
        Invitation.update(accepted_at=now)
        .where(
            (Invitation.id == invitation.id)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
            & (Invitation.expires_at > now)
        )
        .execute()
    )
    if claimed != 1:
        raise LinkError(links.BAD_LINK)


def accept(token: str, name: str, password: str, confirm: str) -> tuple[User, bool]:
    """Accept an invitation: set the password, join the programme; return (user, created).

    ``created`` is False when a login with that address appeared since the invitation was
    sent: the person joins the programme, keeps their password, and must log in with it.
    """
    invitation = open_invitation(token)
    name = check_name(name)
    check_new_password(password, confirm, invitation.email)
    with outbox.transaction():
        _claim(invitation)
        user = User.get_or_none(User.email == invitation.email)
        created = user is None
        if created:
            try:
                with db.atomic():
                    user = create_user(invitation.email, name, password, person=invitation.person)
            except IntegrityError:
                raise LinkError(links.BAD_LINK) from None
        actor = f"user:{user.id}"
        add_membership(invitation.programme, invitation.person, COORDINATOR, actor=actor)
        AuditEvent.record("invitation.accepted", invitation, actor=actor, user=user.id)
    return user, created


def revoke(invitation: Invitation, actor: str) -> bool:
    """Make a pending invitation's link stop working; False if it was no longer pending."""
    now = clock.now()
    revoked = (
        Invitation.update(revoked_at=now)
        .where((Invitation.id == invitation.id) & Invitation.accepted_at.is_null())
        .where(Invitation.revoked_at.is_null())
        .execute()
    )
    if revoked:
        AuditEvent.record("invitation.revoked", invitation, actor=actor)
    return bool(revoked)


def _row(person: Person, status: str, invitation: Invitation | None = None) -> dict:
    row = {"name": person.name, "email": person.email, "status": status}
    if invitation is not None:
        row["expires"] = invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        row["invitation_id"] = invitation.id
    return row


def coordinators(programme: Programme) -> list[dict]:
    """Who coordinates ``programme``, then who is invited to: plain values for a page.

    Each row has ``name``, ``email`` and ``status``: "login", "no login" (a coordinator
    by role who cannot log in yet) or "invited" (with ``expires`` and ``invitation_id``).
    """
    people = list(
        Person.select()
        .join(Membership)
        .where((Membership.programme == programme) & (Membership.role == COORDINATOR))
        .order_by(Person.name)
    )
    logins = User.select(User.person).where(
        User.person.in_([p.id for p in people]) & (User.is_active == True)  # noqa: E712
    )
    with_login = {u.person_id for u in logins}
    pending = Invitation.pending(clock.now()).where(Invitation.programme == programme)
    invited = {i.person_id: i for i in pending.order_by(Invitation.created_at)}
    rows = []
    for person in people:
        if person.id in with_login:
            rows.append(_row(person, "login"))
        else:
            rows.append(
                _row(
                    person,
                    "invited" if person.id in invited else "no login",
                    invited.pop(person.id, None),
                )
            )
    rows.extend(_row(i.person, "invited", i) for i in invited.values())
    return rows
