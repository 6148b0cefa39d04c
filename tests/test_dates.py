"""Dates as Georgian grammar wants them (year first, the case the sentence needs) and as en-GB writes them."""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.messages import Text
from connectors.i18n import Catalog, date_text

ROOT = Path(__file__).resolve().parents[1]

# Every month in every case, written out by hand rather than derived as the code derives them.
KA = {
    1: ("იანვარი", "იანვრის", "იანვარს"),
    2: ("თებერვალი", "თებერვლის", "თებერვალს"),
    3: ("მარტი", "მარტის", "მარტს"),
    4: ("აპრილი", "აპრილის", "აპრილს"),
    5: ("მაისი", "მაისის", "მაისს"),
    6: ("ივნისი", "ივნისის", "ივნისს"),
    7: ("ივლისი", "ივლისის", "ივლისს"),
    8: ("აგვისტო", "აგვისტოს", "აგვისტოს"),
    9: ("სექტემბერი", "სექტემბრის", "სექტემბერს"),
    10: ("ოქტომბერი", "ოქტომბრის", "ოქტომბერს"),
    11: ("ნოემბერი", "ნოემბრის", "ნოემბერს"),
    12: ("დეკემბერი", "დეკემბრის", "დეკემბერს"),
}
EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December")


@pytest.mark.parametrize("month", range(1, 13))
def test_georgian_dates_put_the_year_first_and_decline_the_month(month):
    day = date(2026, month, 14)
    nom, gen, dat = KA[month]
    assert date_text(day, "ka") == f"2026 წლის 14 {nom}"
    assert date_text(day, "ka", "nom") == f"2026 წლის 14 {nom}"
    assert date_text(day, "ka", "gen") == f"2026 წლის 14 {gen}"
    assert date_text(day, "ka", "dat") == f"2026 წლის 14 {dat}"
    assert date_text(day, "ka", "gen_full") == f"2026 წლის 14 {gen}ა"


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("case", ["nom", "gen", "dat", "gen_full"])
def test_english_dates_are_en_gb_in_every_case(month, case):
    assert date_text(date(2026, month, 3), "en", case) == f"3 {EN[month - 1]} 2026"


def test_a_moment_is_told_in_tbilisi_time():
    moment = datetime(2026, 12, 31, 21, 30, tzinfo=timezone.utc)  # already 1 January in Tbilisi
    assert date_text(moment, "ka", "dat") == "2027 წლის 1 იანვარს, 01:30"
    assert date_text(moment, "en") == "1 January 2027, 01:30"


def test_an_unknown_case_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        date_text(date(2026, 1, 1), "ka", "abl")


def test_a_message_chooses_the_case_of_its_dates():
    catalog = Catalog(ROOT / "locales")
    params = {"number": "E-2026-0000001", "agency": "შსს", "request_type": Text("type.complaint"),
              "registered": date(2026, 12, 3), "status": Text("status.registered"), "deadline": date(2027, 1, 15)}
    ka = catalog.text("ka", "status.line", params)
    assert "დარეგისტრირდა 2026 წლის 3 დეკემბერს" in ka
    assert "არაუგვიანეს 2027 წლის 15 იანვრისა" in ka
    assert "დეკემბერი, 2026" not in ka
    en = catalog.text("en", "status.line", params)
    assert "3 December 2026" in en and "15 January 2027" in en


def test_no_catalog_message_uses_an_unknown_date_case():
    from string import Formatter

    from babel.messages.pofile import read_po

    from connectors.i18n import CASES
    for lang in ("ka", "en"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "kavshiri.po").open("rb") as fh:
            specs = {spec for m in read_po(fh) if m.id for _, _, spec, _ in Formatter().parse(m.string) if spec}
        assert specs <= set(CASES), (lang, specs - set(CASES))
