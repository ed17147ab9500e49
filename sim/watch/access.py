"""Who may post: a token (from --token-file, or made at the first start and printed once), kept only as
its SHA-256 in the store. Reading needs no token from this machine; from another, it does."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from pathlib import Path

from sim.watch.store import Store


def digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def set_up_token(store: Store, token_file: Path | None) -> str | None:
    """The token to print once, or None when there is nothing new to print. With a token file, its token
    (written there, readable by its owner only, if the file does not exist yet); else the stored one, or
    a new one at the first start."""
    if token_file is not None:
        if not token_file.exists():
            token_file.parent.mkdir(parents=True, exist_ok=True)
            token_file.write_text(secrets.token_urlsafe(24) + "\n", encoding="utf-8")
            token_file.chmod(0o600)
        token = token_file.read_text(encoding="utf-8").strip()
        if store.token_hash() != digest(token):
            store.set_token_hash(digest(token))
        return None
    if store.token_hash() is not None:
        return None
    token = secrets.token_urlsafe(24)
    store.set_token_hash(digest(token))
    return token


def token_ok(store: Store, given: str | None) -> bool:
    stored = store.token_hash()
    return bool(given) and stored is not None and hmac.compare_digest(stored, digest(given))


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header."""
    scheme, _sep, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def local(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
