"""The embedded `Register`: a table in Kavshiri's SQLite file.

An import is one INSERT over a JSON array (json_each), so it is atomic without an explicit
transaction: every entry is stored, or none.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiosqlite

from connectors.sqlite_store import BUSY_TIMEOUT_SECONDS
from published.register import Entry

SCHEMA = """
CREATE TABLE IF NOT EXISTS register (
    key TEXT PRIMARY KEY,  -- Entry.key: agency|item|period|url
    agency_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS register_agency ON register (agency_id);
"""
PUT = """
INSERT INTO register (key, agency_id, data)
SELECT json_extract(value, '$.key'), json_extract(value, '$.agency_id'), json_extract(value, '$.data')
FROM json_each(?) WHERE true
ON CONFLICT (key) DO UPDATE SET agency_id = excluded.agency_id, data = excluded.data
"""


class SqliteRegister:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._db = conn

    @classmethod
    async def open(cls, path: Path) -> SqliteRegister:
        await asyncio.to_thread(Path(path).parent.mkdir, parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.executescript(SCHEMA)
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def put_entries(self, entries: list[Entry]) -> None:
        rows = [{"key": e.key, "agency_id": e.agency_id, "data": json.dumps(e.to_json(), ensure_ascii=False)}
                for e in entries]
        await self._db.execute(PUT, (json.dumps(rows, ensure_ascii=False),))

    async def entries(self, agency_id: str | None = None) -> list[Entry]:
        if agency_id is None:
            rows = await self._db.execute_fetchall("SELECT data FROM register ORDER BY key")
        else:
            rows = await self._db.execute_fetchall(
                "SELECT data FROM register WHERE agency_id = ? ORDER BY key", (agency_id,)
            )
        return [Entry.from_json(json.loads(data)) for (data,) in rows]

    async def close(self) -> None:
        await self._db.close()
