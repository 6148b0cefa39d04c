"""The widget and the operator console in a real browser (Debian's chromium, driven by
Playwright), embedded in an agency page on another origin whose styles try to break it.
Screenshots land in artifacts/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from connectors.i18n import Catalog
from tests.widget_support import OPERATOR, PASSWORD, WidgetDeployment

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 360, "height": 740}
catalog = Catalog(ROOT / "locales")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="scripts/test installs chromium")


def t(lang: str, key: str, **params) -> str:
    return catalog.text(lang, key, params)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with WidgetDeployment(tmp_path_factory.mktemp("widget-browser")) as d:
        yield d


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def new_page(browser, url: str, viewport=DESKTOP) -> Page:
    context = browser.new_context(viewport=viewport, locale="ka-GE")
    page = context.new_page()
    page.goto(url)
    return page


@pytest.fixture
def page(browser, deployment):
    page = new_page(browser, deployment.page.url)
    yield page
    page.context.close()


class Widget:
    """The citizen's side, found through the shadow root as assistive technology finds it."""

    def __init__(self, page: Page, lang: str = "ka") -> None:
        self.page, self.lang = page, lang
        self.log = page.get_by_role("log", name=t(lang, "widget.log"))

    def open(self) -> Widget:
        self.page.get_by_role("button", name=t(self.lang, "widget.open")).click()
        expect(self.page.get_by_role("dialog")).to_be_visible()
        return self

    def say(self, text: str) -> None:
        box = self.page.get_by_role("textbox", name=t(self.lang, "widget.input_label"))
        box.fill(text)
        box.press("Enter")

    def choose(self, key: str, **params) -> None:
        self.log.get_by_role("button", name=t(self.lang, key, **params), exact=True, disabled=False).last.click()

    def expect_text(self, text: str) -> None:
        expect(self.log).to_contain_text(text, timeout=15_000)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))


def journey_to_review(widget: Widget, subject: str, body: str) -> None:
    lang = widget.lang
    widget.say("გამარჯობა" if lang == "ka" else "hello")
    widget.choose("choice.new_request")  # the page's agency (MIA) is preselected: straight to the type
    widget.choose("type.letter")
    widget.expect_text(t(lang, "ask.message")[:30])
    widget.say(body)
    widget.choose("choice.edit_subject")
    widget.say(subject)
    widget.expect_text(subject)


def test_full_journey_to_a_registration_number_in_georgian(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    widget = Widget(page).open()
    journey_to_review(widget, "პასპორტის მიღება", "გთხოვთ, მაცნობოთ, როდის იქნება ჩემი პასპორტი მზად.")
    widget.choose("choice.submit")
    card = widget.log.get_by_role("group", name=t("ka", "widget.receipt_title"))
    expect(card).to_contain_text(re.compile(r"E-\d{4}-\d{7}"), timeout=15_000)
    expect(card).to_contain_text("შინაგან საქმეთა სამინისტრო")
    expect(card).to_contain_text(re.compile(r"20\d\d წლის \d{1,2} [ა-ჰ]+"))  # the deadline, in Georgian
    card.get_by_role("button", name=t("ka", "widget.copy")).click()
    expect(card.get_by_role("button", name=t("ka", "widget.copied"))).to_be_visible()
    number = re.search(r"E-\d{4}-\d{7}", card.inner_text()).group(0)
    assert page.evaluate("navigator.clipboard.readText()") == number
    with page.expect_download() as download:
        card.get_by_role("link", name=t("ka", "widget.receipt_pdf")).click()
    assert download.value.suggested_filename == f"{number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    expect(card.get_by_role("link", name=t("ka", "widget.receipt_calendar"))).to_be_visible()
    widget.shot("widget-ka-desktop")


def test_reload_mid_conversation_and_continue(page):
    widget = Widget(page).open()
    journey_to_review(widget, "ცნობა", "მჭირდება ცნობა ნასამართლობის შესახებ.")
    page.reload()
    widget = Widget(page)
    expect(page.get_by_role("dialog")).to_be_visible()  # it stays open across the reload
    widget.expect_text("მჭირდება ცნობა ნასამართლობის შესახებ.")  # the whole conversation is back
    widget.choose("choice.submit")
    expect(widget.log.get_by_role("group", name=t("ka", "widget.receipt_title"))).to_be_visible(timeout=15_000)


def test_network_drop_and_resume_sends_what_was_typed_once(page, deployment):
    widget = Widget(page, "ka").open()
    widget.say("გამარჯობა")
    widget.expect_text(t("ka", "menu.prompt"))
    deployment.api.stop()
    expect(page.get_by_role("status").filter(has_text=t("ka", "widget.offline"))).to_be_visible(timeout=15_000)
    widget.say("დახმარება")
    widget.say("ოპერატორი")
    expect(widget.log.get_by_text(t("ka", "widget.pending"))).to_have_count(2)
    deployment.api.start()
    widget.expect_text(t("ka", "help.text")[:40])
    widget.expect_text(t("ka", "handover.none_online"))
    expect(widget.log.get_by_text(t("ka", "widget.pending"))).to_have_count(0)
    page.reload()
    widget = Widget(page, "ka")
    widget.expect_text(t("ka", "handover.none_online"))
    sent = widget.log.locator(".citizen .body").all_inner_texts()
    assert sent == ["გამარჯობა", "დახმარება", "ოპერატორი"]  # each once, in order


def focused(page: Page) -> str:
    """The accessible text of the focused element, inside the widget's shadow root or not."""
    return page.evaluate("""() => {
        let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? (el.getAttribute('aria-label') || el.textContent || el.tagName) : '';
    }""")


def test_keyboard_only(page):
    expect(page.get_by_role("button", name=t("ka", "widget.open"))).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page) == t("ka", "widget.open")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert focused(page) == "TEXTAREA" or focused(page) == ""  # the message box has the focus
    page.keyboard.type("გამარჯობა")
    page.keyboard.press("Enter")
    widget = Widget(page)
    widget.expect_text(t("ka", "menu.prompt"))
    for _ in range(12):  # back from the message box to the newest buttons
        page.keyboard.press("Shift+Tab")
        if focused(page) == t("ka", "choice.help"):
            break
    assert focused(page) == t("ka", "choice.help")
    page.keyboard.press("Enter")
    widget.expect_text(t("ka", "help.text")[:40])
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page) == t("ka", "widget.open")  # focus returns to the launcher


