"""Plain English and short Georgian: no message on the main path is over 40 words, rendered with
realistic parameters (a long body's name, a reference number, dates) in both languages."""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.messages import Localized, Text
from connectors.i18n import Catalog

ROOT = Path(__file__).resolve().parents[1]
MAX_WORDS = 40
MAIN_PATH = (
    "welcome", "welcome_back", "menu.prompt", "help.text", "out_of_scope", "agency.prompt", "agency.not_found",
    "type.prompt", "rights.information_request", "subject.prompt", "body.prompt", "review.confirm_needed",
    "submitted", "status.prompt", "status.line", "status.not_found", "requests.item", "alert.completed",
    "alert.refused", "fallback", "understood.agency", "understood.type", "understood.agency_type",
    "handover.no_live_agents", "handover.no_operators", "handover.outside_hours",
    "handover.offer", "handover.offer_letter", "ticket.created", "farewell.thanks", "farewell.goodbye",
    "farewell.draft_kept", "cancelled", "text.too_long",
)
SAMPLE = {
    "number": "E-2026-0000042",
    "agency": Localized("საქართველოს ფინანსთა სამინისტრო", "the Ministry of Finance of Georgia"),
    "request_type": Text("type.information_request"), "status": Text("status.in_progress"),
    "registered": datetime(2026, 12, 3, 10, 5, tzinfo=timezone.utc), "deadline": date(2026, 12, 14),
    "url": "https://my.gov.ge/answers/42", "rights": "", "limit": 200, "length": 240, "query": "Ministry of Magic",
    "start": "09:00", "end": "18:00", "attachments": "",
}


def words(text: str) -> int:
    return sum(any(c.isalnum() for c in token) for token in text.split())


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_no_main_path_message_is_over_40_words(lang):
    catalog = Catalog(ROOT / "locales")
    counts = {key: words(catalog.text(lang, key, SAMPLE)) for key in MAIN_PATH}
    assert {k: n for k, n in counts.items() if n > MAX_WORDS} == {}


def test_the_counter_counts_words_not_punctuation():
    assert words("Sent to the Ministry — your number is E-2026-0000042.") == 8
    assert words("• ერთი, ორი") == 2
