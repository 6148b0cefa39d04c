"""Writing a submission: addressee, type, and the type's questions (the review is bot/flows/review.py).

Each request type asks for what it needs, one short question at a time (`QUESTIONS`); the letter
is composed from the answers by `bot.letters` in the citizen's language, never pasted from the chat.
"""
from __future__ import annotations

import math
import uuid

from bot.flows import BACK, CANCEL, Step, Turn, agency_name, choice, goto, step
from bot.flows.attach import limits
from bot.flows.bodies import agency_suggestions
from bot.letters import compose
from bot.messages import Choice, Reply, Text
from bot.models import REQUEST_TYPES
from nlu.directory import Agency
from nlu.letter_parts import split, subject_from
from nlu.normalize import fold
from nlu.understanding import Understanding
from nlu.when import says_when

SUBJECT_MAX = 200
BODY_MAX = 5000  # the portal's limit (connectors/portal_api.yaml)
ANSWER_MAX = 4000  # one answer, leaving room for the letter's own sentences
PAGE_SIZE = 8

# What each type asks, in order; the first is the letter's core and cannot be skipped.
QUESTIONS = {
    "information_request": ("information", "period", "form"),
    "complaint": ("what_happened", "when_where", "who", "asks"),
    "application": ("applied_for", "grounds", "documents"),
    "letter": ("message",),
}
REQUIRED = frozenset({"information", "what_happened", "asks", "applied_for", "message"})
# The letter's parts the review lets the citizen change on their own, and the questions behind each.
PARTS = {
    "information_request": {"request": ("information", "period", "form")},
    "complaint": {"facts": ("what_happened", "when_where", "who"), "request": ("asks",)},
    "application": {"request": ("applied_for",), "facts": ("grounds", "documents")},
    "letter": {"facts": ("message",)},
}
# Bodies whose officers carry a badge number: their "who was involved?" asks for it.
POLICE = frozenset({"mia", "patrol", "border"})
# Questions answered by a button (the letter's templates word each value).
ANSWER_CHOICES = {"form": ("electronic", "paper")}
# A choice typed in words: the stems of each value's words, in the three scripts, folded as text is.
ANSWER_WORDS = {value: tuple(fold(w) or w for w in words) for value, words in {
    "electronic": ("electronic", "email", "e-mail", "online", "digital", "ელექტრონ", "ელფოსტ", "ელ-ფოსტ", "მეილ",
                   "elektron", "elfost", "meil"),
    "paper": ("paper", "post", "printed", "ქაღალდ", "ფოსტ", "ბეჭდ", "qaghald", "qagald", "fost", "post"),
}.items()}
# Typed instead of pressing "Skip" at an optional question: nothing to say there.
# A last word that tells the bot to skip the question, whatever came before it.
SKIP_ENDINGS = frozenset(fold(w) for w in ("skip", "გამოტოვე", "გამოტოვეთ", "gamotove", "gamotovet", "nobody",
                                          "არავინ", "aravin"))
SKIP_WORDS = frozenset(fold(w) or w for w in (
    "skip", "no", "none", "nobody", "don't know", "i don't know", "dont know", "not known", "-",
    "გამოტოვება", "არა", "არავინ", "არ ვიცი", "gamotoveba", "ara", "aravin", "ar vici",
))
ANSWERED_IN_WORDS = frozenset(q for qs in QUESTIONS.values() for q in qs) - set(ANSWER_CHOICES)
# A date in the core answer (nlu.when) already says the period, or when it happened.
SAID_BY_A_DATE = {"information_request": "period", "complaint": "when_where"}
SUBJECT_PROPOSED = 60  # characters at most of a proposed subject: whole words, no ellipsis
# Words a first message must say beyond naming the body and type to be kept for the letter.
DETAILS_FOR_BODY = 3
# A yes or no typed at the review: a few words, clearly meant.
PLAIN_ANSWER_WORDS = 4
PLAIN_ANSWER_SURE = 0.7
# What the confirmation says, by (agency understood, request type understood).
UNDERSTOOD = {(True, False): "understood.agency", (False, True): "understood.type", (True, True): "understood.agency_type"}


