"""Accounts and their passwords: create a login, check a new password, change it.

Setting a password ends every session of the user and every reset link still open, and
tells the user by email, so someone who learnt the old password is out at once and the
owner hears of a change they did not make.
"""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from models import AuditEvent, PasswordReset, Person, User, clock
from workers import settings as settings_mod
from workers.accounts.errors import AccountError, PasswordError
from workers.accounts.links import FORGOT_PATH, page_url
from workers.accounts.sessions import end_user_sessions
from workers.outbound import outbox

#: Shortest password accepted when one is chosen (the NIST SP 800-63B floor is 8).
MIN_LENGTH = 10

#: Longest password accepted: hashing is slow on purpose, so an endless one is refused.
MAX_LENGTH = 200

#: Longest name of a person or login.
MAX_NAME_LENGTH = 200

#: Checked when no user has the address, so both cases take as long (no probing by timing).
DUMMY_HASH = generate_password_hash("no such user")


def check_new_password(password: str, confirm: str | None = None, email: str = "") -> str:
    """Return ``password`` if it may be chosen; raise PasswordError saying why not."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"Use at least {MIN_LENGTH} characters.", "password")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"Use at most {MAX_LENGTH} characters.", "password")
    if email and password.strip().lower() == email.strip().lower():
        raise PasswordError("Do not use your email address as your password.", "password")
    if confirm is not None and confirm != password:
        raise PasswordError("The two passwords are not the same.", "confirm")
    return password


def check_name(name: str) -> str:
    """Return the name with its spaces tidied; raise AccountError(field="name") if unusable."""
    text = " ".join(name.split())
    if not text:
        raise AccountError("Enter a name.", "name")
    if len(text) > MAX_NAME_LENGTH:
        raise AccountError(f"Use at most {MAX_NAME_LENGTH} characters.", "name")
    return text


def password_matches(user: User | None, password: str) -> bool:
    """Check ``password`` against the user's hash, taking as long when there is no user."""
    matches = check_password_hash(user.password_hash if user else DUMMY_HASH, password)
    return user is not None and matches


def create_user(
    email: str, name: str, password: str, role: str = "coordinator", person: Person | None = None
) -> User:
    """Create a web login with a hashed password, linked to the person with that address."""
    address = email.strip().lower()
    return User.create(
        email=address,
        name=name,
        password_hash=generate_password_hash(password),
        role=role,
        person=person or Person.by_email(address),
    )


def person_for(user: User) -> Person:
    """Return the person a user's emails go to, linking or creating one the first time."""
    if user.person_id is not None:
        return user.person
    person = Person.by_email(user.email) or Person.create(
        name=user.name, email=user.email, timezone=settings_mod.get().default_timezone
    )
    User.update(person=person).where(User.id == user.id).execute()
    user.person = person
    return person


def set_password(user: User, password: str, *, actor: str) -> None:
    """Store a new password, end all the user's sessions and open reset links, tell them."""
    with outbox.transaction():
        user.password_hash = generate_password_hash(password)
        User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
        ended = end_user_sessions(user)
        PasswordReset.update(used_at=clock.now()).where(
            (PasswordReset.user == user.id) & PasswordReset.used_at.is_null()
        ).execute()
        event = AuditEvent.record("user.password_set", user, actor=actor, sessions_ended=ended)
        outbox.queue_email(
            "password-changed",
            person_for(user),
            {
                "login_email": user.email,
                "changed_at": event.at.strftime("%Y-%m-%d %H:%M UTC"),
                "forgot_url": page_url(FORGOT_PATH),
            },
            key=f"password-changed:{event.id}",
        )


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change a logged-in user's password once their current one checks out."""
    if not password_matches(user, current):
        raise PasswordError("That is not your current password.", "current")
    check_new_password(new, confirm, user.email)
    set_password(user, new, actor=f"user:{user.id}")
