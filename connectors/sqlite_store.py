"""The embedded `Store`: one SQLite file, shared by the API server and a console process.

Records are JSON text next to the few columns that are queried. WAL lets one process read while
the other writes, and the busy timeout makes a writer wait for the other's short transaction
instead of failing. Every operation is ONE SQL statement in autocommit mode, so it is atomic
across processes, and coroutines sharing this connection can never interleave inside a
transaction. aiosqlite runs each statement on its own thread, off the event loop.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot.models import DELIVERY_RANK, OPEN_STATUSES, Citizen, Notification, Session, Submission
from bot.ports import ONCE_SECONDS, TRANSCRIPT_BYTES, Clock, Held
from bot.retention import Retention
from connectors.inbox import InboxWatchers

BUSY_TIMEOUT_SECONDS = 10.0
SAVE_SECONDS = 4 * BUSY_TIMEOUT_SECONDS  # a turn's lease, renewed for its writes (each may wait that long)

SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, data TEXT NOT NULL,
                                     saved_at REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS citizens (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    registration_number TEXT PRIMARY KEY,
    citizen_key TEXT NOT NULL,
    status TEXT NOT NULL,
    registered_at REAL NOT NULL,  -- unix seconds: sorts correctly whatever the UTC offset
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_citizen ON submissions (citizen_key, registered_at);
CREATE INDEX IF NOT EXISTS submissions_status ON submissions (status);
-- Rows stay after completion ('done') so that the key keeps enqueue idempotent; only the key:
-- the address and the text are not needed once sent (a reopen brings its own copy).
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'queued',  -- queued | done | dead
    due_at REAL NOT NULL,
    claimed_until REAL NOT NULL DEFAULT 0,  -- wall clock; a claim is a lease, not a lock
    ended_at REAL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due_at);
CREATE TABLE IF NOT EXISTS once (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS once_expires ON once (expires_at);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids never reused, so order holds
    address TEXT NOT NULL,
    item TEXT NOT NULL,
    at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inbox_address ON inbox (address, id);
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    item TEXT NOT NULL,
    at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS logs_key ON logs (key, seq);
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, status TEXT NOT NULL, rank INTEGER NOT NULL,
                                       at REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS delivery_links (id TEXT PRIMARY KEY, data TEXT NOT NULL, at REAL NOT NULL DEFAULT 0);
COMMIT;
"""

# When each row was written, for `purge`; files made before retention get the columns on opening,
# with the time of that upgrade (so nothing older is dropped before a full period has passed).
STAMPS = {"sessions": "saved_at", "logs": "at", "inbox": "at", "deliveries": "at", "delivery_links": "at"}
INDEXES = """
CREATE INDEX IF NOT EXISTS sessions_saved ON sessions (saved_at);
CREATE INDEX IF NOT EXISTS logs_at ON logs (at);
CREATE INDEX IF NOT EXISTS inbox_at ON inbox (at);
CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries (at);
CREATE INDEX IF NOT EXISTS delivery_links_at ON delivery_links (at);
CREATE INDEX IF NOT EXISTS outbox_ended ON outbox (state, ended_at);
CREATE TRIGGER IF NOT EXISTS transcript_cap AFTER INSERT ON logs WHEN NEW.key LIKE 'transcript:%' BEGIN
  DELETE FROM logs WHERE key = NEW.key AND seq < coalesce((
    SELECT min(seq) FROM (SELECT seq, sum(length(CAST(item AS BLOB))) OVER (ORDER BY seq DESC) AS newer
                          FROM logs WHERE key = NEW.key) WHERE newer <= {TRANSCRIPT_BYTES}), NEW.seq);
END;
""".replace("{TRANSCRIPT_BYTES}", str(TRANSCRIPT_BYTES))  # a transcript keeps its newest TRANSCRIPT_BYTES

