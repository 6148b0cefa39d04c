"""Completion alerts, and the submission's confirmation with its receipt, by e-mail: aiosmtplib against a local aiosmtpd server with STARTTLS and AUTH,
and the notification settings that send them there."""
from __future__ import annotations

import re
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.messages import Reply
from bot.outbox import DeliveryError
from kavshiri.app import Kavshiri
from tests.conftest import Chat, event, settings_for, texts
from tests.support import free_port

USER, PASSWORD = "kavshiri", "smtp-pass-1"


class Mailbox:
    def __init__(self) -> None:
        self.received: list = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(envelope.rcpt_tos)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def smtp(certificate):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


async def build(tmp_path: Path, portal, smtp, certificate, password: str = PASSWORD) -> Kavshiri:
    settings = settings_for(tmp_path / "home", portal.url, smtp_url=f"smtp://{USER}:{password}@127.0.0.1:{smtp.port}",
                            mail_from="alerts@kavshiri.example.ge", smtp_ca_file=certificate[0])
    return await Kavshiri.build(settings, portal.url)


@pytest.mark.parametrize("lang", ["en", "ka"])
async def test_completion_alert_arrives_by_email_once_in_the_citizens_language(tmp_path, portal, operator, smtp,
                                                                               certificate, lang):
    kv = await build(tmp_path, portal, smtp, certificate)
    try:
        chat = Chat(kv, f"mail-{lang}")
        await chat.start(lang)
        await chat.choose("notify")
        await chat.choose("notify:email")
        await chat.say("not an address")
        assert (await kv.store.get_citizen(f"console:mail-{lang}")).notify == []
        await chat.say("citizen@example.ge")
        assert await kv.outbox.deliver_due() == 1  # the confirmation code, by e-mail
        code = re.search(r"\b\d{6}\b", smtp.received[0].get_body(("plain",)).get_content()).group(0)
        assert ("კოდი" in smtp.received[0]["Subject"]) == (lang == "ka")
        added = await chat.say(code)
        assert "citizen@example.ge" in texts(added)
        agency = "Ministry of Justice" if lang == "en" else "იუსტიციის სამინისტრო"
        await chat.draft(agency, "information_request", "Copy of a decision", "Please send it.")
        number = event(await chat.choose("submit"), "submitted")["registration_number"]
        assert await kv.outbox.deliver_due() == 1  # the confirmation, with the receipt attached
        operator.complete(number, "Here it is.")
        await kv.alerts.poll_open()
        assert await kv.outbox.deliver_due() == 2  # this chat's inbox, and the e-mail
        await kv.alerts.on_update(number, "completed", None, None)  # the portal says it again
        assert await kv.outbox.deliver_due() == 0
        assert len(await chat.inbox()) == 1
    finally:
        await kv.close()
    _, confirmation, mail = smtp.received
    attached = {part.get_filename(): part.get_content() for part in confirmation.iter_attachments()}
    assert attached[f"{number}.pdf"].startswith(b"%PDF-") and "BEGIN:VCALENDAR" in attached[f"{number}.ics"]
    assert number in confirmation.get_body(("plain",)).get_content()
    assert number in mail["Subject"] and mail["To"] == "citizen@example.ge"
    assert smtp.recipients == [["citizen@example.ge"]] * 3  # the code, the receipt, the completion
    assert ("მიმართვა" in mail["Subject"]) == (lang == "ka")
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert number in plain and "http" in plain and '<a href="http' in html and f'lang="{lang}"' in html


async def test_invalid_address_is_explained_and_nothing_is_saved(tmp_path, portal, smtp, certificate):
    kv = await build(tmp_path, portal, smtp, certificate)
    try:
        chat = Chat(kv, "mail-bad")
        await chat.start("en")
        await chat.choose("notify")
        await chat.choose("notify:email")
        answer = await chat.say("<script>@")
        assert "does not look like an email address" in texts(answer)
        assert (await kv.store.get_citizen("console:mail-bad")).notify == []
    finally:
        await kv.close()


async def test_a_wrong_smtp_password_is_a_permanent_failure(tmp_path, portal, smtp, certificate):
    kv = await build(tmp_path, portal, smtp, certificate, password="wrong")
    try:
        with pytest.raises(DeliveryError) as raised:
            await kv.outbox.senders["email"].send("citizen@example.ge", "en", Reply("help.text"))
        assert raised.value.permanent and smtp.received == []
    finally:
        await kv.close()
