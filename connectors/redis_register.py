"""The `Register` on Redis, beside the store under the same prefix.

Keys (after the prefix):
  register:<agency_id>   hash Entry.key -> entry JSON
  register:agencies      set of agency ids that have entries
An import is one MULTI/EXEC transaction: every entry is stored, or none.
"""
from __future__ import annotations

import json
from collections import defaultdict

import redis.asyncio as redis

from published.register import Entry


class RedisRegister:
    def __init__(self, client: redis.Redis, prefix: str = "kv:") -> None:
        self._r = client
        self._p = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "kv:") -> RedisRegister:
        return cls(redis.Redis.from_url(url, decode_responses=True), prefix)

    async def put_entries(self, entries: list[Entry]) -> None:
        by_agency: dict[str, dict[str, str]] = defaultdict(dict)
        for e in entries:
            by_agency[e.agency_id][e.key] = json.dumps(e.to_json(), ensure_ascii=False)
        if not by_agency:
            return
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.sadd(f"{self._p}register:agencies", *by_agency)
            for agency_id, mapping in by_agency.items():
                pipe.hset(f"{self._p}register:{agency_id}", mapping=mapping)
            await pipe.execute()

    async def entries(self, agency_id: str | None = None) -> list[Entry]:
        agencies = [agency_id] if agency_id else sorted(await self._r.smembers(f"{self._p}register:agencies"))
        found = []
        for agency in agencies:
            stored = await self._r.hgetall(f"{self._p}register:{agency}")
            found += [Entry.from_json(json.loads(stored[key])) for key in sorted(stored)]
        return found

    async def close(self) -> None:
        await self._r.aclose()
