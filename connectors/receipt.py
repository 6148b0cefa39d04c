"""A receipt rendered for people: a PDF (ReportLab, BSD) in a font with Georgian letters, and an
iCalendar entry (icalendar, BSD) for the day the answer is due. Words come from the catalog."""
from __future__ import annotations

import io
import os
from datetime import timedelta
from functools import cache
from html import escape

from icalendar import Alarm, Calendar, Event
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from bot.receipts import Receipt
from connectors.i18n import Catalog
from nlu.directory import Directory

# Debian's fonts-dejavu-core: DejaVu Sans has Mkhedruli and the Georgian quotation marks.
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (os.environ.get("RECEIPT_FONT_DIR", ""), "/usr/share/fonts/truetype/dejavu")


@cache
def _fonts() -> tuple[str, str]:
    for folder in filter(None, FONT_DIRS):
        paths = {style: os.path.join(folder, name) for style, name in FONT_FILES.items()}
        if all(os.path.exists(p) for p in paths.values()):
            pdfmetrics.registerFont(TTFont("Receipt", paths["regular"]))
            pdfmetrics.registerFont(TTFont("Receipt-Bold", paths["bold"]))
            return "Receipt", "Receipt-Bold"
    raise RuntimeError("no DejaVu Sans for receipts: install Debian's fonts-dejavu-core or set RECEIPT_FONT_DIR")


def receipt_url(base: str, number: str, key: str, kind: str = "pdf") -> str:
    """The receipt's download link (api/receipts.py serves it)."""
    return f"{base.rstrip('/')}/receipts/{number}.{kind}?key={key}"


class ReceiptRenderer:
    def __init__(self, catalog: Catalog, directory: Directory) -> None:
        self.catalog, self.directory = catalog, directory

    def _agency(self, receipt: Receipt) -> str:
        agency = self.directory.get(receipt.agency_id)
        if agency is None:
            return receipt.agency_id
        return agency.name_ka if receipt.lang == "ka" else agency.name_en

    def fields(self, receipt: Receipt) -> list[tuple[str, str]]:
        """(label, value) rows, as the PDF shows them."""
        lang, t = receipt.lang, lambda key: self.catalog.text(receipt.lang, key)  # noqa: E731
        rows = [
            (t("receipt.number"), receipt.registration_number),
            (t("receipt.body"), self._agency(receipt)),
            (t("receipt.type"), self.catalog.text(lang, f"type.{receipt.request_type}")),
            (t("receipt.subject"), receipt.subject),
            (t("receipt.sent"), self.catalog.value(lang, receipt.registered_at)),
            (t("receipt.due"), self.catalog.value(lang, receipt.deadline)),
        ]
        if receipt.attachments:
            rows.append((t("receipt.attachments"), ", ".join(receipt.attachments)))
        return rows

    def pdf(self, receipt: Receipt) -> bytes:
        regular, bold = _fonts()
        lang = receipt.lang
        body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14)
        small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
        title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=15, leading=20, spaceAfter=4 * mm)
        heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=11, spaceBefore=5 * mm, spaceAfter=2 * mm)
        para = lambda text, style=body: Paragraph(escape(text).replace("\n", "<br/>"), style)  # noqa: E731
        table = Table([[para(label), para(value)] for label, value in self.fields(receipt)],
                      colWidths=(45 * mm, 125 * mm))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.3, "#999999")]))
        story = [
            para(self.catalog.text(lang, "receipt.title"), title), table,
            para(self.catalog.text(lang, "receipt.text_heading"), heading),
            *[para(p) for p in receipt.text.split("\n\n")],
            para(self.catalog.text(lang, "receipt.sha256_heading"), heading),
            para(self.catalog.text(lang, "receipt.sha256_explained"), small),
            para(receipt.sha256, small),
        ]
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, title=f"{receipt.registration_number}",
                                leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                                invariant=True)  # the same receipt renders to the same bytes
        doc.build(story)
        return out.getvalue()

    def ics(self, receipt: Receipt) -> bytes:
        """An all-day entry on the due day, with a reminder the morning before."""
        lang, agency = receipt.lang, self._agency(receipt)
        params = {"number": receipt.registration_number, "agency": agency}
        event = Event()
        event.add("uid", f"{receipt.registration_number}@kavshiri")
        event.add("dtstamp", receipt.registered_at)
        event.add("dtstart", receipt.deadline)
        event.add("dtend", receipt.deadline + timedelta(days=1))
        event.add("summary", self.catalog.text(lang, "receipt.calendar_title", params))
        event.add("description", self.catalog.text(lang, "receipt.calendar_text", params))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", self.catalog.text(lang, "receipt.calendar_title", params))
        alarm.add("trigger", timedelta(hours=-15))  # 09:00 the day before
        event.add_component(alarm)
        calendar = Calendar()
        calendar.add("prodid", "-//Kavshiri//receipt//EN")
        calendar.add("version", "2.0")
        calendar.add_component(event)
        return calendar.to_ical()
