"""People, their email aliases and the accounts coordinators log in with."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.base import BaseModel, utcnow

#: Delivery states of a person's address, driven by bounces.
BOUNCE_STATES = ("ok", "soft", "hard")


class Person(BaseModel):
    """Anyone Tandem writes to: stakeholders, mentors, mentees, facilitators, coordinators."""

    name = CharField()
    email = CharField(unique=True)  # stored lower-case
    timezone = CharField(default="UTC")
    roles = CharField(default="")  # comma-separated, e.g. "stakeholder,mentor"
    bounce_state = CharField(default="ok")
    soft_bounces = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    # Null rather than "" when not given, so rows written by older code need no value.
    department = CharField(null=True)  # department, organisation or school
    language = CharField(null=True)  # e.g. "en", "fr-CA"; null: the programme's
    deactivated_at = DateTimeField(null=True)  # set: no more email, history kept

    @classmethod
    def reachable(cls):
        """Select the people Tandem may still email: active and not hard-bounced."""
        return cls.select().where(cls.deactivated_at.is_null() & (cls.bounce_state != "hard"))

    @classmethod
    def by_email(cls, email: str) -> Person | None:
        """Return the person with this address or alias, case-insensitively."""
        address = email.strip().lower()
        person = cls.get_or_none(cls.email == address)
        if person is None:
            alias = EmailAlias.get_or_none(EmailAlias.email == address)
            person = alias.person if alias else None
        return person

    def owns_address(self, email: str) -> bool:
        """Tell whether ``email`` is this person's address or one of their aliases."""
        address = email.strip().lower()
        if address == self.email:
            return True
        return (
            EmailAlias.select()
            .where((EmailAlias.person == self) & (EmailAlias.email == address))
            .exists()
        )

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]

    @property
    def is_active(self) -> bool:
        """Tell whether the person is active (a coordinator has not deactivated them)."""
        return self.deactivated_at is None

    @property
    def can_receive_email(self) -> bool:
        """Tell whether Tandem may send this person email: active, address not hard-bounced."""
        return self.is_active and self.bounce_state != "hard"


class EmailAlias(BaseModel):
    """Another address a person writes from, added by a coordinator."""

    person = ForeignKeyField(Person, backref="aliases", on_delete="CASCADE")
    email = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)


class User(BaseModel):
    """A login for the web page (coordinators, optionally facilitators)."""

    email = CharField(unique=True)
    name = CharField()
    password_hash = CharField()
    role = CharField(default="coordinator")
    person = ForeignKeyField(Person, null=True, backref="users", on_delete="SET NULL")
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class LoginAttempt(BaseModel):
    """One failed try from a client: a wrong password for ``email``, or (``email`` empty) an
    invitation or reset link that did not work; kept to slow that client's guessing."""

    email = CharField(index=True)
    remote_addr = CharField(index=True)  # the client: an IPv4 address or an IPv6 /64
    at = DateTimeField(default=utcnow, index=True)
