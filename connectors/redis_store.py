"""The production `Store`: Redis, shared by many API and worker processes.

Every key starts with `prefix`, so several deployments (or test runs) can share one server.
The outbox is a Redis Stream read by a consumer group: each worker process is a consumer, a
claimed entry stays in the group's pending list until acked, and XAUTOCLAIM hands entries whose
worker has held them longer than the lease (it died) to another worker. Notifications not yet
due wait in a sorted set scored by due_at; `claim_due` moves the due ones to the stream.

Keys (after the prefix):
  session:<key>, citizen:<key>      JSON strings (a session expires after the last save)
  sub:<number>                      submission JSON
  subs:<citizen_key>                sorted set of numbers, scored by registered_at
  subs:open                         set of open numbers
  outbox:seen:<key>                 idempotency marker, kept for a time after completion
  outbox:n:<key>                    the notification's current JSON while queued
  outbox:delayed                    sorted set of keys scored by due_at
  outbox:stream, outbox:entries     the stream; hash key -> stream entry id (to ack it)
  outbox:dead                       list of dead-lettered notification JSON, oldest first, stamped
  outbox:done:<key>                 completed, while its delivery link lives (a later failure report may reopen it)
  delivery:<id>, delivery-link:<id> a sent message's status "<rank>:<status>" and its notification
  once:<key>                        replay guard (SET NX EX)
  lock:<key>                        a conversation's turn lock (SET NX PX, a random token)
  inbox:<address>                   list of JSON items (expires after the last push)
  inbox-pushed                      pub/sub channel: the address of each push (wakes waiting widgets)
  record:<kind>                     hash id -> JSON (operator desk: queue, tickets, accounts)
  log:<key>                         list of JSON items: a transcript is capped (TRANSCRIPT_BYTES,
                                    LOG_CAP) and expires after its last entry; any other log (the
                                    audit) ages item by item
  log-bytes:transcript:<key>        a transcript's size in bytes, expiring with it
  logs:stamped                      set of the logs whose items age one by one (for `purge`)
  retention:dated                   set once keys written before retention were given their times

Expiry times are absolute (EXAT), computed from the store's clock, as the policy in
bot/retention.py says; a list whose items age one by one carries each item's time in "_t".
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Callable

import redis.asyncio as redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError, WatchError

from bot.models import DELIVERY_RANK, OPEN_STATUSES, Citizen, Notification, Session, Submission
from bot.ports import ONCE_SECONDS, TRANSCRIPT_BYTES, Clock, Held
from bot.retention import Retention
from connectors.inbox import InboxWatchers

log = logging.getLogger(__name__)

GROUP = "workers"
STAMP = "_t"  # an item's time in the lists that age item by item

# Lua, so that marking the key seen and queueing it happen together or not at all.
ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX') then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
"""

# Lua, so that when two workers promote at once each due key reaches the stream exactly once.
PROMOTE = """
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, key in ipairs(keys) do
  redis.call('ZREM', KEYS[1], key)
  local id = redis.call('XADD', KEYS[2], '*', 'key', key)
  redis.call('HSET', KEYS[3], key, id)
end
return #keys
"""


# Lua: write the turn back and release its lock only while the lock is still this holder's.
RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EXAT', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[4], '1', 'EX', ARGV[5]) end
redis.call('DEL', KEYS[1])
return 1
"""

LOG_CAP = 10_000
PURGE_BATCH = 500  # items one script call drops, so a long sweep never blocks the server for long

# Lua: append ARGV[1] to the transcript KEYS[1], whose size in bytes KEYS[2] counts, then drop its
# oldest items while it holds more than ARGV[2] bytes or ARGV[3] items; both expire at ARGV[4].
APPEND_CAPPED = """
local size = redis.call('INCRBY', KEYS[2], string.len(ARGV[1]))
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
while n > 1 and (size > tonumber(ARGV[2]) or n > tonumber(ARGV[3])) do
  size = redis.call('DECRBY', KEYS[2], string.len(redis.call('LPOP', KEYS[1])))
  n = n - 1
