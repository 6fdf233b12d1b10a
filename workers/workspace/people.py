"""Add, edit and deactivate people, their addresses and their roles in programmes.

Each function checks what a coordinator typed, changes the rows in one transaction and
audits the change; each raises ``PersonError`` with the reason to show beside the field.
"""

from __future__ import annotations

from models import AuditEvent, EmailAlias, Membership, Person, Programme, User, clock, db
from workers import settings as settings_mod
from workers.workspace import checks
from workers.workspace.errors import InvalidValue, PersonError

#: Person fields ``edit_person`` may change.
EDITABLE = ("name", "timezone", "department", "language")


def _check_field(field: str, value: str) -> str | None:
    text = " ".join(value.split())
    if field == "name" and not text:
        raise InvalidValue("the name is missing")
    if field == "timezone":
        return checks.canonical_timezone(text)
    if field == "language":
        return checks.normalize_language(text) if text else None
    return text or None


def _checked(changes: dict) -> dict:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise PersonError(f"cannot change {sorted(unknown)[0]}")
    checked = {}
    for field, value in changes.items():
        try:
            checked[field] = _check_field(field, str(value or ""))
        except InvalidValue as exc:
            raise PersonError(str(exc), field=field) from None
    return checked


def field_errors(changes: dict) -> dict[str, str]:
    """Return why each bad value of ``name``, ``timezone``, ``department`` or ``language`` is
    bad, by field (empty when all are good)."""
    errors = {}
    for field, value in changes.items():
        try:
            _checked({field: value})
        except PersonError as exc:
            errors[exc.field or field] = str(exc)
    return errors


def free_address(value: str, person: Person | None = None, field: str = "email") -> str:
    """Return ``value`` checked and lower-cased; raise if it is someone else's address."""
    try:
        address = checks.normalize_email(value)
    except InvalidValue as exc:
        raise PersonError(str(exc), field=field) from None
    owner = Person.by_email(address)
    if owner is not None and (person is None or owner.id != person.id):
        raise PersonError(
            f"{address} is already the address of {owner.name} ({owner.email})", field=field
        )
    return address


def login_person(user: User, *, actor: str = "system") -> Person:
    """Return the person a web login stands for, linking (or adding) one by its address."""
    if user.person_id is not None:
        return Person.get_by_id(user.person_id)
    with db.atomic():
        person = Person.by_email(user.email)
        if person is None:
            person = add_person(user.name, user.email, actor=actor)
        User.update(person=person).where(User.id == user.id).execute()
    user.person = person
    return person


def add_person(
    name: str,
    email: str,
    *,
    timezone: str | None = None,
    department: str = "",
    language: str = "",
    actor: str = "system",
) -> Person:
    """Create a person with a new address and audit it."""
    zone = timezone or settings_mod.get().default_timezone
    values = _checked(
        {"name": name, "timezone": zone, "department": department, "language": language}
    )
    with db.atomic():
        values["email"] = free_address(email)
        person = Person.create(**values)
        AuditEvent.record("person.created", person, actor=actor, **values)
    return person


def edit_person(person: Person, *, actor: str = "system", **changes) -> dict:
    """Change a person's name, time zone, department or language; return what changed."""
    values = _checked(changes)
    changed = {k: [getattr(person, k), v] for k, v in values.items() if getattr(person, k) != v}
    if changed:
        with db.atomic():
            Person.update(values).where(Person.id == person.id).execute()
            for field, (_, new) in changed.items():
                setattr(person, field, new)
            AuditEvent.record("person.updated", person, actor=actor, changes=changed)
    return changed


def change_email(person: Person, new_email: str, *, actor: str = "system") -> bool:
    """Give a person a new main address and keep the old one as an alias.

    Replies to mail sent before the change come from the old address; as an alias it still
    identifies the person. Returns False when the address is already the main one.
    """
    with db.atomic():
        new = free_address(new_email, person)
        old = person.email
        if new == old:
            return False
        # The new address may be one of the person's aliases: it becomes the main one.
        EmailAlias.delete().where(EmailAlias.email == new).execute()
        Person.update(email=new).where(Person.id == person.id).execute()
        EmailAlias.create(person=person, email=old)
        person.email = new
        AuditEvent.record("person.email_changed", person, actor=actor, old=old, new=new)
    return True


def add_alias(person: Person, email: str, *, actor: str = "system") -> EmailAlias:
    """Record another address a person writes from."""
    with db.atomic():
        address = free_address(email, person, field="aliases")
        if address == person.email:
            raise PersonError(f"{address} is already {person.name}'s main address", "aliases")
        alias, created = EmailAlias.get_or_create(email=address, defaults={"person": person})
        if created:
            AuditEvent.record("person.alias_added", person, actor=actor, email=address)
    return alias


def remove_alias(person: Person, email: str, *, actor: str = "system") -> bool:
    """Forget one of a person's aliases; False if they had no such alias."""
    address = email.strip().lower()
    with db.atomic():
        deleted = (
            EmailAlias.delete()
            .where((EmailAlias.person == person) & (EmailAlias.email == address))
            .execute()
        )
        if deleted:
            AuditEvent.record("person.alias_removed", person, actor=actor, email=address)
    return bool(deleted)


def deactivate_person(person: Person, *, actor: str = "system") -> bool:
    """Stop all email to a person, keeping their history; False if already inactive."""
    return _set_deactivated(person, clock.now(), "person.deactivated", actor)


def reactivate_person(person: Person, *, actor: str = "system") -> bool:
    """Let Tandem email a deactivated person again; False if they were active."""
    return _set_deactivated(person, None, "person.reactivated", actor)


def _set_deactivated(person: Person, when, verb: str, actor: str) -> bool:
    with db.atomic():
        # Conditional on the current state, so a double click audits once.
        updated = (
            Person.update(deactivated_at=when)
            .where((Person.id == person.id) & Person.deactivated_at.is_null(when is not None))
            .execute()
        )
        if updated:
            person.deactivated_at = when
            AuditEvent.record(verb, person, actor=actor)
    return bool(updated)


def add_membership(
    programme: Programme, person: Person, role: str, *, actor: str = "system"
) -> bool:
    """Give a person a role in a programme; False if they had it already."""
    try:
        role = checks.parse_role(role)
    except InvalidValue as exc:
        raise PersonError(str(exc), field="roles") from None
    with db.atomic():
        _, created = Membership.get_or_create(
            programme=programme,
            person=person,
            role=role,
            defaults={"department": person.department or ""},
        )
        if created:
            AuditEvent.record(
                "membership.added", person, actor=actor, programme=programme.id, role=role
            )
    return created


def remove_membership(
    programme: Programme, person: Person, role: str, *, actor: str = "system"
) -> bool:
    """Take a role in a programme away from a person; False if they did not have it."""
    with db.atomic():
        deleted = (
            Membership.delete()
            .where(
                (Membership.programme == programme)
                & (Membership.person == person)
                & (Membership.role == role)
            )
            .execute()
        )
        if deleted:
            AuditEvent.record(
                "membership.removed", person, actor=actor, programme=programme.id, role=role
            )
    return bool(deleted)
