"""What an SMS costs, and Georgian in Latin letters for citizens who prefer it.

Georgian script is outside GSM-7, so such a message is UCS-2: 70 characters in one segment,
67 per part when split; GSM-7 gets 160/153, and its extension characters take two septets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}

# The national romanisation of Georgian (2002), and typography GSM-7 lacks.
ROMAN = str.maketrans({
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t", "ი": "i",
    "კ": "k'", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p'", "ჟ": "zh", "რ": "r", "ს": "s",
    "ტ": "t'", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q'", "შ": "sh", "ჩ": "ch", "ც": "ts",
    "ძ": "dz", "წ": "ts'", "ჭ": "ch'", "ხ": "kh", "ჯ": "j", "ჰ": "h",
    "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "...", "«": '"', "»": '"',
})


@dataclass(frozen=True, slots=True)
class Cost:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets, or UTF-16 code units
    segments: int


def cost(text: str) -> Cost:
    if all(c in GSM7 or c in GSM7_EXTENSION for c in text):
        encoding, units = "gsm7", sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    else:
        encoding, units = "ucs2", len(text.encode("utf-16-le")) // 2
    segments = 1 if units <= SINGLE[encoding] else math.ceil(units / PART[encoding])
    return Cost(encoding, units, segments)


def romanise(text: str) -> str:
    """Mkhedruli (and Mtavruli capitals, folded) in the national romanisation."""
    return "".join(c.lower() if "\u1c90" <= c <= "\u1cbf" else c for c in text).translate(ROMAN)


def fit(parts: list[str], menu: str, max_segments: int) -> str:
    """The parts and the menu within `max_segments`. What gives way first is the earlier parts
    (context such as a rights notice), then the last part (the question); the menu never."""
    whole = "\n".join([*parts, menu] if menu else parts)
    if cost(whole).segments <= max_segments:
        return whole
    if len(parts) > 1:
        tail = "\n".join([parts[-1], menu] if menu else parts[-1:])
        if cost(tail).segments < max_segments:
            return _shorten("\n".join(parts[:-1]), tail, max_segments)
    return _shorten("\n".join(parts), menu, max_segments)


def _shorten(text: str, tail: str, max_segments: int) -> str:
    """`text`, cut short with an ellipsis, then `tail`, within `max_segments`."""
    joined = lambda head: f"{head}\n{tail}" if tail else head  # noqa: E731
    ellipsis = "..." if cost(joined(text)).encoding == "gsm7" else "…"
    keep = len(text)
    while keep > 0:
        over = cost(joined(text[:keep] + ellipsis))
        if over.segments <= max_segments:
            return joined(text[:keep].rstrip() + ellipsis)
        keep -= max(1, over.units - PART[over.encoding] * max_segments)
    return tail