end
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('EXPIREAT', KEYS[2], ARGV[4])
"""

# Lua: items KEYS[1][ARGV[1]..ARGV[1]+ARGV[2]) written before items were stamped get the time
# ARGV[3]; the text is prefixed, not re-encoded (cjson would turn an empty list into {}).
STAMP_OLD = """
local stamped = 0
for i = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1 do
  local item = redis.call('LINDEX', KEYS[1], i)
  if not item then break end
  if type(cjson.decode(item)['_t']) ~= 'number' then
    local rest = string.sub(item, 2)
    redis.call('LSET', KEYS[1], i, '{"_t":' .. ARGV[3] .. (rest == '}' and '' or ',') .. rest)
    stamped = stamped + 1
  end
end
return stamped
"""

# Lua: drop the items older than ARGV[1] from the head of a list kept in time order (each item
# carries its time in "_t"); an item without one stops the sweep, as if it were young.
DROP_OLD = """
local n = 0
while n < tonumber(ARGV[2]) do
  local item = redis.call('LINDEX', KEYS[1], 0)
  if not item then break end
  local t = cjson.decode(item)['_t']
  if type(t) ~= 'number' or t >= tonumber(ARGV[1]) then break end
  redis.call('LPOP', KEYS[1])
  n = n + 1
end
return n
"""


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str = "kv:", *, lease_seconds: float = 60.0,
                 consumer: str | None = None, retention: Retention = Retention(),
                 clock: Clock | None = None) -> None:
        self._r = client
        self._p = prefix
        self._retention = retention
        self._clock = clock  # dates the expiry times; leases and replay guards are relative
        self._lease_ms = max(1, int(lease_seconds * 1000))
        # Unique per instance: the group tracks which consumer holds which entry.
        self._consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._stream = f"{prefix}outbox:stream"
        self._delayed = f"{prefix}outbox:delayed"
        self._entries = f"{prefix}outbox:entries"
        self._enqueue = client.register_script(ENQUEUE)
        self._promote = client.register_script(PROMOTE)
        self._release = client.register_script(RELEASE)
        self._drop_old = client.register_script(DROP_OLD)
        self._stamp_old = client.register_script(STAMP_OLD)
        self._append_capped = client.register_script(APPEND_CAPPED)
        self._group_ready = False
        self._watchers = InboxWatchers()
        self._pushes = f"{prefix}inbox-pushed"  # pub/sub channel: the address pushed to
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()

    @classmethod
    def from_url(cls, url: str, prefix: str = "kv:", *, lease_seconds: float = 60.0,
                 consumer: str | None = None, retention: Retention = Retention(),
                 clock: Clock | None = None) -> RedisStore:
        client = redis.Redis.from_url(url, decode_responses=True)
        return cls(client, prefix, lease_seconds=lease_seconds, consumer=consumer, retention=retention,
                   clock=clock)

    def _now(self) -> float:
        return self._clock.now().timestamp() if self._clock else time.time()

    def _until(self, kind: str) -> int:
        """When a record of `kind` written now expires (unix seconds, for EXAT/EXPIREAT)."""
        return int(self._now() + self._retention.seconds(kind))

    def _stamped(self, data: dict[str, Any]) -> str:
        return _dump({**data, STAMP: self._now()})

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self._r.aclose()

    # Sessions and citizens

    async def load_session(self, key: str) -> Session | None:
        data = await self._r.get(f"{self._p}session:{key}")
        return Session.from_json(json.loads(data)) if data else None

    async def save_session(self, session: Session) -> None:
        # Every save restarts the time: a citizen who comes back tomorrow continues.
        await self._r.set(f"{self._p}session:{session.key}", _dump(session.to_json()),
                          exat=self._until("sessions"))

    async def get_citizen(self, key: str) -> Citizen | None:
        data = await self._r.get(f"{self._p}citizen:{key}")
        return Citizen.from_json(json.loads(data)) if data else None

    async def save_citizen(self, citizen: Citizen) -> None:
        await self._r.set(f"{self._p}citizen:{citizen.key}", _dump(citizen.to_json()))

    # Submissions

    async def save_submission(self, submission: Submission) -> None:
        s, number = submission, submission.registration_number
        async with self._r.pipeline(transaction=True) as tx:
            tx.set(f"{self._p}sub:{number}", _dump(s.to_json()))
            tx.zadd(f"{self._p}subs:{s.citizen_key}", {number: s.registered_at.timestamp()})
            if s.is_open:
                tx.sadd(f"{self._p}subs:open", number)
            else:
                tx.srem(f"{self._p}subs:open", number)
            await tx.execute()

    async def get_submission(self, registration_number: str) -> Submission | None:
        data = await self._r.get(f"{self._p}sub:{registration_number}")
        return Submission.from_json(json.loads(data)) if data else None

    async def _submissions(self, numbers: list[str]) -> list[Submission]:
        if not numbers:
            return []
        found = await self._r.mget([f"{self._p}sub:{n}" for n in numbers])
        return [Submission.from_json(json.loads(d)) for d in found if d]

    async def list_submissions(self, citizen_key: str) -> list[Submission]:
        numbers = await self._r.zrevrange(f"{self._p}subs:{citizen_key}", 0, -1)
        return await self._submissions(numbers)

    async def open_submissions(self) -> list[Submission]:
        subs = await self._submissions(list(await self._r.smembers(f"{self._p}subs:open")))
        # The set is the index; the record's own status is the truth.
        return sorted((s for s in subs if s.status in OPEN_STATUSES),
                      key=lambda s: s.registered_at.timestamp())

    async def all_submissions(self) -> list[Submission]:
        # The figures per body are computed every few minutes at most: a SCAN, not an index to keep.
        subs: list[Submission] = []
        batch: list[str] = []
        async for key in self._r.scan_iter(match=f"{self._p}sub:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                subs += await self._loaded(batch)
                batch = []
        return subs + await self._loaded(batch)

    async def _loaded(self, keys: list[str]) -> list[Submission]:
        return [Submission.from_json(json.loads(d)) for d in await self._r.mget(keys) if d] if keys else []

    # Outbox

    async def enqueue(self, notification: Notification) -> bool:
        n = notification
        added = await self._enqueue(
            keys=[f"{self._p}outbox:seen:{n.key}", f"{self._p}outbox:n:{n.key}", self._delayed],
            args=[_dump(n.to_json()), repr(float(n.due_at)), n.key],
        )
        return bool(added)

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self._r.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except ResponseError as e:
            if "BUSYGROUP" not in str(e):  # another process created it first: fine
                raise
        self._group_ready = True

    async def claim_due(self, now: float, limit: int) -> list[Notification]:
        if limit <= 0:
            return []
        await self._ensure_group()
        await self._promote(keys=[self._delayed, self._stream, self._entries],
                            args=[repr(float(now)), 1000])
        # First entries whose worker has held them past the lease, then never-delivered ones.
        _, entries, *_ = await self._r.xautoclaim(
            self._stream, GROUP, self._consumer, self._lease_ms, "0-0", count=limit
        )
        entries = [e for e in entries if e and e[1]]
        if len(entries) < limit:
            fresh = await self._r.xreadgroup(
                GROUP, self._consumer, {self._stream: ">"}, count=limit - len(entries)
            )
            for _, stream_entries in fresh:
                entries.extend(stream_entries)
        keys = [fields["key"] for _, fields in entries]
        found = await self._r.mget([f"{self._p}outbox:n:{k}" for k in keys]) if keys else []
        claimed = [Notification.from_json(json.loads(d)) for d in found if d]
        # An entry without data was completed or dead-lettered meanwhile: drop it.
        stale = [entry[0] for entry, d in zip(entries, found, strict=True) if d is None]
        if stale:
            await self._r.xack(self._stream, GROUP, *stale)
            await self._r.xdel(self._stream, *stale)
        return claimed

    async def _finish(self, key: str, then: Callable[[Pipeline], Any]) -> None:
        """Takes `key` out of the queue (stream, group, delayed set), then runs `then` on the
        same MULTI. Does nothing if it is no longer queued; if another holder of the same
        notification (whose lease ran out) finishes it at the same time, its outcome stands."""
        data_key = f"{self._p}outbox:n:{key}"
        async with self._r.pipeline(transaction=True) as tx:
            try:
                await tx.watch(data_key)
                if not await tx.exists(data_key):
                    return
                entry_id = await tx.hget(self._entries, key)
                tx.multi()
                if entry_id:
                    tx.xack(self._stream, GROUP, entry_id)
                    tx.xdel(self._stream, entry_id)
                tx.hdel(self._entries, key)
                tx.zrem(self._delayed, key)
                then(tx)
                await tx.execute()
            except WatchError:
                pass

    async def complete(self, notification: Notification) -> None:
        def done(tx: Pipeline) -> None:
            tx.delete(f"{self._p}outbox:n:{notification.key}")
            tx.set(f"{self._p}outbox:done:{notification.key}", "1", exat=self._until("deliveries"))
            tx.expireat(f"{self._p}outbox:seen:{notification.key}", self._until("outbox_sent"))

        await self._finish(notification.key, done)

    async def retry(self, notification: Notification, due_at: float, error: str) -> None:
        """Stores a copy with attempts + 1, `error` and `due_at`; the argument is not changed."""
        n = replace(notification, attempts=notification.attempts + 1, due_at=due_at,
                    last_error=error)

        def requeue(tx: Pipeline) -> None:
            tx.set(f"{self._p}outbox:n:{n.key}", _dump(n.to_json()))
            tx.zadd(self._delayed, {n.key: due_at})

        await self._finish(n.key, requeue)

    async def dead_letter(self, notification: Notification, error: str) -> None:
        n = replace(notification, last_error=error)

        def bury(tx: Pipeline) -> None:
            tx.delete(f"{self._p}outbox:n:{n.key}")
            tx.rpush(f"{self._p}outbox:dead", self._stamped(n.to_json()))
            tx.expireat(f"{self._p}outbox:seen:{n.key}", self._until("outbox_dead"))

        await self._finish(n.key, bury)

    async def dead_letters(self) -> list[Notification]:
        """Notifications given up on, oldest first, with the final error in `last_error`."""
        items = await self._r.lrange(f"{self._p}outbox:dead", 0, -1)
        return [Notification.from_json(_unstamped(i)) for i in items]

    async def outbox_backlog(self, now: float) -> tuple[int, float]:
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.zcard(self._delayed).zrange(self._delayed, 0, 0, withscores=True)
            pipe.xlen(self._stream).xrange(self._stream, count=1)
            waiting, first, in_stream, head = await pipe.execute()
        dues = [score for _, score in first]
        if head and (data := await self._r.get(f"{self._p}outbox:n:{head[0][1]['key']}")):
            dues.append(json.loads(data)["due_at"])  # promoted to the stream, not yet delivered
        return waiting + in_stream, max(0.0, now - min(dues, default=now))

    # Pull-channel inboxes

    async def push_inbox(self, address: str, item: dict[str, Any]) -> None:
        key = f"{self._p}inbox:{address}"
        async with self._r.pipeline(transaction=True) as tx:
            await tx.rpush(key, _dump(item)).expireat(key, self._until("transcripts")).publish(
                self._pushes, address).execute()

    @asynccontextmanager
    async def watch_inbox(self, address: str) -> AsyncIterator[asyncio.Event]:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())
        await self._listening.wait()  # subscribed before the caller drains: no push falls between
        async with self._watchers.watch(address) as event:
            yield event

    async def _listen(self) -> None:
        """One subscription per process, fanned out to its watchers; renewed if the connection drops."""
        while True:
            try:
                async with self._r.pubsub() as pubsub:
                    await pubsub.subscribe(self._pushes)
                    self._listening.set()
                    self._watchers.all_pushed()  # a push may have come while unsubscribed
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._watchers.pushed(message["data"])
            except Exception as error:  # the connection, most likely: widgets must not stay deaf
                log.warning("inbox subscription lost (%s); renewing", type(error).__name__)
            self._listening.clear()
            await asyncio.sleep(1)

    async def drain_inbox(self, address: str) -> list[dict[str, Any]]:
        key = f"{self._p}inbox:{address}"
        # MULTI: read and delete as one step, so an item pushed in between is not lost.
        async with self._r.pipeline(transaction=True) as tx:
            items, _ = await tx.lrange(key, 0, -1).delete(key).execute()
        return [json.loads(i) for i in items]

    # Small keyed records and append-only logs

    async def put_record(self, kind: str, id: str, data: dict[str, Any]) -> None:
        await self._r.hset(f"{self._p}record:{kind}", id, _dump(data))

    async def get_record(self, kind: str, id: str) -> dict[str, Any] | None:
        data = await self._r.hget(f"{self._p}record:{kind}", id)
        return json.loads(data) if data else None

    async def records(self, kind: str) -> list[dict[str, Any]]:
        found = await self._r.hgetall(f"{self._p}record:{kind}")
        return [json.loads(found[id]) for id in sorted(found)]

    async def delete_record(self, kind: str, id: str) -> None:
        await self._r.hdel(f"{self._p}record:{kind}", id)

    async def append_log(self, key: str, item: dict[str, Any]) -> None:
        # Transcripts are capped (a runaway conversation cannot grow without bound) and expire as a
        # whole; the operators' audit log is a record, never trimmed, and ages item by item.
        name = f"{self._p}log:{key}"
        if key.startswith("transcript:"):
            await self._append_capped(keys=[name, f"{self._p}log-bytes:{key}"],
                                      args=[_dump(item), TRANSCRIPT_BYTES, LOG_CAP, self._until("transcripts")])
            return
        async with self._r.pipeline(transaction=True) as tx:
            tx.rpush(name, self._stamped(item)).sadd(f"{self._p}logs:stamped", key)
            await tx.execute()

    async def read_log(self, key: str, last: int) -> list[dict[str, Any]]:
        return [_unstamped(i) for i in await self._r.lrange(f"{self._p}log:{key}", -last, -1)]

    # Replay guard

    async def first_time(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self._r.set(f"{self._p}once:{key}", "1", nx=True,
                                      ex=max(1, int(ttl_seconds))))

    # Conversations, one turn at a time

    @asynccontextmanager
    async def conversation(self, key: str, records: tuple[str, ...] = (), once: str | None = None,
                           lease_seconds: float = 120.0) -> AsyncIterator[Held]:
        """The lock and the reads in one round trip, the writes and the release in another. The
        lease frees the lock if its holder dies; a holder whose lease ran out saves nothing."""
        lock, token = f"{self._p}lock:{key}", uuid.uuid4().hex
        once_key = f"{self._p}once:{once}" if once else lock
        while True:
            async with self._r.pipeline(transaction=False) as pipe:
                pipe.set(lock, token, nx=True, px=max(1, int(lease_seconds * 1000)))
                pipe.exists(once_key)
                pipe.get(f"{self._p}citizen:{key}")
                pipe.get(f"{self._p}session:{key}")
                for kind in records:
                    pipe.hget(f"{self._p}record:{kind}", key)
                taken, seen, citizen, session, *found = await pipe.execute()
            if taken:
                break
            await asyncio.sleep(0.02)
        held = Held(Citizen.from_json(json.loads(citizen)) if citizen else None,
                    Session.from_json(json.loads(session)) if session else None,
                    {kind: json.loads(v) if v else None for kind, v in zip(records, found, strict=True)},
                    seen=bool(once and seen))
        keys = [lock, f"{self._p}session:{key}", f"{self._p}citizen:{key}", once_key]
        try:
            yield held
        except BaseException:
            await self._release(keys=keys, args=[token, "", 0, "", ""])  # release only: nothing is saved
            raise
        citizen_json = _dump(held.citizen.to_json()) if held.citizen and held.citizen_changed else ""
        session_json = _dump(held.session.to_json()) if held.session else ""
        saved = await self._release(keys=keys, args=[token, session_json, self._until("sessions"), citizen_json,
                                                     ONCE_SECONDS if once else ""])
        if not saved:
            raise TimeoutError(f"conversation lock lease ran out after {lease_seconds}s; the turn was not saved")

    # Delivery statuses: "<rank>:<status>", kept as long as the policy says

    async def record_delivery(self, message_id: str, status: str) -> bool:
        rank = DELIVERY_RANK.get(status, 1)
        return bool(await self._r.eval(_RECORD_DELIVERY, 1, f"{self._p}delivery:{message_id}", rank, status,
                                       self._until("deliveries")))

    async def delivery(self, message_id: str) -> str | None:
        value = await self._r.get(f"{self._p}delivery:{message_id}")
        return value.split(":", 1)[1] if value else None

    async def link_delivery(self, message_id: str, notification: Notification) -> None:
        await self._r.set(f"{self._p}delivery-link:{message_id}", _dump(notification.to_json()),
                          exat=self._until("deliveries"))

    async def linked_delivery(self, message_id: str) -> Notification | None:
        data = await self._r.get(f"{self._p}delivery-link:{message_id}")
        return Notification.from_json(json.loads(data)) if data else None

    async def reopen(self, notification: Notification, due_at: float, error: str) -> bool:
        n = replace(notification, attempts=notification.attempts + 1, due_at=due_at, last_error=error)
        keys = [f"{self._p}outbox:done:{n.key}", f"{self._p}outbox:n:{n.key}", self._delayed]
        return bool(await self._r.eval(_REOPEN, len(keys), *keys, _dump(n.to_json()), repr(float(due_at)), n.key))

    async def undelivered(self, notification: Notification, error: str) -> bool:
        n = replace(notification, last_error=error)
        keys = [f"{self._p}outbox:done:{n.key}", f"{self._p}outbox:dead"]
        return bool(await self._r.eval(_UNDELIVERED, len(keys), *keys, self._stamped(n.to_json())))

    # Retention (bot/retention.py): most keys expire by themselves; these lists age item by item.

    async def purge(self, now: float) -> dict[str, int]:
        """Drop the dead letters and audit entries past their time at `now`; how many went."""
        keep = self._retention.seconds
        if not await self._r.exists(f"{self._p}retention:dated"):
            await self._date_unaged(now)
        logs = sorted(await self._r.smembers(f"{self._p}logs:stamped"))
        return {
            "outbox_dead": await self._drop_all(f"{self._p}outbox:dead", now - keep("outbox_dead")),
            "audit": sum([await self._drop_all(f"{self._p}log:{key}", now - keep("audit")) for key in logs]),
        }

    async def _date_unaged(self, now: float) -> None:
        """Once, on data written before retention: keys without an expiry get one, and list
        items a time, counted from this first sweep (nothing goes before a full period)."""
        p, keep = self._p, self._retention.seconds
        expiring = {"outbox:seen:*": "outbox_sent", "log:transcript:*": "transcripts", "inbox:*": "transcripts"}
        for pattern, kind in expiring.items():
            async with self._r.pipeline(transaction=False) as pipe:
                async for key in self._r.scan_iter(match=f"{p}{pattern}", count=1000):
                    pipe.expireat(key, int(now + keep(kind)), nx=True)  # NX: a key that has one keeps it
                    if len(pipe) >= 1000:
                        await pipe.execute()
                await pipe.execute()
        aged = [f"{p}outbox:dead"]
        async for key in self._r.scan_iter(match=f"{p}log:*", count=1000):
            if not key.startswith(f"{p}log:transcript:"):
                aged.append(key)
                await self._r.sadd(f"{p}logs:stamped", key.removeprefix(f"{p}log:"))
        for key in aged:
            start = 0
            while start < await self._r.llen(key):
                await self._stamp_old(keys=[key], args=[start, PURGE_BATCH, repr(now)])
                start += PURGE_BATCH
        await self._r.set(f"{p}retention:dated", repr(now))

    async def _drop_all(self, key: str, cutoff: float) -> int:
        gone = 0
        while (n := await self._drop_old(keys=[key], args=[repr(cutoff), PURGE_BATCH])) == PURGE_BATCH:
            gone += n
        return gone + n


def _unstamped(item: str) -> dict[str, Any]:
    data = json.loads(item)
    data.pop(STAMP, None)
    return data


# Set only when the stored status is not as far along (one atomic step on the server).
_RECORD_DELIVERY = """
local old = redis.call('GET', KEYS[1])
if old and tonumber(string.match(old, '^(%d+)')) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EXAT', ARGV[3])
return 1
"""

# A completed notification back in the queue, or into the dead letters; each only once.
_REOPEN = """
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
"""
_UNDELIVERED = """
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
"""