# A transcript (or inbox) goes as a whole once its newest entry is past its time; the candidates
# come from the `at` index, so a sweep does not read every conversation.
_STALE_GROUPS = """
DELETE FROM {table} WHERE {key} IN (
  SELECT {key} FROM {table} WHERE {key} IN (SELECT DISTINCT {key} FROM {table} WHERE at < ?1 AND {where})
  GROUP BY {key} HAVING max(at) < ?1)
"""


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class SqliteStore:
    def __init__(self, conn: aiosqlite.Connection, lease_seconds: float,
                 retention: Retention = Retention(), clock: Clock | None = None) -> None:
        self._db = conn
        self._lease = lease_seconds
        self._retention = retention
        self._clock = clock  # stamps what `purge` ages; leases and replay guards use the wall clock
        self._local_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._watchers = InboxWatchers()

    @classmethod
    async def open(cls, path: Path, *, lease_seconds: float = 60.0, retention: Retention = Retention(),
                   clock: Clock | None = None) -> SqliteStore:
        """Open (creating if needed) the database; `lease_seconds`: how long a claim holds."""
        await asyncio.to_thread(Path(path).parent.mkdir, parents=True, exist_ok=True)
        # isolation_level=None: autocommit, so no transaction is left open between statements.
        conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL
            await conn.executescript(SCHEMA)
            await _add_stamps(conn, time.time())
            await conn.executescript(INDEXES)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, lease_seconds, retention, clock)

    def _now(self) -> float:
        return self._clock.now().timestamp() if self._clock else time.time()

    async def close(self) -> None:
        await self._db.close()

    async def _one(self, sql: str, params: tuple[Any, ...]) -> str | None:
        rows = await self._db.execute_fetchall(sql, params)
        return rows[0][0] if rows else None

    # Sessions and citizens

    async def load_session(self, key: str) -> Session | None:
        data = await self._one("SELECT data FROM sessions WHERE key = ?", (key,))
        return Session.from_json(json.loads(data)) if data else None

    async def save_session(self, session: Session) -> None:
        await self._db.execute(
            "INSERT INTO sessions (key, data, saved_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
            (session.key, _dump(session.to_json()), self._now()),
        )

    async def get_citizen(self, key: str) -> Citizen | None:
        data = await self._one("SELECT data FROM citizens WHERE key = ?", (key,))
        return Citizen.from_json(json.loads(data)) if data else None

    async def save_citizen(self, citizen: Citizen) -> None:
        await self._db.execute(
            "INSERT INTO citizens (key, data) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET data = excluded.data",
            (citizen.key, _dump(citizen.to_json())),
        )

    # Submissions

    async def save_submission(self, submission: Submission) -> None:
        s = submission
        await self._db.execute(
            "INSERT INTO submissions"
            " (registration_number, citizen_key, status, registered_at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (registration_number) DO UPDATE SET"
            " citizen_key = excluded.citizen_key, status = excluded.status,"
            " registered_at = excluded.registered_at, data = excluded.data",
            (s.registration_number, s.citizen_key, s.status, s.registered_at.timestamp(),
             _dump(s.to_json())),
        )

    async def get_submission(self, registration_number: str) -> Submission | None:
        data = await self._one(
            "SELECT data FROM submissions WHERE registration_number = ?", (registration_number,)
        )
        return Submission.from_json(json.loads(data)) if data else None

    async def list_submissions(self, citizen_key: str) -> list[Submission]:
        rows = await self._db.execute_fetchall(
            "SELECT data FROM submissions WHERE citizen_key = ?"
            " ORDER BY registered_at DESC, registration_number DESC",
            (citizen_key,),
        )
        return [Submission.from_json(json.loads(r[0])) for r in rows]

    async def open_submissions(self) -> list[Submission]:
        marks = ",".join("?" * len(OPEN_STATUSES))
        rows = await self._db.execute_fetchall(
            f"SELECT data FROM submissions WHERE status IN ({marks}) ORDER BY registered_at",
            OPEN_STATUSES,
        )
        return [Submission.from_json(json.loads(r[0])) for r in rows]

    async def all_submissions(self) -> list[Submission]:
        rows = await self._db.execute_fetchall("SELECT data FROM submissions")
        return [Submission.from_json(json.loads(r[0])) for r in rows]

    # Outbox

    async def enqueue(self, notification: Notification) -> bool:
        cursor = await self._db.execute(
            "INSERT INTO outbox (key, due_at, data) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (notification.key, notification.due_at, _dump(notification.to_json())),
        )
        return cursor.rowcount == 1

    async def claim_due(self, now: float, limit: int) -> list[Notification]:
        # `now` decides what is due (callers may pass their clock); leases use the wall clock,
        # which every process on this machine shares.
        wall = time.time()
        rows = await self._db.execute_fetchall(
            "UPDATE outbox SET claimed_until = ? WHERE key IN ("
            " SELECT key FROM outbox WHERE state = 'queued' AND due_at <= ? AND claimed_until <= ?"
            " ORDER BY due_at, key LIMIT ?) RETURNING data",
            (wall + self._lease, now, wall, limit),
        )
        claimed = [Notification.from_json(json.loads(r[0])) for r in rows]
        return sorted(claimed, key=lambda n: (n.due_at, n.key))  # RETURNING order is arbitrary

    async def complete(self, notification: Notification) -> None:
        await self._db.execute(
            "UPDATE outbox SET state = 'done', ended_at = ?, data = '{}' WHERE key = ? AND state = 'queued'",
            (self._now(), notification.key),
        )

    async def retry(self, notification: Notification, due_at: float, error: str) -> None:
        """Stores a copy with attempts + 1, `error` and `due_at`; the argument is not changed."""
        n = replace(notification, attempts=notification.attempts + 1, due_at=due_at,
                    last_error=error)
        await self._db.execute(
            "UPDATE outbox SET due_at = ?, claimed_until = 0, data = ?"
            " WHERE key = ? AND state = 'queued'",
            (due_at, _dump(n.to_json()), n.key),
        )

    async def dead_letter(self, notification: Notification, error: str) -> None:
        n = replace(notification, last_error=error)
        await self._db.execute(
            "UPDATE outbox SET state = 'dead', ended_at = ?, data = ?"
            " WHERE key = ? AND state = 'queued'",
            (self._now(), _dump(n.to_json()), n.key),
        )

    async def dead_letters(self) -> list[Notification]:
        """Notifications given up on, oldest first, with the final error in `last_error`."""
        rows = await self._db.execute_fetchall(
            "SELECT data FROM outbox WHERE state = 'dead' ORDER BY ended_at, key"
        )
        return [Notification.from_json(json.loads(r[0])) for r in rows]

    async def outbox_backlog(self, now: float) -> tuple[int, float]:
        rows = await self._db.execute_fetchall("SELECT COUNT(*), MIN(due_at) FROM outbox WHERE state = 'queued'")
        queued, first_due = rows[0]
        return queued, max(0.0, now - first_due) if queued else 0.0

    # Pull-channel inboxes

    async def push_inbox(self, address: str, item: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO inbox (address, item, at) VALUES (?, ?, ?)", (address, _dump(item), self._now())
        )
        self._watchers.pushed(address)

    def watch_inbox(self, address: str) -> AbstractAsyncContextManager[asyncio.Event]:
        # In-process only: on SQLite, `serve` runs the worker that pushes in its own process.
        return self._watchers.watch(address)

    async def drain_inbox(self, address: str) -> list[dict[str, Any]]:
        # One DELETE ... RETURNING: read and delete atomically, so no item is seen twice.
        rows = await self._db.execute_fetchall(
            "DELETE FROM inbox WHERE address = ? RETURNING id, item", (address,)
        )
        return [json.loads(item) for _, item in sorted(rows)]

    # Small keyed records and append-only logs (the operator desk's tickets, queue, transcripts)

    async def put_record(self, kind: str, id: str, data: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO records (kind, id, data) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data", (kind, id, _dump(data))
        )

    async def get_record(self, kind: str, id: str) -> dict[str, Any] | None:
        data = await self._one("SELECT data FROM records WHERE kind = ? AND id = ?", (kind, id))
        return json.loads(data) if data else None

    async def records(self, kind: str) -> list[dict[str, Any]]:
        rows = await self._db.execute_fetchall("SELECT data FROM records WHERE kind = ? ORDER BY id", (kind,))
        return [json.loads(data) for (data,) in rows]

    async def delete_record(self, kind: str, id: str) -> None:
        await self._db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, id))

    async def append_log(self, key: str, item: dict[str, Any]) -> None:
        await self._db.execute("INSERT INTO logs (key, item, at) VALUES (?, ?, ?)", (key, _dump(item), self._now()))

    async def read_log(self, key: str, last: int) -> list[dict[str, Any]]:
        rows = await self._db.execute_fetchall(
            "SELECT item FROM (SELECT seq, item FROM logs WHERE key = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
            (key, last),
        )
        return [json.loads(item) for (item,) in rows]

    # Replay guard

    async def first_time(self, key: str, ttl_seconds: int) -> bool:
        now = time.time()
        await self._db.execute("DELETE FROM once WHERE expires_at <= ?", (now,))
        # Two processes racing here: the primary key lets exactly one INSERT through.
        cursor = await self._db.execute(
            "INSERT INTO once (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, now + ttl_seconds),
        )
        return cursor.rowcount == 1

    # Conversation lock

    @asynccontextmanager
    async def conversation(self, key: str, records: tuple[str, ...] = (), once: str | None = None,
                           lease_seconds: float = 120.0) -> AsyncIterator[Held]:
        """One turn at a time per conversation: an in-process lock first (cheap), then a leased
        row that other processes on the same file respect; a dead holder's lease runs out."""
        local = self._local_locks.get(key) or self._local_locks.setdefault(key, asyncio.Lock())
        async with local:
            owner = uuid.uuid4().hex
            while not await self._take_lock(key, owner, lease_seconds):
                await asyncio.sleep(0.05)
            try:
                seen = once is not None and await self._one(
                    "SELECT 1 FROM once WHERE key = ? AND expires_at > ?", (once, time.time())) is not None
                held = Held(await self.get_citizen(key), await self.load_session(key),
                            {kind: await self.get_record(kind, key) for kind in records}, seen)
                yield held
                # As on Redis, a holder whose lease ran out saves nothing (another process may
                # have taken the conversation since); renewing the lease for the writes keeps
                # anyone from taking it meanwhile. The once mark goes last: never without the save.
                if not await self._renew_lock(key, owner, SAVE_SECONDS):
                    raise TimeoutError(f"conversation lock lease ran out after {lease_seconds}s; "
                                       "the turn was not saved")
                if held.session:
                    await self.save_session(held.session)
                if held.citizen and held.citizen_changed:
                    await self.save_citizen(held.citizen)
                if once:
                    await self.first_time(once, ONCE_SECONDS)
            finally:
                await self._db.execute("DELETE FROM locks WHERE key = ? AND owner = ?", (key, owner))

    async def _renew_lock(self, key: str, owner: str, seconds: float) -> bool:
        now = time.time()
        cursor = await self._db.execute(
            "UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ? AND expires_at > ?",
            (now + seconds, key, owner, now),
        )
        return cursor.rowcount == 1

    async def _take_lock(self, key: str, owner: str, lease_seconds: float) -> bool:
        now = time.time()
        cursor = await self._db.execute(
            "INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
            " SET owner = excluded.owner, expires_at = excluded.expires_at WHERE locks.expires_at <= ?",
            (key, owner, now + lease_seconds, now),
        )
        return cursor.rowcount == 1

    # Delivery statuses

    async def record_delivery(self, message_id: str, status: str) -> bool:
        cursor = await self._db.execute(
            "INSERT INTO deliveries (id, status, rank, at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
            " SET status = excluded.status, rank = excluded.rank, at = excluded.at"
            " WHERE excluded.rank > deliveries.rank",
            (message_id, status, DELIVERY_RANK.get(status, 1), self._now()),
        )
        return cursor.rowcount == 1

    async def delivery(self, message_id: str) -> str | None:
        return await self._one("SELECT status FROM deliveries WHERE id = ?", (message_id,))

    async def link_delivery(self, message_id: str, notification: Notification) -> None:
        await self._db.execute(
            "INSERT INTO delivery_links (id, data, at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data, at = excluded.at",
            (message_id, _dump(notification.to_json()), self._now()),
        )

    async def linked_delivery(self, message_id: str) -> Notification | None:
        data = await self._one("SELECT data FROM delivery_links WHERE id = ?", (message_id,))
        return Notification.from_json(json.loads(data)) if data else None

    async def reopen(self, notification: Notification, due_at: float, error: str) -> bool:
        n = replace(notification, attempts=notification.attempts + 1, due_at=due_at, last_error=error)
        cursor = await self._db.execute(
            "UPDATE outbox SET state = 'queued', due_at = ?, claimed_until = 0, ended_at = NULL, data = ?"
            " WHERE key = ? AND state = 'done'",
            (due_at, _dump(n.to_json()), n.key),
        )
        return cursor.rowcount == 1

    async def undelivered(self, notification: Notification, error: str) -> bool:
        n = replace(notification, last_error=error)
        cursor = await self._db.execute(
            "UPDATE outbox SET state = 'dead', ended_at = ?, data = ? WHERE key = ? AND state = 'done'",
            (self._now(), _dump(n.to_json()), n.key),
        )
        return cursor.rowcount == 1

    # Retention (bot/retention.py)

    async def purge(self, now: float) -> dict[str, int]:
        """Delete what is past its time at `now`; how many rows of each kind went."""
        keep = self._retention.seconds
        sweeps = {
            "sessions": ("DELETE FROM sessions WHERE saved_at < ?", now - keep("sessions")),
            "outbox_sent": ("DELETE FROM outbox WHERE state = 'done' AND ended_at < ?", now - keep("outbox_sent")),
            "outbox_dead": ("DELETE FROM outbox WHERE state = 'dead' AND ended_at < ?", now - keep("outbox_dead")),
            "transcripts": (_STALE_GROUPS.format(table="logs", key="key", where="key LIKE 'transcript:%'"),
                            now - keep("transcripts")),
            "inboxes": (_STALE_GROUPS.format(table="inbox", key="address", where="1"), now - keep("transcripts")),
            "audit": ("DELETE FROM logs WHERE at < ? AND key NOT LIKE 'transcript:%'", now - keep("audit")),
            "deliveries": ("DELETE FROM deliveries WHERE at < ?", now - keep("deliveries")),
            "delivery_links": ("DELETE FROM delivery_links WHERE at < ?", now - keep("deliveries")),
            "once": ("DELETE FROM once WHERE expires_at <= ?", now),
        }
        gone = {}
        for kind, (sql, cutoff) in sweeps.items():
            cursor = await self._db.execute(sql, (cutoff,))
            gone[kind] = cursor.rowcount
        return gone


async def _add_stamps(conn: aiosqlite.Connection, now: float) -> None:
    """Adds the retention stamps to a file made before them, once, even with two processes opening it."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        for table, column in STAMPS.items():
            columns = {row[1] for row in await conn.execute_fetchall(f"PRAGMA table_info({table})")}
            if column not in columns:
                await conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} REAL NOT NULL DEFAULT 0")
                await conn.execute(f"UPDATE {table} SET {column} = ?", (now,))
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
