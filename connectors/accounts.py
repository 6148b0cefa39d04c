"""Operator accounts and their console sessions.

Passwords are kept as scrypt hashes. A session id is random, new at every login (so an id
planted before login is worthless) and stored only as its hash; each session has its own CSRF
token that every state-changing request must echo in a header.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from typing import Any

from bot.ports import Clock, Store

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_SECONDS = 12 * 3600
# Checked against when the login is unknown, so timing does not tell which logins exist.
UNKNOWN = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'A' * 24}${'A' * 44}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def public(operator: dict[str, Any]) -> dict[str, Any]:
    """What the console may show about an operator: never the password hash."""
    return {k: operator.get(k) for k in ("login", "name", "agencies", "online")}


class Accounts:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    async def add(self, login: str, name: str, password: str, agencies: list[str]) -> None:
        if len(password) < 12:
            raise ValueError("a password needs at least 12 characters")
        hashed = await asyncio.to_thread(hash_password, password)
        existing = await self.store.get_record("operator", login) or {}
        # A new generation signs out every session of the old password.
        await self.store.put_record("operator", login, {
            **existing, "login": login, "name": name, "agencies": agencies, "password": hashed,
            "online": existing.get("online", False), "seen_at": existing.get("seen_at", 0),
            "generation": existing.get("generation", 0) + 1,
        })

    async def login(self, login: str, password: str) -> tuple[str, str] | None:
        """(session id, CSRF token) for the right password, else None."""
        operator = await self.store.get_record("operator", login)
        stored = operator["password"] if operator else UNKNOWN
        if not await asyncio.to_thread(verify_password, password, stored) or operator is None:
            return None
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = self.clock.now().timestamp() + SESSION_SECONDS
        await self.store.put_record("op_session", _session_key(session_id), {
            "login": login, "csrf": csrf, "expires": expires, "generation": operator.get("generation", 0)})
        return session_id, csrf

    async def session(self, session_id: str | None) -> tuple[dict[str, Any], str] | None:
        """The signed-in operator and their CSRF token."""
        if not session_id:
            return None
        key = _session_key(session_id)
        found = await self.store.get_record("op_session", key)
        if found is None:
            return None
        if found["expires"] < self.clock.now().timestamp():
            await self.store.delete_record("op_session", key)
            return None
        operator = await self.store.get_record("operator", found["login"])
        if operator is None or operator.get("generation", 0) != found.get("generation", 0):
            return None  # the account is gone, or its password was reset since this sign-in
        return operator, found["csrf"]

    async def logout(self, session_id: str) -> None:
        await self.store.delete_record("op_session", _session_key(session_id))