async def start_draft(turn: Turn, agency: Agency | None = None, request_type: str | None = None) -> list[Reply]:
    draft = turn.session.draft
    resumed = bool(draft) and agency is None and request_type is None
    if not resumed:
        turn.session.draft = draft = {"id": uuid.uuid4().hex}
        # A citizen who came from an agency's website writes to that agency unless they say otherwise.
        agency = agency or turn.services.directory.get(turn.citizen.agency or "")
        if agency:
            draft["agency_id"] = agency.id
        if request_type:
            draft["request_type"] = request_type
    replies = [Reply("draft.resumed")] if resumed else []
    return replies + await next_step(turn)


async def draft_from_text(turn: Turn, understood: Understanding) -> list[Reply]:
    """"Complaint to the Ministry of Justice: on 3 March ...": fill what the message says, say what
    was understood, and ask only for the rest. What the message says to the bot stays out of the
    letter; what is left is kept only if it says something, and the citizen is asked to confirm it."""
    entities = understood.entities
    agency, request_type = entities.get("agency"), entities.get("request_type")
    parts = split(understood.text)
    keep = bool(parts.text) and (parts.marked or len(parts.text) > ANSWER_MAX
                                 or turn.understand(parts.text).entities.get("details", 0) >= DETAILS_FOR_BODY)
    if not (agency or request_type or keep or parts.subject):
        return await start_draft(turn)
    turn.session.draft = draft = {"id": uuid.uuid4().hex}
    params = {"agency": agency_name(agency), "request_type": Text(f"type.{request_type}") if request_type else ""}
    replies = [Reply(UNDERSTOOD[bool(agency), bool(request_type)], params)] if agency or request_type else []
    draft.update({k: v for k, v in (("agency_id", agency and agency.id), ("request_type", request_type)) if v})
    if parts.subject and len(parts.subject) <= SUBJECT_MAX:
        draft["subject"] = parts.subject
    if keep and len(parts.text) > ANSWER_MAX:  # kept, never cut: the first question asks for less
        draft["too_long"] = parts.text
        replies.append(Reply("text.too_long", {"length": len(parts.text), "limit": ANSWER_MAX}))
    elif keep:
        draft["kept"] = parts.text  # becomes the core answer once the type is known
        if agency and not request_type:
            replies.append(Reply("type.kept"))
    if not agency and (candidates := entities.get("agency_candidates")):
        turn.session.step = "agency"
        options = tuple(agency_choice(m.agency) for m in candidates)
        return [*replies, Reply("agency.candidates", choices=(*options, BACK, CANCEL))]
    return replies + await next_step(turn)


def has_words(draft: dict) -> bool:
    """Whether the draft holds anything the citizen wrote for the letter."""
    return any(draft.get(k) for k in ("subject", "body", "kept", "too_long", "addition")) or any(
        draft.get("fields", {}).values())


def fields(draft: dict) -> dict:
    return draft.setdefault("fields", {})


def pending_question(draft: dict) -> str | None:
    """The question to ask now: one being asked again, else the type's first unanswered one."""
    if draft.get("asking"):
        return draft["asking"][0]
    answered = dict(fields(draft))
    if draft.get("attachments"):  # the files sent say which documents are attached
        answered.setdefault("documents", "")
    return next((q for q in QUESTIONS.get(draft.get("request_type", ""), ()) if q not in answered), None)


