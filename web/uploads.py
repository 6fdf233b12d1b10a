"""Uploaded CSV files kept on the server between the preview and the confirmation.

The browser gets only a random token; the bytes stay in a folder under ``var/``, in a file
whose name also binds it to the programme and the user, so a token alone opens nothing
and nothing the browser sends back can change what is imported.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app

#: Where uploads wait unless the app's ``IMPORT_DIR`` says otherwise.
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "imports"

#: How long an upload may wait for its confirmation, in seconds.
MAX_AGE = 24 * 3600

#: What a token looks like (``secrets.token_urlsafe(24)``).
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")


def _folder() -> Path:
    folder = Path(current_app.config.get("IMPORT_DIR") or DEFAULT_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _path(token: str, programme_id: int, user_id: int) -> Path | None:
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    return _folder() / f"p{programme_id}-u{user_id}-{token}.csv"


def _sweep(folder: Path) -> None:
    """Delete uploads older than MAX_AGE (abandoned previews)."""
    cutoff = time.time() - MAX_AGE
    for old in folder.glob("p*-u*-*.csv"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # another request swept it first
            continue


def keep(data: bytes, programme_id: int, user_id: int) -> str:
    """Store an uploaded file and return the token that finds it again."""
    _sweep(_folder())
    token = secrets.token_urlsafe(24)
    path = _path(token, programme_id, user_id)
    path.write_bytes(data)
    path.chmod(0o600)
    return token


def load(token: str, programme_id: int, user_id: int) -> bytes | None:
    """Return the file kept under ``token`` for this programme and user, or None."""
    path = _path(token, programme_id, user_id)
    if path is None or not path.is_file():
        return None
    if path.stat().st_mtime < time.time() - MAX_AGE:
        path.unlink(missing_ok=True)
        return None
    return path.read_bytes()


def discard(token: str, programme_id: int, user_id: int) -> None:
    """Delete the file kept under ``token`` (once it is imported)."""
    path = _path(token, programme_id, user_id)
    if path is not None:
        path.unlink(missing_ok=True)
