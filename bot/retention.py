"""How long Kavshiri keeps what it stores: citizens' words and addresses only as long as needed.

Both stores keep the same policy. Redis mostly forgets by itself (expiry times set as a record
is written); SQLite, and the Redis lists whose items age one by one, are swept by `Store.purge`,
which the worker runs every few minutes, with the desk's closed tickets. Submissions, citizens, the
desk's queue and operator accounts are outside this policy: a citizen's requests are listed, and
alerted on, for as long as they last.
"""
from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Retention:
    """Days each kind of record is kept after the moment named."""

    sessions: float = 30  # after the conversation's last save: a citizen back within a month continues
    transcripts: float = 30  # web chat and operator transcripts, and pull-channel inboxes: after the last entry
    outbox_sent: float = 90  # a sent notification's idempotency key, after it was sent
    outbox_dead: float = 30  # a notification given up on (with its key), for operators to inspect
    deliveries: float = 30  # a sent message's delivery status and its link to the notification
    audit: float = 365  # each entry of the operators' audit log: accountability, not chat
    closed_tickets: float = 90  # a message left for the operators (and its contact), after it was closed

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if not getattr(self, name) > 0:
                raise ValueError(f"retention of {name} must be a positive number of days")
        # A provider's late failure report (found through the delivery link) reopens a sent
        # notification, queued again for up to a few hours, or lets another channel stand in for
        # it; both rely on the sent key, so it outlives the link by a day at least.
        if self.outbox_sent < self.deliveries + 1:
            raise ValueError("sent notifications must be kept at least a day longer than delivery statuses")

    def seconds(self, kind: str) -> float:
        return getattr(self, kind) * DAY