def answer(draft: dict, question: str, value: str) -> None:
    fields(draft)[question] = value
    if draft.get("attachments"):  # the files sent say which documents are attached
        fields(draft).setdefault("documents", "")
    if draft.get("asking") and draft["asking"][0] == question:
        draft["asking"].pop(0)
    said = SAID_BY_A_DATE.get(draft.get("request_type", ""))
    core = fields(draft).get(QUESTIONS[draft["request_type"]][0], "")
    if said and said not in fields(draft) and says_when(core):
        fields(draft)[said] = ""  # already in the citizen's words: not asked again
    # "An electronic copy, please" in the words already: the form is not asked. Only the default is
    # taken so (a word like "post" in the matter itself must never choose paper).
    if "form" in QUESTIONS[draft["request_type"]] and "form" not in fields(draft) \
            and typed_choice(value, ANSWER_CHOICES["form"]) == "electronic":
        fields(draft)["form"] = "electronic"


def letter_fields(turn: Turn) -> dict:
    found = dict(fields(turn.draft))
    if not found.get("documents") and (files := turn.draft.get("attachments")):
        found["documents"] = ", ".join(f["name"] for f in files)  # GAC Art. 78(1): the attachments listed
    return found


def letter_text(turn: Turn) -> str:
    """The letter as it will be sent: a prepared text (a one-tap request) or composed from the answers."""
    draft = turn.draft
    if draft.get("body"):
        return draft["body"]
    return compose(draft["request_type"], turn.lang, letter_fields(turn))


def proposed_subject(draft: dict) -> str:
    """A short subject from the core answer's first clause; the citizen can change it at the review."""
    return subject_from(fields(draft).get(QUESTIONS[draft["request_type"]][0], ""), SUBJECT_PROPOSED)


async def next_step(turn: Turn) -> list[Reply]:
    """The first thing missing, or the review once the draft is complete (or being edited)."""
    draft = turn.draft
    if draft.get("asking"):
        return await goto(turn, "question")
    if draft.pop("editing", False):
        return await goto(turn, "review")
    if not draft.get("agency_id"):
        return await goto(turn, "agency")
    if not draft.get("request_type"):
        return await goto(turn, "type")
    if not draft.get("body"):
        if kept := draft.pop("kept", None):
            answer(draft, QUESTIONS[draft["request_type"]][0], kept)
            draft["unconfirmed"] = True
        if draft.get("unconfirmed"):
            return await goto(turn, "use_text")
        if pending_question(draft):
            return await goto(turn, "question")
    if not draft.get("subject"):
        draft["subject"] = proposed_subject(draft)
    return await goto(turn, "review")


