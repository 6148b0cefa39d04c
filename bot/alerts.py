"""When the portal says a request is answered, the citizen hears of it exactly once.

The portal's signed callback and the fallback poll both land in `Alerts.on_update`. The alert
goes to the channel the citizen used and to each channel they chose (notification settings);
the outbox key `final:<number>:<channel>` makes a second arrival a no-op, once per channel.
"""
from __future__ import annotations

import logging
from datetime import datetime

from bot.messages import Localized, Reply, reply_to_json
from bot.models import FINAL_STATUSES, Notification
from bot.ports import Clock, Portal, PortalError, Store
from nlu.directory import Directory

log = logging.getLogger(__name__)


class Alerts:
    def __init__(self, store: Store, portal: Portal, directory: Directory, clock: Clock) -> None:
        self.store, self.portal, self.directory, self.clock = store, portal, directory, clock

    async def on_update(
        self, number: str, status: str, answer_url: str | None, completed_at: datetime | None
    ) -> bool:
        """Record a status change; queue the alert when it is final. False: unknown request."""
        submission = await self.store.get_submission(number)
        if submission is None:
            return False
        if answer_url and not answer_url.startswith(("https://", "http://")):
            answer_url = None  # only a web link is ever put in front of a citizen
        submission.status, submission.answer_url = status, answer_url or submission.answer_url
        submission.completed_at = completed_at or submission.completed_at
        if status in FINAL_STATUSES and not submission.alerted:
            await self._queue_alert(submission.citizen_key, number, status, submission.agency_id,
                                    submission.answer_url)
            submission.alerted = True
        await self.store.save_submission(submission)
        return True

    async def _queue_alert(self, citizen_key: str, number: str, status: str, agency_id: str,
                           url: str | None) -> None:
        citizen = await self.store.get_citizen(citizen_key)
        if citizen is None:
            log.warning("alert for a request whose citizen is gone")
            return
        agency = self.directory.get(agency_id)
        name = Localized(agency.short_ka, agency.short_en) if agency else agency_id
        event = {"type": status, "registration_number": number, "answer_url": url}
        reply = Reply(f"alert.{status}", {"number": number, "agency": name, "url": url or ""}, event=event)
        targets = {citizen.channel: citizen.address}
        for entry in citizen.notify:
            channel, _, address = entry.partition(":")
            targets.setdefault(channel, address)
        for channel, address in targets.items():
            await self.store.enqueue(Notification(
                key=f"final:{number}:{channel}", channel=channel, address=address,
                lang=citizen.lang or "ka", reply=reply_to_json(reply), due_at=self.clock.now().timestamp(),
            ))

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
                await self.on_update(item.registration_number, item.status, item.answer_url, item.completed_at)
                changed += 1
        return changed
