"""Addresses a citizen types: Georgian mobile numbers (E.164), other phone numbers and e-mail
addresses. Every check caps the length before any parsing, so a long text costs nothing."""
from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

MAX_EMAIL = 254  # RFC 5321's longest path
MAX_PHONE = 24
# Georgian mobiles: +995 5XX XXX XXX; people also write 5XX XXX XXX or 00995 5XX...
_MOBILE = re.compile(r"(?:\+?995|00995)?(5\d{8})")
_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+?\d{6,15}")  # once separators are gone: any country's number
_LABEL = re.compile(r"[A-Za-z0-9-]{1,63}")  # one part of a domain name, its ends checked apart


def _digits(text: str) -> str | None:
    text = text.strip()
    return _SEPARATORS.sub("", text) if len(text) <= MAX_PHONE else None


def georgian_mobile(text: str) -> str | None:
    """The number in E.164 ("+995555123456"), or None when it is not a Georgian mobile."""
    match = _MOBILE.fullmatch(_digits(text) or "")
    return f"+995{match.group(1)}" if match else None


def phone_number(text: str) -> str | None:
    """Any phone number (a landline too), as typed but without separators."""
    digits = _digits(text)
    return digits if digits and _PHONE.fullmatch(digits) else None


def email_address(text: str) -> str | None:
    """Exactly one plain address ("name@example.ge"), its domain lower-cased; None for a list, a
    display name, a comment, a quoted local part or a line break, which could add recipients."""
    text = text.strip()
    if len(text) > MAX_EMAIL or '"' in text:
        return None
    try:
        address = Address(addr_spec=text)
    except (ValueError, HeaderParseError, IndexError):  # the parser's defects are ValueErrors
        return None
    if address.addr_spec != text or not address.username or not _domain(address.domain):
        return None
    return f"{address.username}@{address.domain.lower()}"


def _domain(name: str) -> bool:
    labels = name.split(".")
    return len(labels) > 1 and all(_LABEL.fullmatch(label) and "-" not in (label[0], label[-1])
                                   for label in labels)


def mailbox_key(address: str) -> str:
    """One key per mailbox, whatever the case it was typed in: what a per-address limit counts."""
    return address.casefold()


def contact(text: str) -> str | None:
    """How a citizen may be reached back: a phone number or an e-mail address."""
    return georgian_mobile(text) or phone_number(text) or email_address(text)