@step
class AgencyStep(Step):
    name = "agency"

    choices = (choice("browse:ministry"), choice("browse:agency"), choice("browse:other"), BACK, CANCEL)

    async def prompt(self, turn: Turn) -> list[Reply]:
        # A need told before the draft began ("I want to complain about my pension") names its bodies.
        if offered := agency_suggestions(turn, turn.session.context.pop("need", ""), self.choices):
            return offered
        return [Reply("agency.prompt", choices=self.choices)]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        resolution = turn.services.matcher.resolve(text)
        if resolution.chosen:
            return await choose_agency(turn, resolution.chosen)
        if offered := agency_suggestions(turn, text, self.choices):  # a need, not a name
            return offered
        if resolution.candidates:
            options = tuple(agency_choice(m.agency) for m in resolution.candidates)
            return [Reply("agency.candidates", choices=(*options, BACK, CANCEL))]
        return [Reply("agency.not_found", {"query": text[:80]}), *await self.prompt(turn)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "agency" and (agency := turn.services.directory.get(value)):
            return await choose_agency(turn, agency)
        if kind == "browse":
            kind = {"agency": "parents"}.get(value, value)
            turn.session.context["browse"] = {"kind": kind, "parent": None, "page": 0}
            return await goto(turn, "browse")
        return await super().on_choice(turn, choice_id)


def agency_choice(agency: Agency) -> Choice:
    return Choice(f"agency:{agency.id}", agency_name(agency, short=True))


async def choose_agency(turn: Turn, agency: Agency) -> list[Reply]:
    turn.draft["agency_id"] = agency.id
    turn.session.context.pop("browse", None)
    return [*await how_it_answers(turn, agency.id), *await next_step(turn)]


async def how_it_answers(turn: Turn, agency_id: str) -> list[Reply]:
    """"Usually answers in 8 days; 64% on time", once enough requests stand behind the figures."""
    figures = await turn.services.figures.of(agency_id)
    if figures is None or not figures.enough:
        return []
    days = round(figures.median_days)
    return [Reply("agency.figures", {"days": days, "share": round(figures.on_time_share * 100)})]


@step
class BrowseStep(Step):
    """Numbered pages of bodies: ministries, other bodies, or a ministry and its agencies."""

    name = "browse"
    back_to = "agency"

    async def prompt(self, turn: Turn) -> list[Reply]:
        state = turn.session.context.setdefault("browse", {"kind": "ministry", "parent": None, "page": 0})
        title, items = self._listing(turn, state)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        page = min(state["page"], pages - 1)
        shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        paging = [choice("page:prev")] * (page > 0) + [choice("page:next")] * (page < pages - 1)
        params = {"title": title, "page": page + 1, "pages": pages}
        return [Reply("browse.page", params, choices=(*shown, *paging, BACK, CANCEL))]

    def _listing(self, turn: Turn, state: dict) -> tuple[Text, list[Choice]]:
        directory = turn.services.directory
        if state["kind"] == "parents":
            parents = directory.parents_with_children()
            items = [Choice(f"parent:{a.id}", agency_name(a, short=True)) for a in parents]
            return Text("browse.title_parents"), items
        if state["kind"] == "children" and (parent := directory.get(state["parent"] or "")):
            bodies = [parent, *directory.children(parent.id)]
            title = Text("browse.title_children", {"parent": agency_name(parent, short=True)})
            return title, [agency_choice(a) for a in bodies]
        kind = "other" if state["kind"] == "other" else "ministry"
        items = [agency_choice(a) for a in directory.by_category(kind)]
        return Text(f"browse.title_{kind}"), items

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        state = turn.session.context.get("browse", {})
        kind, _, value = choice_id.partition(":")
        if kind == "page":
            state["page"] = max(0, state.get("page", 0) + (1 if value == "next" else -1))
            return await self.prompt(turn)
        if kind == "parent":
            turn.session.context["browse"] = {"kind": "children", "parent": value, "page": 0}
            return await self.prompt(turn)
        if kind == "agency" and (agency := turn.services.directory.get(value)):
            return await choose_agency(turn, agency)
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # Typing a name while browsing searches, as on the agency step.
        turn.session.step = "agency"
        return await AgencyStep().on_text(turn, text)


@step
class TypeStep(Step):
    name = "type"
    back_to = "agency"

    async def prompt(self, turn: Turn) -> list[Reply]:
        agency = turn.services.directory.get(turn.draft.get("agency_id", ""))
        types = tuple(choice(f"type:{t}", f"type.{t}") for t in REQUEST_TYPES)
        params = {"agency": agency_name(agency, turn.draft.get("agency_id", ""))}
        return [Reply("type.prompt", params, choices=(*types, BACK, CANCEL))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, value = choice_id.partition(":")
        if kind == "type" and value in REQUEST_TYPES:
            return await choose_type(turn, value)
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        """A type, or else read for what it is: another body, or words for the letter (c14). Marked words
        ("Subject: ... Text: ...") are the letter's whatever type or body they name."""
        understood, parts = turn.understand(text), split(text)
        marked = bool(parts.subject or parts.marked)
        if marked:
            self.keep(turn, parts)
        if request_type := understood.entities.get("request_type"):
            return await choose_type(turn, request_type)
        if not marked and (agency := understood.entities.get("agency")):
            turn.draft["agency_id"] = agency.id
            return await self.prompt(turn)
        if marked or parts.words >= DETAILS_FOR_BODY:
            if not marked:
                self.keep(turn, parts)
            return [Reply("type.kept"), *await self.prompt(turn)]
        return await self.fallback(turn, first=Reply("type.explained"))  # "I don't know which"

    @staticmethod
    def keep(turn: Turn, parts) -> None:
        if parts.subject and len(parts.subject) <= SUBJECT_MAX:
            turn.draft["subject"] = parts.subject
        if parts.text:
            turn.draft["kept"] = "\n\n".join(filter(None, (turn.draft.get("kept"), parts.text)))


async def choose_type(turn: Turn, request_type: str) -> list[Reply]:
    draft = turn.draft
    previous = draft.get("request_type")
    draft["request_type"] = request_type
    if previous and previous != request_type and not fields(draft).get(QUESTIONS[request_type][0]):
        # Everything already written carries over, as the new type's core: nothing drops out of the letter.
        written = [fields(draft)[q] for q in QUESTIONS[previous] if fields(draft).get(q) and q in ANSWERED_IN_WORDS]
        if written:
            answer(draft, QUESTIONS[request_type][0], "\n\n".join(written))
        draft.pop("editing", None)  # the new type's questions come first
    return await next_step(turn)


@step
class QuestionStep(Step):
    """One of the type's questions; optional ones can be skipped, one being changed kept."""

    name = "question"
    back_to = "type"

    async def prompt(self, turn: Turn) -> list[Reply]:
        draft = turn.draft
        question = pending_question(draft)
        if question is None:
            return await next_step(turn)
        options = [choice(f"answer:{v}", f"choice.{question}_{v}") for v in ANSWER_CHOICES.get(question, ())]
        replies = []
        if current := fields(draft).get(question):
            replies.append(Reply("ask.current", {"text": current}))
            options.append(choice("keep"))
        elif question not in REQUIRED:
            options.append(choice("skip"))
        if question == "information" and not draft.get("asking"):
            replies.append(Reply("rights.information_request"))
        if question in ("documents", QUESTIONS[draft["request_type"]][0]) and turn.capabilities.files:
            replies.append(Reply("attachment.hint", limits()))
        asked = "ask.who_police" if question == "who" and draft.get("agency_id") in POLICE else f"ask.{question}"
        return [*replies, Reply(asked, {"limit": ANSWER_MAX}, choices=(*options, BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        draft, question = turn.draft, pending_question(turn.draft)
        if question is None:
            return await next_step(turn)
        if question not in REQUIRED and skipped(text):
            return await self.on_choice(turn, "skip")
        if question in ANSWER_CHOICES:  # a choice, never words for the letter ("done" is not a form)
            if value := typed_choice(text, ANSWER_CHOICES[question]):
                return await self.on_choice(turn, f"answer:{value}")
            return await super().on_text(turn, text)
        parts = split(text)
        if parts.subject and len(parts.subject) <= SUBJECT_MAX:
            draft["subject"] = parts.subject
        if not parts.text:  # all of it said to the bot ("whom do I write to?"): never the letter
            if parts.subject:
                return await self.prompt(turn)
            if parts.already_said:  # "I already wrote it": nothing added either way
                if question not in REQUIRED and any(fields(draft).values()):
                    answer(draft, question, "")  # in the words already kept
                    return await next_step(turn)
                return [Reply("answer.not_found_above"), *await self.prompt(turn)]
            return [Reply("answer.not_for_letter"), *await self.prompt(turn)]
        if len(parts.text) > ANSWER_MAX:
            draft["too_long"] = parts.text  # kept, never cut
            return [Reply("text.too_long", {"length": len(parts.text), "limit": ANSWER_MAX}, choices=(BACK, CANCEL))]
        draft.pop("too_long", None)
        answer(draft, question, parts.text)
        return await next_step(turn)

    async def back(self, turn: Turn) -> list[Reply]:
        """The question before, shown with its answer to keep or change; from the first, the type."""
        draft, question = turn.draft, pending_question(turn.draft)
        asked = QUESTIONS[draft["request_type"]]
        earlier = [q for q in asked[: asked.index(question)] if q in fields(draft)] if question in asked else []
        draft.pop("asking", None)
        if not earlier:
            return await goto(turn, self.back_to)
        draft["asking"] = [earlier[-1]]
        return await self.prompt(turn)

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        draft, question = turn.draft, pending_question(turn.draft)
        kind, _, value = choice_id.partition(":")
        if question and choice_id == "skip" and question not in REQUIRED:
            answer(draft, question, "")
        elif question and choice_id == "keep" and fields(draft).get(question):
            answer(draft, question, fields(draft)[question])
        elif question and kind == "answer" and value in ANSWER_CHOICES.get(question, ()):
            answer(draft, question, value)
        else:
            return await super().on_choice(turn, choice_id)
        return await next_step(turn)


def skipped(text: str) -> bool:
    """"skip", „არ ვიცი“, or an answer that ends by telling the bot to skip ("who could it be, a camera… skip")."""
    folded = fold(text[:200]) or text.strip()
    return folded in SKIP_WORDS or (folded.split() or [""])[-1] in SKIP_ENDINGS


def typed_choice(text: str, values: tuple[str, ...]) -> str | None:
    """The one value whose words the text uses ("by email" → electronic); None when none or both."""
    words = (fold(text[:200]) or text[:200].casefold()).split()
    found = [v for v in values if any(w.startswith(stem) for w in words for stem in ANSWER_WORDS.get(v, ()))]
    return found[0] if len(found) == 1 else None


@step
class UseTextStep(Step):
    """A first message's own words, kept: shown as the letter they make, for the citizen to confirm."""

    name = "use_text"
    back_to = "type"

    async def prompt(self, turn: Turn) -> list[Reply]:
        options = (choice("use_text:yes"), choice("use_text:again"), CANCEL)
        return [Reply("use_text.prompt", {"letter": letter_text(turn)}, choices=options)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        draft = turn.draft
        if choice_id not in ("use_text:yes", "use_text:again"):
            return await super().on_choice(turn, choice_id)
        draft.pop("unconfirmed", None)
        if choice_id == "use_text:again":
            fields(draft).clear()
        return await next_step(turn)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        understood = turn.understand(text)
        if understood.intent in ("affirm", "deny") and len(text.split()) <= PLAIN_ANSWER_WORDS:
            return await self.on_choice(turn, "use_text:yes" if understood.intent == "affirm" else "use_text:again")
        if more := split(text).text:  # more words for the letter: added to the kept ones, and shown again
            core = QUESTIONS[turn.draft["request_type"]][0]
            answer(turn.draft, core, "\n\n".join(filter(None, (fields(turn.draft).get(core), more))))
        return await self.prompt(turn)


class TextStep(Step):
    """A free-text slot with a limit: too long is kept and the citizen asked to shorten it."""

    slot = ""
    limit = 0

    async def prompt(self, turn: Turn) -> list[Reply]:
        return [Reply(f"{self.slot}.prompt", {"limit": self.limit}, choices=(BACK, CANCEL))]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if len(text) > self.limit:
            turn.draft[f"{self.slot}_too_long"] = text
            params = {"length": len(text), "limit": self.limit}
            return [Reply("text.too_long", params, choices=(BACK, CANCEL))]
        turn.draft.pop(f"{self.slot}_too_long", None)
        turn.draft[self.slot] = text
        return await next_step(turn)


@step
class SubjectStep(TextStep):
    name = slot = "subject"
    back_to = "review"
    limit = SUBJECT_MAX


@step
class BodyStep(TextStep):
    """A prepared letter (the one-tap request for missing published information), changed whole."""

    name = slot = "body"
    back_to = "review"
    limit = BODY_MAX
