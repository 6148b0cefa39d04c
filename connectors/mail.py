"""Alerts by e-mail over SMTP (aiosmtplib): STARTTLS and auth, plain text and HTML parts.

`SMTP_URL` is `smtp://user:password@host:587` (STARTTLS, required) or `smtps://…:465` (TLS from
the first byte). Both parts come from the catalog, in the citizen's language.
"""
from __future__ import annotations

import asyncio
import html
import logging
import re
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from bot import receipts
from bot.messages import Reply
from bot.outbox import DeliveryError
from bot.ports import Store
from connectors.i18n import Catalog
from connectors.receipt import ReceiptRenderer

log = logging.getLogger(__name__)
URL = re.compile(r"https?://[^\s<>\"]+")


class EmailSender:
    def __init__(self, catalog: Catalog, smtp_url: str, mail_from: str, tls: ssl.SSLContext | None = None,
                 timeout: float = 30.0, store: Store | None = None, renderer: ReceiptRenderer | None = None) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587")
        self.catalog, self.mail_from, self.timeout = catalog, mail_from, timeout
        self.host, self.implicit_tls = parts.hostname, parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.tls = tls or ssl.create_default_context()
        self.store, self.renderer = store, renderer  # for receipts attached to a confirmation

    def compose(self, address: str, lang: str, reply: Reply) -> EmailMessage:
        text = self.catalog.render(lang, reply).text
        footer = self.catalog.text(lang, "email.footer")
        number = (reply.event or {}).get("registration_number") or reply.params.get("number", "")
        message = EmailMessage()
        verifying = (reply.event or {}).get("type") == "verify"
        subject = self.catalog.text(lang, "email.subject_code") if verifying else \
            self.catalog.text(lang, "email.subject", {"number": number})
        message["Subject"] = subject
        message["From"], message["To"] = self.mail_from, address
        message["Message-ID"] = make_msgid(domain=self.mail_from.rpartition("@")[2] or None)
        message.set_content(f"{text}\n\n-- \n{footer}\n")
        message.add_alternative(self._html(lang, text, footer, reply), subtype="html")
        return message

    async def _attach_receipt(self, message: EmailMessage, reply: Reply) -> None:
        event = reply.event or {}
        if not (event.get("receipt") and self.store and self.renderer):
            return
        number = event["registration_number"]
        receipt = await receipts.load(self.store, number)
        if receipt is None:
            return
        pdf = await asyncio.to_thread(self.renderer.pdf, receipt)
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}.pdf")
        message.add_attachment(self.renderer.ics(receipt), maintype="text", subtype="calendar", filename=f"{number}.ics")

    def _html(self, lang: str, text: str, footer: str, reply: Reply) -> str:
        body = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html.escape(text, quote=False))
        url = (reply.event or {}).get("answer_url")
        button = (f'<p><a href="{html.escape(url)}">{html.escape(self.catalog.text(lang, "email.open_answer"))}'
                  "</a></p>") if url else ""
        return (f'<!doctype html><html lang="{lang}"><body><p>{body}</p>{button}'
                f'<hr><p style="color:#666;font-size:smaller">{html.escape(footer)}</p></body></html>')

    async def send(self, address: str, lang: str, reply: Reply) -> None:
        message = self.compose(address, lang, reply)
        await self._attach_receipt(message, reply)
        try:
            await aiosmtplib.send(  # the envelope is the one checked address, never read from headers
                message, recipients=[address], hostname=self.host, port=self.port, username=self.username, password=self.password,
                use_tls=self.implicit_tls, start_tls=not self.implicit_tls, tls_context=self.tls,
                timeout=self.timeout)
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryError("recipient refused", permanent=True) from error
        except aiosmtplib.SMTPResponseException as error:  # 5xx is final, 4xx worth a retry
            raise DeliveryError(f"smtp {error.code}", permanent=error.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"smtp unreachable: {type(error).__name__}") from None
        log.info("alert e-mail sent")
