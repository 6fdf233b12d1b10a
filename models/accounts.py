"""What the coordinators' logins keep on the server: sessions, invitations, password resets."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField

from models.base import BaseModel, utcnow
from models.people import Person, User
from models.programme import Programme


class UserSession(BaseModel):
    """One logged-in browser; its cookie holds a random key whose hash is stored here.

    Deleting the row ends the session: logout deletes it, a password change deletes every
    session of the user, so a copied cookie stops working at once.
    """

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(unique=True)  # sha256 of the cookie's key, hex
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    remote_addr = CharField(default="")
    user_agent = CharField(default="")

    @classmethod
    def live(cls, now):
        """Select the sessions that have not expired at ``now``."""
        return cls.select().where(cls.expires_at > now)


class Invitation(BaseModel):
    """A coordinator's invitation to another person to coordinate a programme.

    The emailed link names this row and a random nonce whose hash is ``nonce_hash``; it
    works once (``accepted_at``), until ``expires_at``, unless revoked.
    """

    programme = ForeignKeyField(Programme, backref="invitations", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="invitations", on_delete="CASCADE")
    email = CharField()  # the address the link was sent to, lower-case
    invited_by = ForeignKeyField(User, null=True, backref="invitations", on_delete="SET NULL")
    nonce_hash = CharField()
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    accepted_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    @classmethod
    def pending(cls, now):
        """Select the invitations still usable at ``now``."""
        return cls.select().where(
            cls.accepted_at.is_null() & cls.revoked_at.is_null() & (cls.expires_at > now)
        )


class PasswordReset(BaseModel):
    """One request to reset a forgotten password, kept whether or not the address is known.

    Rows for unknown addresses have no user and no link; every row counts towards the
    rate limits on requests per client and per address.
    """

    email = CharField()  # as asked for, lower-case
    user = ForeignKeyField(User, null=True, backref="password_resets", on_delete="CASCADE")
    client = CharField()  # the requesting client's address (IPv6: its /64)
    nonce_hash = CharField(default="")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("client", "created_at"), False),
            (("email", "created_at"), False),
        )
