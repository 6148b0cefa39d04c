"""The stand-in portal's own SQLite file: correspondence, their attachments, per-year registration
sequences and the callback outbox.

One connection and one lock: every method is one atomic transaction, so two concurrent submits
with the same Idempotency-Key cannot both register, and a status change and its callback are
written together (nothing is lost if the process stops between them)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS correspondence (
    registration_number TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    request_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    channel TEXT,
    registered_at TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answer_key TEXT,
    answer_url TEXT,
    completed_at TEXT,
    linked_to TEXT,  -- the same citizen's earlier correspondence this one follows up
    rights_explained INTEGER,  -- a refusal: 1 when it came with the written explanation of rights
    UNIQUE (citizen_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS correspondence_by_citizen ON correspondence (citizen_id);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    registration_number TEXT,  -- set once a correspondence names it
    position INTEGER
);
CREATE INDEX IF NOT EXISTS attachments_by_number ON attachments (registration_number);
CREATE TABLE IF NOT EXISTS sequences (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | abandoned
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
"""
ADDED_COLUMNS = {"linked_to": "TEXT", "rights_explained": "INTEGER"}
BY_KEY = "SELECT * FROM correspondence WHERE citizen_id = ? AND idempotency_key = ?"
BY_NUMBER = "SELECT * FROM correspondence WHERE registration_number = ?"


ATTACHED = ("SELECT id, name, content_type, size, registration_number FROM attachments"
            " WHERE registration_number IS NOT NULL AND registration_number IN ({})"
            " ORDER BY registration_number, position")


class AttachmentRefused(Exception):
    """An attachment id that is unknown, another citizen's, expired or already used."""


class TransitionRefused(Exception):
    """The correspondence is not in a status the requested change may start from."""


