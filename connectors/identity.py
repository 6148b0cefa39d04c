"""Which portal identity a chat user acts as.

Until MY.GOV.GE account linking exists, each channel identity maps to its own pseudonymous test
citizen of the stand-in portal (`test-…`); a real linker implements the same `portal_id` call.
"""
from __future__ import annotations

import hashlib
import hmac

from bot.models import Citizen


class TestCitizens:
    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    async def portal_id(self, citizen: Citizen) -> str | None:
        digest = hmac.new(self.secret, citizen.key.encode(), hashlib.sha256).hexdigest()
        return f"test-{digest[:20]}"
