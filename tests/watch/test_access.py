"""Posting needs the token; only its hash is kept."""

from __future__ import annotations

from sim.watch.access import bearer, digest, local, set_up_token, token_ok
from sim.watch.store import Store


def test_a_token_is_made_once_and_kept_only_hashed(tmp_path):
    store = Store(tmp_path)
    token = set_up_token(store, None)
    assert token and set_up_token(store, None) is None  # printed once
    assert token_ok(store, token) and not token_ok(store, token + "x") and not token_ok(store, None)
    store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("watch.sqlite*"))
    assert token.encode() not in stored and digest(token).encode() in stored


def test_a_token_file_is_used_and_made_when_missing(tmp_path):
    store = Store(tmp_path / "w")
    path = tmp_path / "token"
    assert set_up_token(store, path) is None
    assert path.stat().st_mode & 0o077 == 0
    assert token_ok(store, path.read_text())
    path.write_text("another\n")
    set_up_token(store, path)
    assert token_ok(store, "another") and not token_ok(store, "x")


def test_headers_and_hosts():
    assert bearer("Bearer abc") == "abc" and bearer("Basic abc") is None and bearer(None) is None
    assert local("127.0.0.1") and local("::1") and not local("192.168.1.5") and not local("testclient")