class SimDB:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SimDB:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.executescript(SCHEMA)
        columns = {row[1] for row in await conn.execute_fetchall("PRAGMA table_info(correspondence)")}
        for column, kind in ADDED_COLUMNS.items():  # a file made before these columns
            if column not in columns:
                await conn.execute(f"ALTER TABLE correspondence ADD COLUMN {column} {kind}")
        return cls(conn)

    async def close(self) -> None:
        await self._conn.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def _one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        async with self._transaction() as conn:
            return await _fetch_one(conn, sql, params)

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        async with self._transaction() as conn:
            async with conn.execute(sql, params) as cursor:
                return [dict(row) for row in await cursor.fetchall()]

    async def find_by_key(self, citizen_id: str, key: str) -> dict[str, Any] | None:
        return await self._one(BY_KEY, (citizen_id, key))

    async def hold(self, citizen_id: str, attachment: dict[str, Any], data: bytes, now: datetime) -> None:
        """Keeps an uploaded file; files whose hold ran out unnamed go at the same time (`now` is
        Tbilisi time, like every stored `expires_at`, so the ISO texts compare in order)."""
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM attachments WHERE registration_number IS NULL AND expires_at <= ?",
                               (now.isoformat(timespec="seconds"),))
            await conn.execute(
                "INSERT INTO attachments (id, citizen_id, name, content_type, size, data, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (attachment["id"], citizen_id, attachment["name"], attachment["content_type"],
                 attachment["size"], data, attachment["expires_at"]),
            )

    async def attachment_data(self, attachment_id: str) -> bytes | None:
        row = await self._one("SELECT data FROM attachments WHERE id = ?", (attachment_id,))
        return row["data"] if row else None

    async def attachments(self, numbers: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The attachments of each of these correspondences, in the order they were named."""
        found: dict[str, list[dict[str, Any]]] = {number: [] for number in numbers}
        if numbers:
            for row in await self._all(ATTACHED.format(", ".join("?" * len(numbers))), tuple(numbers)):
                found[row.pop("registration_number")].append(row)
        return found

    async def register(
        self, citizen_id: str, key: str, fingerprint: str, fields: dict[str, Any], now: datetime
    ) -> tuple[dict[str, Any], bool]:
        """Registers once per (citizen, key), taking the named attachments with it (all or none).
        Returns the row and whether it already existed."""
        async with self._transaction() as conn:
            existing = await _fetch_one(conn, BY_KEY, (citizen_id, key))
            if existing:
                return existing, True
            attachments = fields.get("attachments") or []
            for attachment_id in attachments:
                held = await _fetch_one(conn, "SELECT * FROM attachments WHERE id = ?", (attachment_id,))
                usable = held and held["citizen_id"] == citizen_id and held["registration_number"] is None
                if not usable or datetime.fromisoformat(held["expires_at"]) <= now:
                    raise AttachmentRefused(attachment_id)
            await conn.execute(
                "INSERT INTO sequences (year, last) VALUES (?, 1)"
                " ON CONFLICT (year) DO UPDATE SET last = last + 1",
                (now.year,),
            )
            sequence = (await _fetch_one(conn, "SELECT last FROM sequences WHERE year = ?",
                                         (now.year,)))["last"]
            number = f"E-{now.year}-{sequence:07d}"
            await conn.execute(
                "INSERT INTO correspondence (registration_number, citizen_id, idempotency_key,"
                " fingerprint, agency_id, request_type, subject, body, channel, registered_at,"
                " status, linked_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?)",
                (number, citizen_id, key, fingerprint, fields["agency_id"],
                 fields["request_type"], fields["subject"], fields["body"], fields.get("channel"),
                 now.isoformat(timespec="seconds"), fields.get("linked_to")),
            )
            for position, attachment_id in enumerate(attachments):
                await conn.execute(
                    "UPDATE attachments SET registration_number = ?, position = ? WHERE id = ?",
                    (number, position, attachment_id),
                )
            return await _fetch_one(conn, BY_NUMBER, (number,)), False

    async def get(self, registration_number: str) -> dict[str, Any] | None:
        return await self._one(BY_NUMBER, (registration_number,))

    async def for_citizen(self, citizen_id: str) -> list[dict[str, Any]]:
        # rowid follows registration order, so descending rowid is newest first.
        return await self._all(
            "SELECT * FROM correspondence WHERE citizen_id = ? ORDER BY rowid DESC", (citizen_id,)
        )

    async def everything(self) -> list[dict[str, Any]]:
        return await self._all("SELECT * FROM correspondence ORDER BY rowid DESC")

    async def transition(
        self,
        registration_number: str,
        allowed_from: tuple[str, ...],
        changes: dict[str, Any],
        event_for: Callable[[dict[str, Any]], tuple[str, str]] | None,
    ) -> dict[str, Any] | None:
        """Applies `changes` (status, answer, …) if the current status is in `allowed_from`, and
        records the callback `event_for(updated row)` -> (event_id, body) in the same
        transaction. None when the correspondence does not exist."""
        async with self._transaction() as conn:
            row = await _fetch_one(conn, BY_NUMBER, (registration_number,))
            if row is None:
                return None
            if row["status"] not in allowed_from:
                raise TransitionRefused(row["status"])
            assignments = ", ".join(f"{column} = ?" for column in changes)
            await conn.execute(
                f"UPDATE correspondence SET {assignments} WHERE registration_number = ?",
                (*changes.values(), registration_number),
            )
            row.update(changes)
            if event_for is not None:
                event_id, body = event_for(row)
                await conn.execute("INSERT INTO callbacks (event_id, body) VALUES (?, ?)",
                                   (event_id, body))
            return row

    async def due_callbacks(self, now: float) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT * FROM callbacks WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id",
            (now,),
        )

    async def next_callback_due(self) -> float | None:
        row = await self._one(
            "SELECT MIN(next_attempt_at) AS due FROM callbacks WHERE state = 'pending'", ()
        )
        return row["due"] if row else None

    async def record_attempt(
        self, callback_id: int, state: str, next_attempt_at: float, error: str | None
    ) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE callbacks SET state = ?, attempts = attempts + 1, next_attempt_at = ?,"
                " last_error = ? WHERE id = ?",
                (state, next_attempt_at, error, callback_id),
            )

    async def make_pending_due(self) -> None:
        """On startup, pending callbacks are retried at once instead of waiting out a backoff
        that was scheduled by a process that no longer runs."""
        async with self._transaction() as conn:
            await conn.execute("UPDATE callbacks SET next_attempt_at = 0 WHERE state = 'pending'")

    async def callbacks(self) -> list[dict[str, Any]]:
        return await self._all("SELECT * FROM callbacks ORDER BY id")


async def _fetch_one(
    conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]
) -> dict[str, Any] | None:
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return dict(row) if row else None
