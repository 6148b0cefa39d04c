"""A letter typed in Latin letters, sent in Georgian script: shown converted, with the words the
lexicon could not settle in [brackets], before anything is sent.

The review offers it (`script_offer`) only when the draft is Georgian typed in Latin letters, not
English. "Send in Georgian script" replaces the subject and text with the converted ones (what the
citizen typed stays in the draft under "typed") and submits through the review; "Fix a word" asks
for each unsettled word in turn, or for any word to change.
"""
from __future__ import annotations

from bot.flows import BACK, STEPS, Step, Turn, choice, goto, step
from bot.flows.draft import fields, letter_text
from bot.messages import Choice, Localized, Reply
from nlu.transliterate import Conversion, to_georgian
from nlu.understanding import GEORGIAN

OPTIONS_SHOWN = 3  # spellings offered as buttons for an unsettled word


def script_offer(turn: Turn) -> tuple[Choice, ...]:
    """The review's "In Georgian script" choice, when the draft is Latin-typed Georgian."""
    draft = turn.draft  # the citizen's own words, not the letter's frame
    said = [draft["subject"], draft.get("body", ""), *fields(draft).values()]
    # Answers already in Georgian script (a pasted paragraph) do not hide the Latin-typed ones.
    latin = "\n".join(s for s in said if s and not GEORGIAN.search(s))
    understood = turn.understand(latin) if latin else None
    return (choice("script"),) if understood and understood.lang == "ka" else ()


def _typed(turn: Turn) -> dict[str, str]:
    return {"subject": turn.draft["subject"], "body": letter_text(turn)}


def _converted(turn: Turn) -> dict[str, Conversion]:
    return {slot: to_georgian(text) for slot, text in _typed(turn).items()}


def _fixes(turn: Turn) -> dict[str, str]:
    return turn.draft.setdefault("script_fixes", {})


def _open_words(turn: Turn) -> list:
    fixes = _fixes(turn)
    return [u for c in _converted(turn).values() for u in c.unsettled if u.shown not in fixes]


def _runs(text: str):
    """(run, whether it is a Georgian word) for the maximal runs of Georgian letters and of the rest."""
    i = 0
    while i < len(text):
        j, georgian = i, "\u10d0" <= text[i] <= "\u10ff"
        while j < len(text) and ("\u10d0" <= text[j] <= "\u10ff") == georgian:
            j += 1
        yield text[i:j], georgian
        i = j


def _apply(text: str, fixes: dict[str, str]) -> str:
    """`text` with each whole Georgian word in `fixes` replaced."""
    return "".join(fixes.get(run, run) if georgian else run for run, georgian in _runs(text))


def _georgian_words(text: str) -> set[str]:
    return {run for run, georgian in _runs(text) if georgian}


def _marked(conversion: Conversion, fixes: dict[str, str]) -> str:
    text, out, at = conversion.text, [], 0
    for word in conversion.unsettled:
        if word.shown not in fixes:
            out += [text[at:word.start], f"[{word.shown}]"]
            at = word.start + len(word.shown)
    return _apply("".join(out) + text[at:], fixes)


@step
class ScriptStep(Step):
    name = "script"
    back_to = "review"

    async def prompt(self, turn: Turn) -> list[Reply]:
        fixes, converted = _fixes(turn), _converted(turn)
        params = {slot: _marked(c, fixes) for slot, c in converted.items()}
        choices = (*(choice(i) for i in ("script:use", "script:keep", "script:fix")), BACK)
        if not (words := _open_words(turn)):
            return [Reply("script.preview", params, choices=choices)]
        shown = ", ".join(dict.fromkeys(u.shown for u in words))
        return [Reply("script.preview", params), Reply("script.check", {"words": shown}, choices=choices)]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        draft = turn.draft
        if choice_id == "script:use":
            fixes = draft.pop("script_fixes", {})
            draft["typed"] = _typed(turn)
            for slot, conversion in _converted(turn).items():
                draft[slot] = _apply(conversion.text, fixes)
            return await STEPS["review"].on_choice(turn, "submit")
        if choice_id == "script:keep":
            draft.pop("script_fixes", None)
            return await goto(turn, "review")
        if choice_id == "script:fix":
            return await goto(turn, "script_fix")
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # Words here are about the letter ("wait, that should not be there"): the review takes them,
        # as an addition to confirm, and the letter stays as typed until the citizen asks again.
        turn.session.step = "review"
        return await STEPS["review"].on_text(turn, text)


@step
class ScriptFixStep(Step):
    """One unsettled word at a time; with none left, any word: "as shown" then "as it should be"."""

    name = "script_fix"
    back_to = "script"

    async def prompt(self, turn: Turn) -> list[Reply]:
        if not (words := _open_words(turn)):
            return [Reply("script.fix_pair", choices=(BACK,))]
        word = words[0]
        options = tuple(Choice(f"fix:{i}", Localized(o, o)) for i, o in enumerate(word.options[:OPTIONS_SHOWN]))
        return [Reply("script.fix_word", {"shown": word.shown}, choices=(*options, BACK))]

    async def on_choice(self, turn: Turn, choice_id: str) -> list[Reply]:
        kind, _, index = choice_id.partition(":")
        words = _open_words(turn)
        if kind == "fix" and words and index.isdigit() and int(index) < len(words[0].options):
            _fixes(turn)[words[0].shown] = words[0].options[int(index)]
            return await goto(turn, "script")
        return await super().on_choice(turn, choice_id)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        # A word typed in Latin letters is converted like the letter: the preview shows it again.
        typed = [to_georgian(w).text for w in text.split()]
        if (words := _open_words(turn)) and len(typed) == 1:
            _fixes(turn)[words[0].shown] = typed[0]
            return await goto(turn, "script")
        letter = _apply(" ".join(c.text for c in _converted(turn).values()), _fixes(turn))
        if len(typed) == 2 and typed[0] in _georgian_words(letter):
            _fixes(turn)[typed[0]] = typed[1]
            return await goto(turn, "script")
        return [Reply("script.fix_not_found", {"word": text.strip()[:40]}), *await self.prompt(turn)]