class Console:
    """The operator's side in its own browser context."""

    def __init__(self, browser, deployment: WidgetDeployment) -> None:
        self.page = new_page(browser, deployment.api_url + "/operators")
        self.page.get_by_label("Login").fill(OPERATOR)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.presence = self.page.locator("#presence")
        expect(self.presence).to_be_visible()

    def set_online(self, online: bool) -> None:
        if (self.presence.get_attribute("aria-pressed") == "true") != online:
            self.presence.click()
        expect(self.presence).to_have_attribute("aria-pressed", str(online).lower())

    def close(self) -> None:
        self.page.context.close()


def test_handover_to_an_operator_and_back(browser, deployment, page):
    console = Console(browser, deployment)
    console.set_online(True)
    widget = Widget(page, "ka").open()
    widget.say("გამარჯობა")
    widget.choose("choice.human")
    widget.expect_text(t("ka", "handover.queued", position=1))

    op = console.page
    op.locator("#queue li").filter(has_text="waiting").last.click()
    expect(op.locator("#transcript")).to_contain_text("გამარჯობა")
    op.get_by_role("button", name="Take over").click()
    widget.expect_text(t("ka", "handover.joined", name="ნინო"))
    widget.say("როდის იქნება ჩემი პასპორტი მზად?")
    expect(op.locator("#transcript")).to_contain_text("როდის იქნება ჩემი პასპორტი მზად?", timeout=15_000)
    op.get_by_label("Reply").fill("ხვალ, 10 საათიდან.")
    op.get_by_role("button", name="Send").click()
    widget.expect_text("ხვალ, 10 საათიდან.")
    expect(widget.log.locator(".operator .who").last).to_have_text(t("ka", "widget.operator", name="ნინო"))
    expect(op.locator("#transcript")).to_contain_text("ხვალ, 10 საათიდან.", timeout=15_000)
    widget.shot("widget-ka-operator")
    SHOTS.mkdir(parents=True, exist_ok=True)
    op.screenshot(path=str(SHOTS / "operator-console.png"))
    op.get_by_role("button", name="Hand back to the bot").click()
    widget.expect_text(t("ka", "handover.back_to_bot"))
    widget.say("დახმარება")
    widget.expect_text(t("ka", "help.text")[:40])
    console.close()


