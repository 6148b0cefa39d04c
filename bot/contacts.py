"""Addresses a citizen types: Georgian mobile numbers (E.164) and e-mail addresses."""
from __future__ import annotations

import re

# Georgian mobiles: +995 5XX XXX XXX; people also write 5XX XXX XXX or 00995 5XX...
_MOBILE = re.compile(r"^(?:\+?995|00995)?(5\d{8})$")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def georgian_mobile(text: str) -> str | None:
    """The number in E.164 ("+995555123456"), or None when it is not a Georgian mobile."""
    digits = re.sub(r"[\s\-().]", "", text)
    match = _MOBILE.match(digits)
    return f"+995{match.group(1)}" if match else None


def email_address(text: str) -> str | None:
    text = text.strip()
    return text if len(text) <= 254 and _EMAIL.match(text) else None
