"""When the portal says a request is answered, the citizen hears of it exactly once.

The portal's signed callback and the fallback poll both land in `Alerts.on_update`. The alert
goes to the channel the citizen used and to each channel they chose (notification settings);
the outbox key `final:<number>:<channel>` makes a second arrival a no-op, once per channel.
When an alert is given up on one channel, `fall_back` sends it once to the first other channel
of the citizen's that can deliver here and has not had it (the same key keeps that once).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.messages import Choice, Localized, Reply, Text, reply_to_json
from bot.models import FINAL_STATUSES, Citizen, Notification, Submission
from bot.ports import Clock, Portal, PortalError, Store
from nlu.directory import Directory

log = logging.getLogger(__name__)


def alert_key(number: str, channel: str) -> str:
    return f"final:{number}:{channel}"


def targets(citizen: Citizen) -> dict[str, str]:
    """channel -> address: the chat channel first, then the chosen ones, e-mail before phones."""
    found = {citizen.channel: citizen.address}
    chosen = sorted((e.partition(":") for e in citizen.notify), key=lambda e: e[0] != "email")
    for channel, _, address in chosen:
        found.setdefault(channel, address)
    return found


class Alerts:
    def __init__(self, store: Store, portal: Portal, directory: Directory, clock: Clock,
                 channels: frozenset[str] = frozenset()) -> None:
        self.store, self.portal, self.directory, self.clock = store, portal, directory, clock
        self.channels = channels  # those that can deliver in this deployment

    async def on_update(
        self, number: str, status: str, answer_url: str | None, completed_at: datetime | None,
        rights_explained: bool | None = None,
    ) -> bool:
        """Record a status change; queue the alert when it is final. False: unknown request."""
        submission = await self.store.get_submission(number)
        if submission is None:
            return False
        if answer_url and not answer_url.startswith(("https://", "http://")):
            answer_url = None  # only a web link is ever put in front of a citizen
        submission.status, submission.answer_url = status, answer_url or submission.answer_url
        submission.completed_at = completed_at or submission.completed_at
        if status == "refused" and rights_explained is not None:
            submission.rights_explained = rights_explained
        if status in FINAL_STATUSES and not submission.alerted:
            await self._queue_alert(submission)
            submission.alerted = True
        await self.store.save_submission(submission)
        return True

    async def _queue_alert(self, s: Submission) -> None:
        number, status, url = s.registration_number, s.status, s.answer_url
        citizen = await self.store.get_citizen(s.citizen_key)
        if citizen is None:
            log.warning("alert for a request whose citizen is gone")
            return
        agency = self.directory.get(s.agency_id)
        name = Localized(agency.short_ka, agency.short_en) if agency else s.agency_id
        event = {"type": status, "registration_number": number, "answer_url": url}
        params = {"number": number, "agency": name, "url": url or ""}
        choices: tuple[Choice, ...] = ()
        if status == "refused":  # the complaint is a tap away, as for a missed deadline
            params["rights"] = Text("alert.refused_no_rights") if s.rights_explained is False else ""
            choices = tuple(Choice(f"{kind}:{number}", Text(f"choice.{kind.replace(':', '_')}"))
                            for kind in ("late:complain", "options"))
        reply = Reply(f"alert.{status}", params, choices, event=event)
        for channel, address in targets(citizen).items():
            await self.store.enqueue(Notification(
                key=alert_key(number, channel), channel=channel, address=address,
                lang=citizen.lang or "ka", reply=reply_to_json(reply), due_at=self.clock.now().timestamp(),
                citizen_key=citizen.key,
            ))

    async def fall_back(self, failed: Notification) -> None:
        """`failed` (an alert) will never arrive: send it once to the first other channel of the
        citizen's that works here and has not had this alert."""
        kind, _, rest = failed.key.partition(":")
        number = rest.rpartition(":")[0]
        if kind != "final" or not number or not failed.citizen_key:
            return  # codes and operators' messages have no stand-in
        citizen = await self.store.get_citizen(failed.citizen_key)
        if citizen is None:
            return
        for channel, address in targets(citizen).items():
            if channel == failed.channel or channel not in self.channels:
                continue
            stand_in = replace(failed, key=alert_key(number, channel), channel=channel, address=address,
                               attempts=0, last_error=None, due_at=self.clock.now().timestamp())
            if await self.store.enqueue(stand_in):
                log.info("alert moved from %s to %s", failed.channel, channel)
                return
        log.info("no other channel of the citizen's to fall back to")

    async def poll_open(self) -> int:
        """Ask the portal about every open request: a lost callback delays, never loses, an alert."""
        changed = 0
        for submission in await self.store.open_submissions():
            try:
                item = await self.portal.status(submission.portal_id, submission.registration_number)
            except PortalError as error:
                log.info("poll skipped one request: %s", error.reason)
                continue
            if item.status != submission.status:
                await self.on_update(item.registration_number, item.status, item.answer_url, item.completed_at,
                                     item.rights_explained)
                changed += 1
        return changed
