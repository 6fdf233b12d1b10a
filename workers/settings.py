"""Tandem's settings, read from the environment by the entry points and checked loudly."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


class ConfigError(ValueError, click.ClickException):
    """A setting has a value Tandem cannot use; the message names the variable."""

    # A click exception too, so every ``flask`` command stops with one clear line.
    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        click.ClickException.__init__(self, message)


#: Every variable with its default; ``.env.example`` documents the same list.
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/tandem.db",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SMTP_URL": "smtp://127.0.0.1:1025",
    "MAIL_FROM": "Tandem <tandem@tandem.localhost>",
    "REPLY_DOMAIN": "tandem.localhost",
    "SECRET_KEY": "",
    "SECRET_KEY_PREVIOUS": "",
    "TANDEM_ENV": "production",
    "BASE_URL": "http://127.0.0.1:5000",
    "DEFAULT_TIMEZONE": "UTC",
    "MAILIN_HOST": "127.0.0.1",
    "MAILIN_PORT": "2525",
    "MAX_INBOUND_BYTES": str(25 * 1024 * 1024),
    "INBOUND_HTTP_SECRET": "",
    "IMAP_URL": "",
    "DEV_MAILBOX": "0",
    "DEV_SMTP_PORT": "1025",
    "SUMMARY_WITHIN_HOURS": "24",
    "SCHEDULER_INTERVAL": "5",
    "REPLY_TOKEN_DAYS": "60",
    "TRUSTED_AUTHSERV_IDS": "",
    "SMTP_CA_FILE": "",
    "IMAP_CA_FILE": "",
    "DELIVERY_LEASE_SECONDS": "120",
    "REMINDER_HOURS": "72,24",
    "REPLY_DEADLINE_HOURS": "48",
    "BRIEF_BEFORE_HOURS": "2",
    "ITEM_REMINDER_DAYS": "3,1",
    "NEXT_CYCLE_WEEKS": "4",
    "TRUSTED_PROXIES": "0",
    "UPLOAD_DIR": "var/uploads",
    "MAX_ATTACHMENT_BYTES": str(10 * 1024 * 1024),
}

#: What TANDEM_ENV may say: ``dev`` (``make run``, the tests) makes do with a weak SECRET_KEY.
ENVIRONMENTS = ("production", "dev")

#: The key a dev run signs with when it sets none; it is public, so only dev accepts it.
DEV_SECRET_KEY = "dev-insecure-change-me"

#: Fewest characters of a SECRET_KEY (or a previous one) accepted outside dev.
MIN_SECRET_KEY = 32

#: URL schemes accepted for SMTP_URL.
SMTP_SCHEMES = ("smtp", "smtps", "smtp+starttls")

#: URL schemes that may leave out the host (a file, a Unix socket, libpq's default socket).
HOSTLESS_SCHEMES = ("sqlite", "unix", "postgresql", "postgres")


@dataclass(frozen=True)
class Settings:
    """Checked configuration shared by the web app, the workers and the commands."""

    database_url: str
    redis_url: str
    smtp_url: str
    mail_from: str
    reply_domain: str
    secret_key: str
    base_url: str
    default_timezone: str
    mailin_host: str
    mailin_port: int
    max_inbound_bytes: int
    inbound_http_secret: str
    imap_url: str
    dev_mailbox: bool
    summary_within_hours: int
    scheduler_interval: float
    reply_token_days: int
    trusted_authserv_ids: tuple[str, ...]
    smtp_ca_file: str = ""
    imap_ca_file: str = ""
    delivery_lease_seconds: int = 120
    dev_smtp_port: int = 1025
    reminder_hours: tuple[int, ...] = (72, 24)
    reply_deadline_hours: int = 48
    brief_before_hours: int = 2
    item_reminder_days: tuple[int, ...] = (3, 1)
    next_cycle_weeks: int = 4
    secret_key_previous: tuple[str, ...] = ()
    tandem_env: str = "production"
    trusted_proxies: int = 0
    upload_dir: str = "var/uploads"
    max_attachment_bytes: int = 10 * 1024 * 1024

    def __repr__(self) -> str:
        """Show the settings with keys and passwords hidden: a repr may end up in a log."""
        secret = ("secret_key", "secret_key_previous", "inbound_http_secret")
        shown = {f.name: "***" if f.name in secret else getattr(self, f.name) for f in fields(self)}
        return _without_password(f"Settings({shown})")

    @property
    def verification_keys(self) -> tuple[str, ...]:
        """Return the keys a signature may have been made with: SECRET_KEY, then the previous."""
        return (self.secret_key, *self.secret_key_previous)


def _int(name: str, value: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {number}")
    return number


def _ints(name: str, value: str, minimum: int = 1) -> tuple[int, ...]:
    """Read a comma-separated list of whole numbers, largest first ("" is none)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if value.strip() and not (parts and all(re.fullmatch(r"[0-9]+", p) for p in parts)):
        raise ConfigError(f"{name} must be whole numbers separated by commas, got {value!r}")
    return tuple(sorted({_int(name, part, minimum) for part in parts}, reverse=True))


