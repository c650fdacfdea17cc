"""The encrypted store of identity documents (trust.md §2.2).

Files live in ``<data folder>/identity``, outside the web root, under random names (never a
client's file name), encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under the file
encryption key from settings. Only the staff review screen reads them back.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from workhall.core.errors import NotFound
from workhall.core.settings import Settings

# The only names the store reads: what ``store`` makes (43 URL-safe characters + ".enc").
STORED_NAME = re.compile(r"\A[A-Za-z0-9_-]{43}\.enc\Z")


def identity_dir(settings: Settings) -> Path:
    return settings.data_dir / "identity"


def _fernet(settings: Settings) -> Fernet:
    return Fernet(settings.resolved_file_encryption_key())


def store(settings: Settings, data: bytes) -> str:
    """Encrypt ``data`` into a new file with a random name; returns the name."""
    folder = identity_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = _fernet(settings).encrypt(data)
    name = secrets.token_urlsafe(32) + ".enc"
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(token)
    tmp.replace(folder / name)
    return name


def stored_path(settings: Settings, name: str | None) -> Path | None:
    """The file of a stored name, or None for a name ``store`` could not have made."""
    if not name or not STORED_NAME.match(name):
        return None
    folder = identity_dir(settings).resolve()
    path = (folder / name).resolve()
    if path.parent != folder:
        return None
    return path


def read(settings: Settings, name: str | None) -> bytes:
    """The decrypted bytes; NotFound when the file is gone (deleted after the decision)."""
    path = stored_path(settings, name)
    if path is None or not path.is_file():
        raise NotFound("This document has been deleted.")
    try:
        return _fernet(settings).decrypt(path.read_bytes())
    except InvalidToken as exc:  # another key, or a damaged file: never serve it
        raise NotFound("This document cannot be decrypted.") from exc


def delete(settings: Settings, name: str | None) -> None:
    path = stored_path(settings, name)
    if path is not None:
        path.unlink(missing_ok=True)


def stored_names(settings: Settings) -> list[tuple[str, float]]:
    """Every stored file with its modification time (POSIX seconds), for the orphan sweep."""
    folder = identity_dir(settings)
    if not folder.is_dir():
        return []
    return [
        (p.name, p.stat().st_mtime)
        for p in folder.iterdir()
        if p.is_file() and STORED_NAME.match(p.name)
    ]
