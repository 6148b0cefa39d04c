"""The contract every `bot.ports.Store` keeps; each test runs on SQLite and on Redis.

- Sessions and citizens: save then load returns an equal object; a second save replaces the
  first; an unknown key loads as None.
- Submissions: `save_submission` upserts by registration number; `get_submission` of an unknown
  number is None; `list_submissions(citizen_key)` returns only that citizen's, newest
  registered first; `open_submissions()` returns only statuses registered/in_progress, so an
  upsert to completed (or refused) takes a submission out of it; `all_submissions()` returns
  every citizen's, open or not, each once (more than one Redis SCAN batch).
- Outbox:
  - `enqueue` returns True the first time for a key and False after, even after the
    notification was completed or dead-lettered (and a second enqueue changes nothing);
  - `claim_due(now, limit)` returns at most `limit` notifications that are due
    (due_at <= now) and not claimed by anyone else, as they were enqueued (or last retried);
  - a claim is a lease (a constructor argument, 60 s by default): while it lasts, no further
    `claim_due` (by the same or another store on the same data) returns that notification;
    once it expires (its worker died) the notification is returned again;
  - `complete(n)` removes it for good;
  - `retry(n, due_at, error)` stores it with attempts + 1 and last_error = error, due again
    at due_at (and not before);
  - `dead_letter(n, error)` removes it from the queue and keeps it, with last_error = error,
    in `dead_letters()`.
  - `outbox_backlog(now)` counts what is queued (waiting for a retry, or claimed and not yet
    finished) and says how long the longest-waiting due one has been due (0 when none is).
  - a completed notification can be `reopen`ed once (queued again, attempts + 1) or turned
    `undelivered` once (into the dead letters), when its provider reports a failure later;
    neither touches one that is queued, dead or unknown.
- Delivery statuses: `record_delivery` is True only when a status ranks above the stored one;
  `link_delivery` remembers which notification a sent message carried.
- Inboxes: push then drain returns the items in push order; a second drain returns []; each
  address has its own inbox.
- `first_time(key, ttl)`: True once, then False until ttl seconds have passed, then True again.
- Two stores on the same data (two processes: same SQLite file, or same Redis prefix) see each
  other's writes and never both claim the same notification.
- `close()` releases connections; what was written stays for the next store that opens.
- Retention (bot/retention.py), with the store's clock dating each write and `purge(now)` run
  as the worker does: a session goes `sessions` days after its last save; a sent notification's
  key `outbox_sent` days after sending (then it may be queued again); a dead letter
  `outbox_dead` days after it was given up; a transcript or a pull-channel inbox as a whole
  `transcripts` days after its last entry; an audit entry `audit` days after it was written;
  a delivery status and link `deliveries` days after they were written. Younger records stay,
  and nothing a live conversation needs is touched: queued notifications, citizens,
  submissions, the desk's records and a turn's replay mark.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import redis.asyncio as redis

from bot.models import Citizen, Notification, Session, Submission
from bot.ports import TRANSCRIPT_BYTES
from bot.retention import Retention
from connectors.redis_store import RedisStore
from connectors.sqlite_store import SqliteStore
from tests.support import delete_keys

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TBILISI = timezone(timedelta(hours=4))


@pytest.fixture(params=["sqlite", "redis"])
async def open_store(request, tmp_path):
    """Opens stores of one backend on ONE shared location (the same file, or the same key
    prefix), as separate processes would. Closes them all and deletes the Redis keys after."""
    prefix = f"kvtest:{uuid.uuid4().hex}:"
    opened = []

    async def open_(lease_seconds: float = 60.0, **more):  # more: retention, clock
        if request.param == "sqlite":
            store = await SqliteStore.open(tmp_path / "data" / "kavshiri.sqlite3",
                                           lease_seconds=lease_seconds, **more)
        else:
            store = RedisStore.from_url(REDIS_URL, prefix, lease_seconds=lease_seconds, **more)
        opened.append(store)
        return store

    open_.prefix = prefix
    yield open_
    for store in opened:
        await store.close()
    if request.param == "redis":
        await delete_keys(REDIS_URL, prefix)


@pytest.fixture
async def store(open_store):
    return await open_store()


def submission(number: str, citizen: str = "telegram:1", *, day: int = 1,
               status: str = "registered") -> Submission:
    return Submission(
        registration_number=number, citizen_key=citizen, portal_id="01001012345",
        agency_id="mof", request_type="information_request", subject="საჯარო ინფორმაცია",
        registered_at=datetime(2025, 3, day, 10, 30, tzinfo=TBILISI),
        deadline=date(2025, 3, day + 10), status=status,
    )


def note(key: str, due_at: float = 0.0) -> Notification:
    return Notification(key=key, channel="telegram", address="42", lang="ka",
                        reply={"text": f"შეტყობინება {key}"}, due_at=due_at)


# Sessions and citizens

async def test_session_round_trip(store):
    session = Session(key="telegram:1", step="subject", draft={"agency_id": "mof"},
                      context={"n": 1}, offered=["mof", "moh"], updated_at="2025-03-01T10:00")
    await store.save_session(session)
    assert await store.load_session("telegram:1") == session
    session.step = "confirm"
    await store.save_session(session)
    assert (await store.load_session("telegram:1")).step == "confirm"
    assert await store.load_session("telegram:2") is None


async def test_citizen_round_trip(store):
    citizen = Citizen(key="web:abc", channel="web", address="abc", lang="ka",
                      portal_id="01001012345", created_at="2025-03-01T10:00:00+04:00")
    await store.save_citizen(citizen)
    assert await store.get_citizen("web:abc") == citizen
    citizen.lang = "en"
    await store.save_citizen(citizen)
    assert (await store.get_citizen("web:abc")).lang == "en"
    assert await store.get_citizen("web:nobody") is None


# Submissions

async def test_submission_upsert_and_get(store):
    await store.save_submission(submission("R-1"))
    changed = submission("R-1", status="completed")
    changed.answer_url = "https://my.gov.ge/answer/1"
    changed.completed_at = datetime(2025, 3, 5, 12, 0, tzinfo=TBILISI)
    await store.save_submission(changed)
    assert await store.get_submission("R-1") == changed
    assert await store.list_submissions("telegram:1") == [changed]
    assert await store.get_submission("R-404") is None


async def test_list_submissions_newest_first_and_only_the_citizens(store):
    for number, day in [("R-2", 2), ("R-3", 3), ("R-1", 1)]:
        await store.save_submission(submission(number, day=day))
    await store.save_submission(submission("R-9", citizen="telegram:2", day=9))
    listed = await store.list_submissions("telegram:1")
    assert [s.registration_number for s in listed] == ["R-3", "R-2", "R-1"]
    assert await store.list_submissions("telegram:nobody") == []


async def test_open_submissions_only_registered_and_in_progress(store):
    await store.save_submission(submission("R-1", status="registered"))
    await store.save_submission(submission("R-2", status="in_progress"))
    await store.save_submission(submission("R-3", citizen="web:x", status="registered"))
    await store.save_submission(submission("R-4", status="refused"))
    open_numbers = {s.registration_number for s in await store.open_submissions()}
    assert open_numbers == {"R-1", "R-2", "R-3"}
    await store.save_submission(submission("R-1", status="completed"))
    open_numbers = {s.registration_number for s in await store.open_submissions()}
    assert open_numbers == {"R-2", "R-3"}


async def test_all_submissions_every_citizen_each_once(store):
    numbers = {f"R-{i}" for i in range(1203)}  # over one SCAN batch on Redis
    for i, number in enumerate(sorted(numbers)):
        await store.save_submission(submission(number, citizen=f"web:{i % 7}", status=("registered", "refused")[i % 2]))
    await store.save_submission(submission("R-5", status="completed"))  # an upsert is still one
    listed = [s.registration_number for s in await store.all_submissions()]
    assert sorted(listed) == sorted(numbers)


# Outbox

async def test_enqueue_is_idempotent_even_after_completion(store):
    now = time.time()
    assert await store.enqueue(note("a", now)) is True
    assert await store.enqueue(note("a", now)) is False
    [claimed] = await store.claim_due(now, 10)
    await store.complete(claimed)
    assert await store.enqueue(note("a", now)) is False
    assert await store.claim_due(now + 3600, 10) == []


async def test_second_enqueue_changes_nothing(store):
    now = time.time()
    await store.enqueue(note("a", now))
    await store.enqueue(Notification(key="a", channel="sms", address="0", lang="en",
                                     reply={}, due_at=now))
    assert await store.claim_due(now, 10) == [note("a", now)]


async def test_claim_due_returns_only_due_and_at_most_limit(store):
    now = time.time()
    for i in range(3):
        await store.enqueue(note(f"due-{i}", now - 10 + i))
    await store.enqueue(note("later", now + 3600))
    first = await store.claim_due(now, 2)
    second = await store.claim_due(now, 2)
    assert len(first) == 2 and len(second) == 1
    claimed = {n.key for n in first + second}
    assert claimed == {"due-0", "due-1", "due-2"}
    assert all(n == note(n.key, n.due_at) for n in first + second)  # as enqueued
    assert await store.claim_due(now, 10) == []  # all leased; "later" not due


async def test_claim_due_with_zero_limit_claims_nothing(store):
    now = time.time()
    await store.enqueue(note("a", now))
    assert await store.claim_due(now, 0) == []
    assert len(await store.claim_due(now, 1)) == 1


async def test_claimed_notification_is_not_returned_while_leased(store):
    now = time.time()
    await store.enqueue(note("a", now))
    assert [n.key for n in await store.claim_due(now, 10)] == ["a"]
    assert await store.claim_due(now, 10) == []
    assert await store.claim_due(now + 30, 10) == []


async def test_expired_lease_makes_it_claimable_again(open_store):
    worker = await open_store(lease_seconds=0.5)  # claims, then "dies"
    other = await open_store(lease_seconds=0.5)
    now = time.time()
    await worker.enqueue(note("a", now))
    assert [n.key for n in await worker.claim_due(now, 10)] == ["a"]
    await asyncio.sleep(1.0)  # past the lease
    again = await other.claim_due(time.time(), 10)
    assert [n.key for n in again] == ["a"]
    await other.complete(again[0])
    await asyncio.sleep(1.0)
    assert await worker.claim_due(time.time(), 10) == []


async def test_complete_removes_for_good(store):
    now = time.time()
    await store.enqueue(note("a", now))
    await store.enqueue(note("b", now))
    claimed = await store.claim_due(now, 10)
    await store.complete(next(n for n in claimed if n.key == "a"))
    await store.retry(next(n for n in claimed if n.key == "b"), now, "timeout")
    assert [n.key for n in await store.claim_due(now + 3600, 10)] == ["b"]
    assert await store.dead_letters() == []


async def test_retry_counts_attempts_and_waits_until_due(store):
    now = time.time()
    await store.enqueue(note("a", now))
    [claimed] = await store.claim_due(now, 10)
    await store.retry(claimed, now + 60, "HTTP 502")
    assert await store.claim_due(now + 59, 10) == []
    [again] = await store.claim_due(now + 60, 10)
    assert (again.attempts, again.last_error, again.due_at) == (1, "HTTP 502", now + 60)
    await store.retry(again, now + 120, "HTTP 503")
    [third] = await store.claim_due(now + 120, 10)
    assert (third.attempts, third.last_error) == (2, "HTTP 503")
    assert third.reply == claimed.reply


async def test_dead_letter_leaves_the_queue_and_is_kept(store):
    now = time.time()
    await store.enqueue(note("a", now))
    await store.enqueue(note("b", now))
    claimed = {n.key: n for n in await store.claim_due(now, 10)}
    await store.dead_letter(claimed["a"], "blocked by user")
    await store.complete(claimed["b"])
    assert await store.claim_due(now + 3600, 10) == []
    [dead] = await store.dead_letters()
    assert dead.key == "a" and dead.last_error == "blocked by user"
    assert dead.reply == claimed["a"].reply
    assert await store.enqueue(note("a", now)) is False


async def test_outbox_backlog_counts_the_queue_and_ages_its_oldest_due(store):
    now = time.time()
    assert await store.outbox_backlog(now) == (0, 0.0)
    await store.enqueue(note("later", now + 3600))
    assert await store.outbox_backlog(now) == (1, 0.0)  # not due: not waiting
    await store.enqueue(note("old", now - 90))
    await store.enqueue(note("new", now - 5))
    assert await store.outbox_backlog(now) == (3, 90.0)
    claimed = {n.key: n for n in await store.claim_due(now, 1)}  # claimed, not yet delivered
    assert list(claimed) == ["old"] and await store.outbox_backlog(now) == (3, 90.0)
    await store.complete(claimed["old"])
    assert await store.outbox_backlog(now) == (2, 5.0)
    [fresh] = await store.claim_due(now, 1)
    await store.dead_letter(fresh, "blocked")
    assert await store.outbox_backlog(now) == (1, 0.0)


# Inboxes

async def test_inbox_drains_in_order_once(store):
    items = [{"text": "გამარჯობა", "n": i} for i in range(3)]
    for item in items:
        await store.push_inbox("web:abc", item)
    await store.push_inbox("web:other", {"text": "not yours"})
    assert await store.drain_inbox("web:abc") == items
    assert await store.drain_inbox("web:abc") == []
    assert await store.drain_inbox("web:other") == [{"text": "not yours"}]
    assert await store.drain_inbox("web:never") == []


# Replay guard

async def test_first_time_once_until_ttl_passes(store):
    assert await store.first_time("update:1", 1) is True
    assert await store.first_time("update:1", 1) is False
    assert await store.first_time("update:2", 1) is True
    await asyncio.sleep(1.5)  # past the ttl
    assert await store.first_time("update:1", 1) is True
    assert await store.first_time("update:1", 1) is False


# Two processes on the same data

async def test_two_stores_see_each_others_writes(open_store):
    api, console = await open_store(), await open_store()
    await api.save_session(Session(key="telegram:1", step="agency"))
    await api.save_submission(submission("R-1"))
    await console.push_inbox("web:abc", {"text": "hi"})
    assert (await console.load_session("telegram:1")).step == "agency"
    assert [s.registration_number for s in await console.open_submissions()] == ["R-1"]
    assert await api.drain_inbox("web:abc") == [{"text": "hi"}]
    assert await console.drain_inbox("web:abc") == []
    assert await api.enqueue(note("a")) is True
    assert await console.enqueue(note("a")) is False


async def test_two_workers_never_claim_the_same_notification(open_store):
    workers = [await open_store(), await open_store()]
    now = time.time()
    keys = {f"n-{i}" for i in range(20)}
    for key in keys:
        await workers[0].enqueue(note(key, now))
    claims: list[str] = []
    while True:  # both claim at once, a few at a time, until the queue is empty
        batches = await asyncio.gather(*(w.claim_due(now, 3) for w in workers))
        if not any(batches):
            break
        claims += [n.key for batch in batches for n in batch]
    assert sorted(claims) == sorted(keys)  # each exactly once


# Closing

async def test_close_then_reopen_keeps_data(open_store):
    first = await open_store()
    await first.save_citizen(Citizen(key="web:abc", channel="web", address="abc"))
    await first.close()
    second = await open_store()
    assert (await second.get_citizen("web:abc")).address == "abc"


# Backend specifics the contract cannot see

@pytest.mark.parametrize("open_store", ["redis"], indirect=True)
async def test_redis_sessions_live_30_days_from_the_last_save(open_store):
    store = await open_store()
    await store.save_session(Session(key="telegram:1"))
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl = await client.ttl(f"{open_store.prefix}session:telegram:1")
    finally:
        await client.aclose()
    assert 29 * 24 * 3600 < ttl <= 30 * 24 * 3600


# Records and logs (the operator desk)

async def test_records_upsert_list_in_id_order_and_delete(store):
    await store.put_record("ticket", "b", {"n": 1})
    await store.put_record("ticket", "a", {"n": 2})
    await store.put_record("ticket", "b", {"n": 3})
    await store.put_record("other", "a", {"n": 4})
    assert await store.records("ticket") == [{"n": 2}, {"n": 3}]
    await store.delete_record("ticket", "a")
    assert await store.get_record("ticket", "a") is None and await store.get_record("ticket", "b") == {"n": 3}


async def test_log_keeps_order_and_reads_the_last_items(store):
    for n in range(5):
        await store.append_log("transcript:web:x", {"n": n, "text": "ტექსტი"})
    assert [i["n"] for i in await store.read_log("transcript:web:x", 3)] == [2, 3, 4]
    assert await store.read_log("transcript:web:other", 3) == []


async def test_a_push_wakes_whoever_watches_that_inbox(open_store, request):
    """The widget's socket waits on this instead of polling the store; on Redis a push from
    another process wakes it too (on SQLite the pushing worker runs in the same process)."""
    store, pushers = await open_store(), []
    pushers.append(store)
    if request.node.callspec.params["open_store"] == "redis":
        pushers.append(await open_store())
    async with store.watch_inbox("web:a") as a, store.watch_inbox("web:b") as b:
        for n, pusher in enumerate(pushers):
            a.clear()
            await pusher.push_inbox("web:a", {"n": n})
            await asyncio.wait_for(a.wait(), 5)
        assert not b.is_set()
    assert [i["n"] for i in await store.drain_inbox("web:a")] == list(range(len(pushers)))


async def test_a_transcript_keeps_its_newest_items_within_its_byte_cap(store):
    """However much one conversation writes, its transcript stays within TRANSCRIPT_BYTES, the
    newest kept; other logs (the operators' audit) are never trimmed."""
    big = "ტ" * 50_000  # 150,000 bytes of UTF-8
    for n in range(30):
        await store.append_log("transcript:web:big", {"n": n, "text": big})
        await store.append_log("audit", {"n": n, "text": big})
    kept = await store.read_log("transcript:web:big", 10_000)
    size = sum(len(json.dumps(i, ensure_ascii=False, separators=(",", ":")).encode()) for i in kept)
    assert size <= TRANSCRIPT_BYTES and kept[-1]["n"] == 29
    assert [i["n"] for i in kept] == list(range(30 - len(kept), 30)) and len(kept) >= 10
    assert len(await store.read_log("audit", 100)) == 30


# Conversations, one turn at a time

async def test_conversation_turns_never_interleave_across_stores(open_store):
    """Two processes handling messages of one conversation never interleave their turns, and
    each turn reads what the one before it wrote."""
    first, second = await open_store(), await open_store()
    trace: list[str] = []

    async def turn(store, name: str) -> None:
        async with store.conversation("web:abc") as held:
            trace.append(f"{name}-in")
            session = held.session or Session("web:abc")
            session.draft["turns"] = session.draft.get("turns", 0) + 1
            await asyncio.sleep(0.05)  # a portal call in the middle of the turn
            held.session = session
            trace.append(f"{name}-out")

    await asyncio.gather(turn(first, "a"), turn(second, "b"), turn(first, "c"))
    pairs = [trace[i:i + 2] for i in range(0, len(trace), 2)]
    assert all(p[0].endswith("-in") and p[1] == p[0].replace("-in", "-out") for p in pairs), trace
    assert (await second.load_session("web:abc")).draft["turns"] == 3


async def test_a_conversation_comes_with_its_citizen_session_and_records(store):
    citizen = Citizen("web:one", "web", "one", lang="ka")
    await store.save_citizen(citizen)
    await store.put_record("waiting", "web:one", {"state": "live", "operator": "nino"})
    async with store.conversation("web:one", records=("waiting", "ticket")) as held:
        assert held.citizen == citizen and held.session is None
        assert held.records == {"waiting": {"state": "live", "operator": "nino"}, "ticket": None}
        held.session = Session("web:one", step="agency")
        held.citizen.lang = "en"  # not saved: citizen_changed is not set
    assert (await store.load_session("web:one")).step == "agency"
    assert (await store.get_citizen("web:one")).lang == "ka"
    async with store.conversation("web:one") as held:
        held.citizen.lang, held.citizen_changed = "en", True
    assert (await store.get_citizen("web:one")).lang == "en"


async def test_a_turns_once_mark_is_saved_with_the_turn_and_not_before(store):
    with pytest.raises(RuntimeError):  # the process fails mid-turn: the re-delivery is handled
        async with store.conversation("web:one", once="update-7") as held:
            assert not held.seen
            raise RuntimeError("the turn failed")
    async with store.conversation("web:one", once="update-7") as held:
        assert not held.seen
        held.session = Session("web:one", step="agency")
    async with store.conversation("web:one", once="update-7") as held:
        assert held.seen
    async with store.conversation("web:one", once="update-8") as held:
        assert not held.seen


async def test_a_failed_turn_saves_nothing_and_frees_the_conversation(store):
    with pytest.raises(RuntimeError):
        async with store.conversation("web:one") as held:
            held.session = Session("web:one", step="agency")
            raise RuntimeError("the turn failed")
    assert await store.load_session("web:one") is None
    async with store.conversation("web:one"):
        async with store.conversation("web:two"):  # another conversation is not blocked
            pass


async def test_a_turn_that_outlived_its_lease_saves_nothing(open_store):
    """A holder that stalled past its lease (another process took the conversation meanwhile, or
    could have) is told, and neither overwrites the session nor marks its `once` as seen."""
    slow, other = await open_store(), await open_store()
    with pytest.raises(TimeoutError):
        async with slow.conversation("web:one", once="update-9", lease_seconds=0.2) as held:
            await asyncio.sleep(0.4)  # stalled past the lease
            async with other.conversation("web:one") as taken:  # the lease ran out: free to take
                taken.session = Session("web:one", step="agency")
            held.session = Session("web:one", step="subject")
    assert (await other.load_session("web:one")).step == "agency"
    async with other.conversation("web:one", once="update-9") as held:
        assert not held.seen  # the re-delivery is handled: the stalled turn was not saved
    with pytest.raises(TimeoutError):  # nobody took it, but the lease ran out all the same
        async with slow.conversation("web:two", lease_seconds=0.2) as held:
            await asyncio.sleep(0.4)
            held.session = Session("web:two", step="subject")
    assert await slow.load_session("web:two") is None


async def test_delivery_status_never_moves_backwards(store):
    assert await store.delivery("SM1") is None
    assert await store.record_delivery("SM1", "queued") is True
    assert await store.record_delivery("SM1", "delivered") is True
    assert await store.record_delivery("SM1", "sent") is False  # a late callback
    assert await store.delivery("SM1") == "delivered"
    assert await store.record_delivery("SM2", "failed") is True
    assert await store.record_delivery("SM2", "failed") is False  # the same callback again
    assert await store.record_delivery("SM2", "delivered") is False  # one final never replaces another
    assert await store.delivery("SM2") == "failed"


async def test_a_sent_message_is_linked_to_its_notification(store):
    assert await store.linked_delivery("SM1") is None
    await store.link_delivery("SM1", note("final:E-1:sms"))
    assert await store.linked_delivery("SM1") == note("final:E-1:sms")


async def completed(store, key: str, now: float) -> Notification:
    await store.enqueue(note(key, now))
    [claimed] = await store.claim_due(now, 10)
    await store.complete(claimed)
    return claimed


async def test_a_completed_notification_reopens_once_with_one_more_attempt(store):
    now = time.time()
    sent = await completed(store, "a", now)
    assert await store.reopen(sent, now + 60, "twilio 30003") is True
    assert await store.reopen(sent, now + 60, "twilio 30003") is False  # already queued again
    assert await store.claim_due(now + 59, 10) == []
    [again] = await store.claim_due(now + 60, 10)
    assert (again.key, again.attempts, again.last_error) == ("a", 1, "twilio 30003")
    await store.complete(again)
    assert await store.enqueue(note("a", now)) is False  # still once per key
    assert await store.claim_due(now + 3600, 10) == []


async def test_only_a_completed_notification_reopens_or_turns_undelivered(store):
    now = time.time()
    await store.enqueue(note("queued", now))
    assert await store.reopen(note("queued", now), now, "x") is False
    assert await store.undelivered(note("queued", now), "x") is False
    assert await store.reopen(note("never", now), now, "x") is False
    [queued] = await store.claim_due(now, 10)
    await store.dead_letter(queued, "blocked")
    assert await store.reopen(queued, now, "x") is False


async def test_an_undelivered_notification_joins_the_dead_letters_once(store):
    now = time.time()
    sent = await completed(store, "a", now)
    assert await store.undelivered(sent, "twilio 30005") is True
    assert await store.undelivered(sent, "twilio 30005") is False
    assert await store.reopen(sent, now, "x") is False
    [dead] = await store.dead_letters()
    assert (dead.key, dead.last_error) == ("a", "twilio 30005")
    assert await store.claim_due(now + 3600, 10) == []


# Retention. Writes are dated by the store's clock, set some days back; `purge` runs at the real
# time, which Redis's own expiry also goes by.

class Calendar:
    """The store's clock: `days_ago(n)` dates the next writes n days before now."""

    def __init__(self) -> None:
        self.at = datetime.now(timezone.utc)

    def now(self) -> datetime:
        return self.at

    def days_ago(self, days: float) -> Calendar:
        self.at = datetime.now(timezone.utc) - timedelta(days=days)
        return self


@pytest.fixture
async def aging(open_store):
    """A store whose writes are dated by a Calendar, with the default retention."""
    calendar = Calendar()
    store = await open_store(clock=calendar)
    store.calendar = calendar
    return store


async def test_sessions_go_30_days_after_the_last_save(aging):
    aging.calendar.days_ago(31)
    await aging.save_session(Session("telegram:old"))
    await aging.save_session(Session("telegram:back"))
    async with aging.conversation("web:old") as held:
        held.session = Session("web:old", step="agency")
    aging.calendar.days_ago(29)
    await aging.save_session(Session("telegram:young"))
    await aging.save_session(Session("telegram:back", step="subject"))  # came back: the time restarts
    async with aging.conversation("web:young") as held:
        held.session = Session("web:young", step="agency")
    await aging.purge(time.time())
    assert await aging.load_session("telegram:old") is None and await aging.load_session("web:old") is None
    assert (await aging.load_session("telegram:back")).step == "subject"
    assert await aging.load_session("telegram:young") == Session("telegram:young")
    assert (await aging.load_session("web:young")).step == "agency"


async def test_a_sent_notifications_key_is_kept_90_days(aging):
    now = time.time()
    aging.calendar.days_ago(91)
    await completed(aging, "final:E-1:sms", now)
    aging.calendar.days_ago(89)
    await completed(aging, "final:E-2:sms", now)
    await aging.purge(now)
    assert await aging.enqueue(note("final:E-2:sms", now)) is False  # a duplicate is still recognised
    assert await aging.enqueue(note("final:E-1:sms", now)) is True  # forgotten
    assert [n.key for n in await aging.claim_due(now, 10)] == ["final:E-1:sms"]


async def test_dead_letters_are_kept_30_days(aging):
    now = time.time()
    aging.calendar.days_ago(31)
    await aging.enqueue(note("old-dead", now))
    [n] = await aging.claim_due(now, 10)
    await aging.dead_letter(n, "blocked")
    aging.calendar.days_ago(29)
    await aging.enqueue(note("young-dead", now))
    [n] = await aging.claim_due(now, 10)
    await aging.dead_letter(n, "blocked")
    await aging.undelivered(await completed(aging, "young-undelivered", now), "twilio 30005")
    gone = await aging.purge(now)
    assert [(n.key, n.last_error) for n in await aging.dead_letters()] == [
        ("young-dead", "blocked"), ("young-undelivered", "twilio 30005")]
    assert gone["outbox_dead"] == 1
    assert await aging.enqueue(note("old-dead", now)) is True and await aging.enqueue(note("young-dead", now)) is False


async def test_a_transcript_goes_as_a_whole_30_days_after_its_last_entry(aging):
    aging.calendar.days_ago(40)
    await aging.append_log("transcript:web:old", {"n": 1})
    aging.calendar.days_ago(31)
    await aging.append_log("transcript:web:old", {"n": 2})
    for days in (29, 1):
        aging.calendar.days_ago(days)
        await aging.append_log("transcript:web:kept", {"n": days})
    await aging.purge(time.time())
    assert await aging.read_log("transcript:web:old", 10) == []
    assert await aging.read_log("transcript:web:kept", 10) == [{"n": 29}, {"n": 1}]


async def test_audit_entries_are_kept_a_year_each(aging):
    for days in (400, 366, 364, 31):
        aging.calendar.days_ago(days)
        await aging.append_log("audit", {"days": days, "text": "ოპერატორის პასუხი"})
    gone = await aging.purge(time.time())
    assert gone["audit"] == 2
    assert await aging.read_log("audit", 10) == [{"days": 364, "text": "ოპერატორის პასუხი"},
                                                 {"days": 31, "text": "ოპერატორის პასუხი"}]


async def test_an_inbox_nobody_drains_goes_30_days_after_its_last_item(aging):
    aging.calendar.days_ago(31)
    await aging.push_inbox("web:gone", {"n": 1})
    aging.calendar.days_ago(29)
    await aging.push_inbox("web:waiting", {"n": 1})
    await aging.purge(time.time())
    assert await aging.drain_inbox("web:gone") == []
    assert await aging.drain_inbox("web:waiting") == [{"n": 1}]


async def test_delivery_statuses_and_links_are_kept_30_days(aging):
    aging.calendar.days_ago(31)
    await aging.record_delivery("SM-old", "delivered")
    await aging.link_delivery("SM-old", note("final:E-1:sms"))
    aging.calendar.days_ago(29)
    await aging.record_delivery("SM-young", "sent")
    await aging.link_delivery("SM-young", note("final:E-2:sms"))
    await aging.purge(time.time())
    assert await aging.delivery("SM-old") is None and await aging.linked_delivery("SM-old") is None
    assert await aging.delivery("SM-young") == "sent"
    assert await aging.linked_delivery("SM-young") == note("final:E-2:sms")


async def test_retention_is_configurable(open_store):
    calendar = Calendar()
    store = await open_store(clock=calendar, retention=Retention(sessions=2, transcripts=1))
    calendar.days_ago(3)
    await store.save_session(Session("telegram:1"))
    calendar.days_ago(1.5)
    await store.append_log("transcript:web:x", {"n": 1})
    await store.save_session(Session("telegram:2"))
    await store.purge(time.time())
    assert await store.load_session("telegram:1") is None
    assert await store.read_log("transcript:web:x", 10) == []
    assert await store.load_session("telegram:2") is not None


async def test_purge_leaves_what_a_live_conversation_needs(aging):
    now = time.time()
    aging.calendar.days_ago(400)  # long-lived records, written long ago
    citizen = Citizen("web:one", "web", "one", lang="ka", notify=["email:a@example.ge"])
    await aging.save_citizen(citizen)
    await aging.save_submission(submission("R-1", "web:one"))
    await aging.put_record("waiting", "web:one", {"state": "live", "operator": "nino"})
    await aging.put_record("ticket", "T-1", {"message": "ტექსტი"})
    await aging.enqueue(note("final:R-1:web", now))  # still queued, however old
    aging.calendar.days_ago(0)
    async with aging.conversation("web:one", once="update-1") as held:
        held.session = Session("web:one", step="agency")
        await aging.append_log("transcript:web:one", {"n": 1})
        await aging.purge(time.time())  # the worker sweeps in the middle of a turn
    await aging.push_inbox("web:one", {"n": 1})
    await aging.purge(time.time())
    assert await aging.get_citizen("web:one") == citizen
    assert [s.registration_number for s in await aging.list_submissions("web:one")] == ["R-1"]
    assert await aging.get_record("waiting", "web:one") is not None
    assert await aging.get_record("ticket", "T-1") is not None
    assert (await aging.load_session("web:one")).step == "agency"
    assert await aging.read_log("transcript:web:one", 10) == [{"n": 1}]
    assert await aging.drain_inbox("web:one") == [{"n": 1}]
    async with aging.conversation("web:one", once="update-1") as held:
        assert held.seen  # the turn's replay mark is kept
    assert [n.key for n in await aging.claim_due(now, 10)] == ["final:R-1:web"]


@pytest.mark.parametrize("open_store", ["redis"], indirect=True)
async def test_redis_data_from_before_retention_is_dated_by_the_first_sweep(open_store):
    """Keys without an expiry get one and list items a time, from the first sweep after the
    upgrade; what they hold reads back the same."""
    store, p = await open_store(), open_store.prefix
    dead = note("final:E-1:sms")
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.set(f"{p}outbox:seen:final:E-1:sms", "1")
        await client.rpush(f"{p}outbox:dead", json.dumps(dead.to_json()))
        await client.rpush(f"{p}log:audit", '{"action":"take","items":[]}', "{}")
        await client.rpush(f"{p}log:transcript:web:a", '{"n":1}')
        await client.rpush(f"{p}inbox:web:a", '{"n":1}')
        await client.set(f"{p}session:web:a", "{}", ex=3600)
        now = time.time()
        await store.purge(now)
        for key in ("outbox:seen:final:E-1:sms", "log:transcript:web:a", "inbox:web:a"):
            assert 29 * 86_400 < await client.ttl(f"{p}{key}"), key
        assert await client.ttl(f"{p}session:web:a") <= 3600  # one it had is kept
    finally:
        await client.aclose()
    assert await store.dead_letters() == [dead]
    assert await store.read_log("audit", 5) == [{"action": "take", "items": []}, {}]
    await store.purge(now + 364 * 86_400)
    assert await store.read_log("audit", 5) == [{"action": "take", "items": []}, {}]
    assert await store.dead_letters() == []
    await store.purge(now + 366 * 86_400)
    assert await store.read_log("audit", 5) == []


# Retention on SQLite, where rows must be swept (Redis forgets most keys by itself)

@pytest.mark.parametrize("open_store", ["sqlite"], indirect=True)
async def test_sqlite_keeps_a_transcripts_old_entries_while_it_goes_on(open_store):
    """Redis gets this by moving the key's expiry with each entry; SQLite must not drop old rows
    of a conversation that is still going (Redis cannot be shown writes it has already expired)."""
    calendar = Calendar()
    store = await open_store(clock=calendar)
    for days in (40, 29):
        calendar.days_ago(days)
        await store.append_log("transcript:web:kept", {"n": days})
    await store.purge(time.time())
    assert await store.read_log("transcript:web:kept", 10) == [{"n": 40}, {"n": 29}]


@pytest.mark.parametrize("open_store", ["sqlite"], indirect=True)
async def test_sqlite_keeps_only_the_key_of_a_sent_notification(open_store, tmp_path):
    """Like Redis, which deletes the notification and keeps its marker: no address or text stays."""
    import sqlite3

    store = await open_store()
    now = time.time()
    await completed(store, "final:E-1:sms", now)
    with sqlite3.connect(tmp_path / "data" / "kavshiri.sqlite3") as db:
        assert db.execute("SELECT state, data FROM outbox").fetchall() == [("done", "{}")]
    assert await store.enqueue(note("final:E-1:sms", now)) is False


@pytest.mark.parametrize("open_store", ["sqlite"], indirect=True)
async def test_sqlite_purge_drops_expired_replay_marks(open_store, tmp_path):
    """Not only when first_time runs: a quiet deployment's marks go with the worker's sweep."""
    store = await open_store()
    assert await store.first_time("tg-update:1", 60)
    assert await store.first_time("tg-update:2", 600)
    assert (await store.purge(time.time() + 120))["once"] == 1
    assert await store.first_time("tg-update:1", 60) is True  # forgotten
    assert await store.first_time("tg-update:2", 600) is False  # still remembered


@pytest.mark.parametrize("open_store", ["sqlite"], indirect=True)
async def test_sqlite_file_from_before_retention_is_upgraded_on_opening(open_store, tmp_path):
    """Rows of an older file are dated by the upgrade: nothing goes before a full period has passed."""
    import sqlite3

    path = tmp_path / "data" / "kavshiri.sqlite3"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as old:
        old.executescript("""
            CREATE TABLE sessions (key TEXT PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, item TEXT NOT NULL);
            CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT NOT NULL, item TEXT NOT NULL);
            CREATE TABLE deliveries (id TEXT PRIMARY KEY, status TEXT NOT NULL, rank INTEGER NOT NULL);
            CREATE TABLE delivery_links (id TEXT PRIMARY KEY, data TEXT NOT NULL);
        """)
        old.execute("INSERT INTO sessions VALUES ('telegram:1', ?)", ('{"key": "telegram:1"}',))
        old.execute("INSERT INTO logs (key, item) VALUES ('audit', '{\"n\": 1}')")
    first, second = await asyncio.gather(open_store(), open_store())  # two processes upgrade it once
    await first.purge(time.time())
    assert await second.load_session("telegram:1") == Session("telegram:1")
    assert await second.read_log("audit", 5) == [{"n": 1}]
    gone = await second.purge(time.time() + 31 * 86_400)
    assert gone["sessions"] == 1 and await first.load_session("telegram:1") is None
    assert await first.read_log("audit", 5) == [{"n": 1}]  # the audit is kept a year