def _float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return number


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    shown = _without_password(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigError(f"{name} must start with one of {allowed}; got {shown!r}")
    try:
        parts.port  # noqa: B018  (parsing the port is the check)
    except ValueError:
        raise ConfigError(f"{name} has a bad port number, got {shown!r}") from None
    if parts.scheme not in HOSTLESS_SCHEMES and not parts.hostname:
        raise ConfigError(f"{name} must name a host, got {shown!r}")
    return value


def _without_password(url: str) -> str:
    """Return ``url`` with the password of its ``user:password@`` hidden, for messages."""
    return re.sub(r"(//[^/@:'\s]*:)[^/@'\s]*@", r"\1***@", url)


def _secret_keys(env: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Return SECRET_KEY and the previous keys; outside dev, refuse missing or weak ones."""
    if env["TANDEM_ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"TANDEM_ENV must be production or dev, got {env['TANDEM_ENV']!r}")
    dev = env["TANDEM_ENV"] == "dev"
    key = env["SECRET_KEY"] or (DEV_SECRET_KEY if dev else "")
    previous = tuple(p.strip() for p in env["SECRET_KEY_PREVIOUS"].split(",") if p.strip())
    if not dev:
        _check_key("SECRET_KEY", key)
        for old in previous:
            _check_key("SECRET_KEY_PREVIOUS", old)
    return key, previous


def _check_key(name: str, key: str) -> None:
    """Refuse a key anyone could know or guess (outside dev: see TANDEM_ENV)."""
    if not key:
        problem = "is not set"
    elif key == DEV_SECRET_KEY:
        problem = f"is the public default {DEV_SECRET_KEY!r}, with which anyone can sign in"
    elif len(key) < MIN_SECRET_KEY:
        problem = f"is too short ({len(key)} characters)"
    else:
        return
    raise ConfigError(
        f"{name} {problem}: set a random value of at least {MIN_SECRET_KEY} characters, such as"
        " python3 -c 'import secrets; print(secrets.token_urlsafe(48))' prints (only"
        " TANDEM_ENV=dev, which make run and the tests set, makes do without one)"
    )


def _check_timezone(name: str, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a known time zone: {value!r}") from None
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting from ``environ`` (default: the process environment)."""
    env = dict(DEFAULTS)
    source = os.environ if environ is None else environ
    env.update({k: v for k, v in source.items() if k in DEFAULTS})
    values = {
        "database_url": _url(
            "DATABASE_URL", env["DATABASE_URL"], ("sqlite", "postgresql", "postgres")
        ),
        "redis_url": _url("REDIS_URL", env["REDIS_URL"], ("redis", "rediss", "unix")),
        "smtp_url": _url("SMTP_URL", env["SMTP_URL"], SMTP_SCHEMES),
        "mail_from": env["MAIL_FROM"],
        "reply_domain": env["REPLY_DOMAIN"].strip().lower(),
        "tandem_env": env["TANDEM_ENV"],
        "base_url": _url("BASE_URL", env["BASE_URL"], ("http", "https")).rstrip("/"),
        "default_timezone": _check_timezone("DEFAULT_TIMEZONE", env["DEFAULT_TIMEZONE"]),
        "mailin_host": env["MAILIN_HOST"],
        "mailin_port": _int("MAILIN_PORT", env["MAILIN_PORT"], 1, 65535),
        "max_inbound_bytes": _int("MAX_INBOUND_BYTES", env["MAX_INBOUND_BYTES"], 1024),
        "inbound_http_secret": env["INBOUND_HTTP_SECRET"],
        "imap_url": env["IMAP_URL"]
        and _url("IMAP_URL", env["IMAP_URL"], ("imap", "imaps", "imap+starttls")),
        "dev_mailbox": _bool("DEV_MAILBOX", env["DEV_MAILBOX"]),
        "dev_smtp_port": _int("DEV_SMTP_PORT", env["DEV_SMTP_PORT"], 1, 65535),
        "summary_within_hours": _int("SUMMARY_WITHIN_HOURS", env["SUMMARY_WITHIN_HOURS"], 1),
        "scheduler_interval": _float("SCHEDULER_INTERVAL", env["SCHEDULER_INTERVAL"]),
        "reply_token_days": _int("REPLY_TOKEN_DAYS", env["REPLY_TOKEN_DAYS"], 1),
        "smtp_ca_file": env["SMTP_CA_FILE"],
        "imap_ca_file": env["IMAP_CA_FILE"],
        "delivery_lease_seconds": _int("DELIVERY_LEASE_SECONDS", env["DELIVERY_LEASE_SECONDS"], 1),
        "reminder_hours": _ints("REMINDER_HOURS", env["REMINDER_HOURS"]),
        "reply_deadline_hours": _int("REPLY_DEADLINE_HOURS", env["REPLY_DEADLINE_HOURS"]),
        "brief_before_hours": _int("BRIEF_BEFORE_HOURS", env["BRIEF_BEFORE_HOURS"]),
        "item_reminder_days": _ints("ITEM_REMINDER_DAYS", env["ITEM_REMINDER_DAYS"]),
        "next_cycle_weeks": _int("NEXT_CYCLE_WEEKS", env["NEXT_CYCLE_WEEKS"], 1),
        "trusted_proxies": _int("TRUSTED_PROXIES", env["TRUSTED_PROXIES"], 0, 5),
        "upload_dir": env["UPLOAD_DIR"].strip() or DEFAULTS["UPLOAD_DIR"],
        "max_attachment_bytes": _int("MAX_ATTACHMENT_BYTES", env["MAX_ATTACHMENT_BYTES"], 1024),
        "trusted_authserv_ids": tuple(
            s.strip().lower() for s in env["TRUSTED_AUTHSERV_IDS"].split(",") if s.strip()
        ),
    }
    if "@" not in values["mail_from"]:
        raise ConfigError(f"MAIL_FROM must contain an email address, got {env['MAIL_FROM']!r}")
    if not values["reply_domain"] or "." not in values["reply_domain"]:
        raise ConfigError(f"REPLY_DOMAIN must be a domain name, got {env['REPLY_DOMAIN']!r}")
    for name in ("SMTP_CA_FILE", "IMAP_CA_FILE"):
        if values[name.lower()] and not os.path.isfile(values[name.lower()]):
            raise ConfigError(f"{name} is not a readable file: {env[name]!r}")
    values["secret_key"], values["secret_key_previous"] = _secret_keys(env)
    return Settings(**values)


_current: Settings | None = None


def configure(settings: Settings) -> Settings:
    """Make ``settings`` the ones the plain functions read (called by the entry points)."""
    global _current
    _current = settings
    return settings


def current() -> Settings | None:
    """Return the configured settings, or None before any entry point configured them."""
    return _current


def get() -> Settings:
    """Return the configured settings, reading the environment if nothing configured them."""
    return _current if _current is not None else configure(load_settings())


def setting_names() -> list[str]:
    """Return the environment variable names, for documentation and checks."""
    return [f.name.upper() for f in fields(Settings)]