def test_no_operator_fallback_leaves_a_message(browser, deployment, page):
    console = Console(browser, deployment)
    console.set_online(False)
    widget = Widget(page, "ka").open()
    widget.say("ოპერატორი")
    widget.expect_text(t("ka", "handover.none_online"))
    widget.choose("choice.leave_message")
    widget.say("გთხოვთ, დამირეკოთ პასპორტის თაობაზე.")
    widget.say("+995 555 00 11 22")
    widget.expect_text("T-")
    number = re.search(r"T-\d{10}", widget.log.inner_text()).group(0)
    expect(console.page.locator("#tickets")).to_contain_text(number, timeout=15_000)
    expect(console.page.locator("#tickets")).to_contain_text("+995 555 00 11 22")
    console.close()


PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_markup_is_shown_as_text_and_never_runs(browser, deployment, page):
    widget = Widget(page, "ka").open()
    widget.say(PAYLOAD)
    widget.say("გამარჯობა")  # whatever the bot made of the markup, the menu comes back
    widget.expect_text(t("ka", "menu.prompt"))
    page.reload()
    widget = Widget(page, "ka")
    widget.expect_text(PAYLOAD)  # re-rendered from the server's transcript, still as text
    assert page.evaluate("window.__xss") is None
    assert page.locator("kavshiri-chat img, kavshiri-chat script").count() == 0
    console = Console(browser, deployment)  # the operator console shows it as text too
    console.set_online(True)
    widget.choose("choice.human")
    console.page.locator("#queue li").filter(has_text="waiting").last.click()
    expect(console.page.locator("#transcript")).to_contain_text(PAYLOAD)
    assert console.page.evaluate("window.__xss") is None
    console.close()


@pytest.mark.parametrize("lang,viewport,name", [
    ("en", DESKTOP, "widget-en-desktop"), ("ka", PHONE, "widget-ka-phone"), ("en", PHONE, "widget-en-phone"),
])
def test_screenshots_in_both_languages_on_desktop_and_phone(browser, deployment, lang, viewport, name):
    page = new_page(browser, deployment.page.url, viewport)
    widget = Widget(page, "ka").open()
    if lang == "en":
        page.get_by_role("button", name="EN").click()
        widget = Widget(page, "en")
        widget.expect_text(t("en", "lang.changed"))
    widget.say("გამარჯობა" if lang == "ka" else "hello")
    widget.choose("choice.new_request")
    widget.expect_text(t(lang, "type.prompt", agency="")[:15])
    dialog = page.get_by_role("dialog").bounding_box()
    assert dialog["width"] <= viewport["width"] and dialog["x"] >= 0  # fits a 360-px phone
    widget.shot(name)
    page.context.close()


CONTRAST_JS = """() => {
    const root = document.querySelector('kavshiri-chat').shadowRoot;
    const bg = (el) => {
        for (; el && el.nodeType === 1; el = el.parentElement || el.getRootNode().host) {
            const c = getComputedStyle(el).backgroundColor;
            if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
    };
    const pick = ['h2', '.who', '.bot .body', '.citizen .body', 'time', '.choices button', '.choices button:disabled',
                  'form button', 'textarea', '.typing', 'header button'];
    return pick.flatMap((s) => [...root.querySelectorAll(s)].slice(0, 3).map(
        (el) => [s, getComputedStyle(el).color, bg(el)]));
}"""


def luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_contrast_meets_wcag_aa(page):
    widget = Widget(page).open()
    widget.say("გამარჯობა")
    widget.expect_text(t("ka", "menu.prompt"))
    widget.choose("choice.help")  # leaves disabled buttons behind, which must stay readable too
    widget.expect_text(t("ka", "help.text")[:40])
    pairs = page.evaluate(CONTRAST_JS)
    assert {s for s, _, _ in pairs} >= {"h2", ".bot .body", ".citizen .body", ".choices button:disabled"}
    for selector, fg, bg in pairs:
        light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (selector, fg, bg)


def test_a_socket_closed_for_silence_comes_back_and_the_conversation_goes_on(browser, tmp_path):
    """The server closes a widget socket left silent (WIDGET_IDLE_SECONDS); a page someone is
    looking at reconnects, and what the citizen writes next is answered."""
    quiet = WidgetDeployment(tmp_path)
    quiet.env["WIDGET_IDLE_SECONDS"] = "1"
    with quiet:
        page = new_page(browser, quiet.page.url)
        widget = Widget(page).open()
        widget.say("გამარჯობა")
        widget.expect_text(t("ka", "menu.prompt"))
        page.wait_for_timeout(3_000)  # closed for silence at least twice meanwhile
        widget.choose("choice.help")
        widget.expect_text(t("ka", "help.text")[:40])
        page.context.close()
