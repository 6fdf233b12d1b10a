"""The person form: read it, say what is wrong beside each field, and save it in one go.

Saving goes through ``workers.workspace.people`` (each change checked and audited) inside
one transaction, so a form either changes everything it asks for or nothing.
"""

from __future__ import annotations

import re

from models import EmailAlias, Membership, Person, Programme, db
from models.programme import MEMBER_ROLES
from workers.workspace import people as workspace
from workers.workspace.errors import PersonError

#: Longest value read from a one-line field, and from the aliases box.
MAX_FIELD = 320
MAX_ALIASES = 5000

#: The fields of the form, as ``read_form`` returns them.
FIELDS = ("name", "email", "aliases", "timezone", "department", "language", "roles")


def read_form(form) -> dict:
    """Return what a submitted person form says, as plain values."""
    return {
        "name": form.get("name", "")[:MAX_FIELD],
        "email": form.get("email", "").strip()[:MAX_FIELD],
        "aliases": form.get("aliases", "")[:MAX_ALIASES],
        "timezone": form.get("timezone", "")[:MAX_FIELD],
        "department": form.get("department", "")[:MAX_FIELD],
        "language": form.get("language", "")[:MAX_FIELD],
        "roles": [r for r in form.getlist("roles") if r in MEMBER_ROLES],
    }


def form_values(person: Person, programme: Programme) -> dict:
    """Return what the form shows for an existing person in ``programme``."""
    aliases = EmailAlias.select().where(EmailAlias.person == person).order_by(EmailAlias.email)
    return {
        "name": person.name,
        "email": person.email,
        "aliases": "\n".join(a.email for a in aliases),
        "timezone": person.timezone,
        "department": person.department or "",
        "language": person.language or "",
        "roles": roles_in(programme, person),
    }


def roles_in(programme: Programme, person: Person) -> list[str]:
    """Return the person's roles in ``programme``, in MEMBER_ROLES order."""
    held = {
        m.role
        for m in Membership.select(Membership.role).where(
            (Membership.programme == programme) & (Membership.person == person)
        )
    }
    return [role for role in MEMBER_ROLES if role in held]


def split_aliases(text: str) -> list[str]:
    """Split the aliases box (one per line, or separated by commas or semicolons)."""
    return list(dict.fromkeys(a.strip().lower() for a in re.split(r"[\s,;]+", text) if a.strip()))


def check(values: dict, person: Person | None = None) -> dict[str, str]:
    """Return why each bad field is bad (empty when the form can be saved)."""
    fields = ("name", "timezone", "department", "language")
    errors = workspace.field_errors({f: values[f] for f in fields})
    for field, addresses in (
        ("email", [values["email"]]),
        ("aliases", split_aliases(values["aliases"])),
    ):
        for address in addresses:
            try:
                workspace.free_address(address, person, field=field)
            except PersonError as exc:
                errors.setdefault(field, str(exc))
    if not values["roles"]:
        errors["roles"] = "choose at least one role in this programme"
    return errors


def _aliases(person: Person, wanted: list[str], actor: str) -> None:
    current = {a.email for a in EmailAlias.select().where(EmailAlias.person == person)}
    for address in current - set(wanted):
        workspace.remove_alias(person, address, actor=actor)
    for address in wanted:
        if address not in current and address != person.email:
            workspace.add_alias(person, address, actor=actor)


def _roles(programme: Programme, person: Person, wanted: list[str], actor: str) -> None:
    held = roles_in(programme, person)
    for role in held:
        if role not in wanted:
            workspace.remove_membership(programme, person, role, actor=actor)
    for role in wanted:
        if role not in held:
            workspace.add_membership(programme, person, role, actor=actor)


def create(programme: Programme, values: dict, actor: str) -> Person:
    """Add a person with their addresses and roles in ``programme``; raise PersonError."""
    with db.atomic():
        person = workspace.add_person(
            values["name"],
            values["email"],
            timezone=values["timezone"] or programme.timezone,
            department=values["department"],
            language=values["language"],
            actor=actor,
        )
        _aliases(person, split_aliases(values["aliases"]), actor)
        _roles(programme, person, values["roles"], actor)
    return person


def update(programme: Programme, person: Person, values: dict, actor: str) -> None:
    """Save every change the form asks for, or none of them; raise PersonError."""
    with db.atomic():
        fields = ("name", "timezone", "department", "language")
        workspace.edit_person(person, actor=actor, **{f: values[f] for f in fields})
        wanted = split_aliases(values["aliases"])
        old = person.email
        # A new main address keeps the old one as an alias, so replies to earlier mail count.
        if workspace.change_email(person, values["email"], actor=actor):
            wanted.append(old)
        _aliases(person, [a for a in wanted if a != person.email], actor)
        _roles(programme, person, values["roles"], actor)
