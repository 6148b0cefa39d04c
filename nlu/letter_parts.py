"""`split(message) -> LetterParts`: what in a message is said to the bot, and what belongs in the letter.

"Hi. I'd like to send a request to the Ministry of Finance. Subject: bonuses. Text: Please send me ..."
holds a greeting and a wish addressed to Kavshiri, then the letter's subject and text. Only the
letter's part may reach the agency. Sentences are read one at a time over their folded words
(nlu.normalize.fold), so Georgian script, Latin-typed Georgian and English share one word list:
- "Subject:"/„თემა:“/"tema:" and "Text:"/„ტექსტი:“/"teksti:" mark parts, which are taken as marked;
- a greeting, a thank-you, an introduction ("my name is ..."), a wish to write ("I want to complain to
  the police", „მინდა დავწერო საჩივარი“), a question about what to do ("whom do I write to?",
  "ra vqna?"), a bare "I don't know" („არ ვიცი, რომელი“) and a pointer to what was written before
  ("it's above", „ხომ დავწერე“: `already_said`) are the bot's;
  a wish that goes on with its reason ("... because my pension is late") keeps the reason, and a
  wish in a clause of its own ("my pension is late, I want to write to the ministry") goes alone;
  a wish that says more than the writing, the body (as the agency matcher finds it) and two other
  words goes on to the matter ("I'd like to request data on the number of ..."): what follows is kept;
  a leading "no" with a word calling the bot („არა შვილო“, "ara dzma", "no dear") is the bot's;
- a wish or question about the matter ("I would like to apply for a permit", "Can I apply while ...?")
  is the letter's, and a bracket is never cut;
- everything else is the letter's, in the citizen's own words.
Pure and linear: a hand-written scan and non-overlapping patterns, no backtracking on long input.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from nlu.agencies import STOP, AgencyMatcher, BodyMasker, split_words
from nlu.agencies import _classify as _stem_of
from nlu.directory import Directory
from nlu.normalize import fold

MAX_CHARS = 20_000  # the engine refuses longer messages; nothing past this is read
ENDS = ".!?…"
QUOTES = "\"'„“”«»‘’ "
# A marker word and its colon: the word never overlaps the spaces, so no input makes it backtrack.
MARKER = re.compile(r"(?<![^\W\d_])(subject|text|tema|teksti|თემა|ტექსტი)[ \t]{0,3}:", re.IGNORECASE)
SUBJECT_MARKERS = {"subject", "tema", "თემა"}
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Folded words (see nlu.normalize.fold), whatever the script they were typed in.
GREETINGS = {
    "hi", "hello", "hey", "dear", "good", "morning", "afternoon", "evening", "greetings", "bot", "there", "everyone",
    "yes", "ok", "okay", "diakh", "kargi",
    "gamarjoba", "gamarjobat", "salami", "dila", "mshvidobisa", "saghamo", "kavshiri", "shvilo",
}
THANKS = {"thanks", "thank", "you", "very", "much", "in", "advance", "bye", "goodbye", "madloba", "gmadlobt",
          "didi", "tsinastsar", "nakhvamdis", "please", "gtkhovt", "so", "a", "lot", "for", "your", "help", "helping",
          "me",
          "dakhmarebistvis", "dakhmarebisatvis"}
# A wish opens the sentence (after any greeting) ...
WISHES = {"want", "wanna", "wish", "like", "need", "can", "could", "would", "help", "minda", "msurs",
          "vapireb", "mindoda", "sheidzleba", "shegidzliat", "damekhmaret", "damekhmare", "mchirdeba"}
WISH_SCAN = 12  # a body's name may come first: „შეფასებისა და გამოცდების ეროვნულ ცენტრს მინდა მივწერო“
WISH_REACH = 4  # words from the start where the wish may stand: "hi, i would like to"
ACTION_REACH = 4  # words after the wish where the writing is named: "would like to make a request", not
                  # "would like to get a copy of my file"
ENGLISH_WISHES = {"want", "wanna", "wish", "like", "need", "can", "could", "would", "help"}
# ... and names the writing itself: these are the starts of its words.
ACTIONS = (
    "writ", "send", "submit", "file", "lodge", "complain", "complan", "request", "letter", "ask",
    "help", "contact", "davtser", "mivtser", "gavugzavn", "gavagzavn", "gagzavn", "sachivar", "sachivr",
    "motkhovn", "gantskhadeb", "tseril", "mimartv", "mivmart", "dakhmareb", "damekhmar", "shevitan",
    "tsardgen", "chivil", "tsivil", "vichivl", "davichivl",
)
# ("I would like to apply for a permit / to get / to know ..." is not among them: that is the letter's.)
# Naming the letter itself anywhere makes a wish the bot's: "I want to change the subject of the letter".
THE_LETTER = tuple(fold(w) for w in ("letter", "tseril", "mimartv"))
# Where a wish goes on with its reason, the reason is the letter's.
REASONS = {"because", "since", "as", "that", "radgan", "vinaidan", "rom", "imitom"}
ENGLISH_REASONS = {"because", "since", "as", "that"}  # a reason kept from these starts an English sentence
# A reason that is no clause ("because of the noise") cannot stand alone: the whole sentence stays.
NOT_A_CLAUSE = {"of"}
# Said to the bot about the conversation: "I already wrote it", "it's above", „ხომ დავწერე“, "zemot weria".
ENGLISH_REMARK = {"already", "above", "wrote", "said", "told", "earlier", "before", "use"}  # raw, not folded
ALREADY_SAID = (
    "already wrote", "already said", "already told", "already written", "already sent", "already answered",
    "wrote it above", "said it above", "wrote above", "said above", "sent above", "written above", "see above",
    "wrote earlier", "wrote before", "said before", "sent before", "sent earlier", "what i sent", "its all in", "earlier message", "its above", "it is above", "is all above", "use that", "use what i wrote", "use what i said", "use my message",
    "ukve davtsere", "ukve vtkvi", "ukve gitkharit", "ukve mivtsere", "ukve gogtsere", "khom davtsere",
    "kho davtsere", "khom vtkvi", "kho vtkvi", "zemot tseria", "zemot davtsere", "zemot vtseri", "zemot mogtsere",
    "zemot aris",
)
# Questions about what to do, and talk about the conversation itself: the bot's.
TO_BOT = (
    "what should i do", "what do i do", "what can i do", "what shall i do", "who do i write", "whom do i write",
    "who should i write", "whom should i write", "where do i", "where should i", "how do i", "how can i",
    "can you help", "could you help", "can you", "could you", "help me", "i mean", "i am talking about",
    "im talking about", "ra vkna", "ra gavakheto", "ra unda vkna", "vis mivtsero", "vis unda mivtsero",
    "vis mivmarto", "sad mivtsero", "sad mivmarto", "vis unda mivmarto", "sad unda mivmarto", "rogor gavagzavno", "rogor mivtsero", "rogor davtsero",
    "shegidzliat damekhmarot", "damekhmarebit", "vlaparakob", "vgulikhmob", "vgulishkmob", "vgulisxmob",
    "vgulishmob", "vgulskhmob", "vguliskhmob",
)
# A story may go on to a question in the same clause: "my pension is late and I don't know what to do".
AND = {"and", "but", "so", "da", "magram", "tumca", "amitom"}
NOT_KNOWING = {"i", "don't", "do", "not", "know", "ar", "vici", "vitsi"}
NO = {"no", "nope", "ara"}  # a clause of its own answering the bot: "ara shvilo, ..."
# "No, brother, ..." / "ara dzma ...": the "no" and the word calling the bot by name open the sentence, the bot's.
ADDRESS = {"dzma", "dzmao", "shvilo", "dear", "brother", "mate", "genatsvale", "batono", "kalbatono", "chemo"}
# A wish names the writing and the body and little else ("I want to send a complaint to the police"):
# the bot's. Past this many other words it also says the matter ("I'd like to request data on X"),
# which is the letter's.
WISH_CONTENT = 2
# Words a wish uses besides its matter: grammar, and the kinds of writing (matched as word starts).
FUNCTION = {"i", "im", "id", "me", "my", "we", "our", "you", "your", "they", "them", "it", "this", "that", "to",
            "the", "a", "an", "of", "for", "about", "on", "in", "at", "with", "from", "by", "against", "some",
            "and", "or", "is", "are", "be", "get", "make", "please", "kindly", "regarding", "concerning",
            "ar", "da", "rom", "es", "chemi", "tu", "gtkhovt", "ert", "erti", "mat", "mas", "tkven"}
KINDS = ("complain", "complan", "request", "inform", "letter", "applica", "petition", "data", "statist",
         "figure", "detail", "public", "sachivar", "motkhovn", "informats", "tseril", "gantskhadeb", "mimartv",
         "sajaro", "monatsem")
# Before the matter itself: "(data) on", "(information) about": left out of the kept text.
LEADS = {"on", "about", "regarding", "concerning", "of", "for", "re", "shesakheb"}
ARTICLES = {"the", "a", "an", "my", "our", "their", "its", "this", "these", "those", "all", "every", "each"}
# Saying one does not know ("no idea which one", „არ ვიცი, რომელი“) with nothing else said: the bot's.
UNSURE = ("no idea", "dont know", "don't know", "do not know", "not sure", "ar vici", "ar var dartsmunebuli",
          "tsarmodgena ar makvs")
UNSURE_ALSO = {"i", "still", "really", "yet", "sorry", "which", "what", "one", "kind", "type", "romeli", "ra",
               "jer", "isev", "namdvilad", "bodishi", "sakhe", "tipi"}
(GREETINGS, THANKS, WISHES, REASONS, AND, NOT_KNOWING, NO, UNSURE_ALSO, ENGLISH_REASONS, NOT_A_CLAUSE, ADDRESS,
 FUNCTION, LEADS, ARTICLES) = ({fold(w) for w in words} for words in (
    GREETINGS, THANKS, WISHES, REASONS, AND, NOT_KNOWING, NO, UNSURE_ALSO, ENGLISH_REASONS, NOT_A_CLAUSE, ADDRESS,
    FUNCTION, LEADS, ARTICLES))
KINDS = tuple(fold(k) for k in KINDS)
UNSURE = tuple(fold(p) for p in UNSURE)
ACTIONS = tuple(fold(a) for a in ACTIONS)
TO_BOT = tuple(fold(p) for p in TO_BOT)
ALREADY_SAID = tuple(" ".join(fold(w) for w in p.split()) for p in ALREADY_SAID)  # folded as the words are
# Introductions: the portal account says who writes.
INTRODUCTIONS = tuple(fold(p) for p in ("my name is", "i am called", "chemi sakheli", "chemi gvari", "me mkvia"))
TYPO = 75  # how alike a typed word and a wish or action word must be ("wnat", "complane")
TYPO_MIN = 4


@dataclass(frozen=True, slots=True)
class LetterParts:
    subject: str = ""  # from a "Subject:" marker, else empty
    text: str = ""  # what belongs in the letter, in the citizen's words
    to_bot: tuple[str, ...] = ()  # the sentences addressed to the bot, left out
    marked: bool = False  # the text came under a "Text:" marker
    already_said: bool = False  # the citizen pointed at what they wrote before ("it's above"), said to the bot

    @property
    def words(self) -> int:
        return len(WORD.findall(self.text))


def split(message: str) -> LetterParts:
    message = message[:MAX_CHARS]
    marks = list(MARKER.finditer(message))
    if not marks:
        kept, dropped, said = _classify(message)
        return LetterParts(text=kept, to_bot=dropped, already_said=said)
    kept, dropped, said = _classify(message[: marks[0].start()])
    subject, text, marked = "", "", False
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        content = message[mark.end(): following.start() if following else len(message)]
        if mark.group(1).casefold() in SUBJECT_MARKERS:
            line, _, rest = content.strip().partition("\n")
            subject = subject or line.strip(QUOTES).rstrip(".;,").strip()
            text = _joined(text, rest.strip())
        else:
            text, marked = _joined(text, content.strip().strip(QUOTES[:-1]).strip()), True
    if not marked:
        text = _joined(kept, text)
    return LetterParts(subject, text, dropped, marked, said)


def _joined(first: str, second: str) -> str:
    return "\n\n".join(p for p in (first, second) if p)


def sentences(text: str) -> list[str]:
    """The text cut after each sentence end (".", "!", "?", "…" before a space, outside brackets) and each
    line break, each piece keeping its trailing spaces, so joining them gives the text back."""
    pieces, start, n = [], 0, len(text)
    i = depth = 0
    while i < n:
        c = text[i]
        depth = 0 if c == "\n" else max(0, depth + (c == "(") - (c == ")"))
        if c == "\n" or (not depth and c in ENDS and (i + 1 == n or text[i + 1].isspace())):
            i += 1
            while i < n and text[i].isspace():
                i += 1
            pieces.append(text[start:i])
            start = i
        else:
            i += 1
    if start < n:
        pieces.append(text[start:])
    return pieces


def _classify(text: str) -> tuple[str, tuple[str, ...], bool]:
    kept, dropped, said = [], [], False
    for sentence in sentences(text):
        said = said or _already_said(f" {' '.join(fold(m.group()) for m in WORD.finditer(sentence))} ")
        letter = _letter_part(sentence)
        if letter is None:
            if sentence.strip():
                dropped.append(sentence.strip())
        else:
            kept.append(letter)
    return "".join(kept).strip(), tuple(dropped), said


LABEL_WORDS = 6  # a sentence this short that only names a kind of writing or a body is said to the bot


def _letter_part(sentence: str) -> str | None:
    """The sentence as it belongs in the letter (perhaps only its reason), or None: it is the bot's."""
    words = [(m, fold(m.group())) for m in WORD.finditer(sentence)]
    words = [(m, f) for m, f in words if f]
    if not words:
        return sentence if sentence.strip(" \n\t.!?…,;:-") else None
    start = 0
    while start < len(words) and words[start][1] in GREETINGS:
        start += 1
    no_to_bot = start + 1 < len(words) and words[start][1] in NO and words[start + 1][1] in ADDRESS
    if no_to_bot:  # "ara dzma, ...", "No dear, ...": the answer to the bot goes, what follows stays
        start += 2
    rest = [f for _, f in words[start:]]
    if not rest or all(w in THANKS | GREETINGS for w in rest):
        return None
    if _unsure(f" {' '.join(rest)} "):
        return None
    if len(rest) <= LABEL_WORDS and not _says(rest, 0, len(rest)):
        return None  # "Complaint. Public Service Hall.": labels for the bot, nothing of the matter
    kept, after_wish, asked = [], False, False
    upper = no_to_bot and words[start - 2][0].group().casefold() in ("no", "nope")  # "No dear, the fine ..."
    cut = words[start][0].start() if start else 0  # where the next kept text begins: "<b>" stays
    for clause in _clauses(sentence, words[start:]):
        folded, begin, cut = [f for _, f in clause], cut, _clause_end(sentence, clause)
        if (story := _before_question(folded)) is not None:  # the question and what follows are the bot's
            if story:
                kept.append(sentence[clause[0][0].start() if after_wish else begin: clause[story - 1][0].end()])
            asked = True
            break
        if folded[0] in NO and all(w in GREETINGS | NO for w in folded) or _unsure(f" {' '.join(folded)} "):
            continue  # "ara shvilo, ...", "ar vici, ...": a clause answering the bot
        if _already_said(f" {' '.join(folded)} "):  # "I already wrote it": about the chat, not the matter
            upper = upper or (not kept and any(m.group().casefold() in ENGLISH_REMARK for m, _ in clause))
            continue
        if " ".join(folded).startswith(INTRODUCTIONS):
            after_wish = True
            continue
        if wish := _wish(folded):  # "..., I want to write to the ministry": only its reason is the letter's
            reason = next((n for n, f in enumerate(folded[:-1]) if f in REASONS and any(map(_acts, folded[:n]))), None)
            if reason is not None and _says(folded, wish[1], reason):  # a noun's "that": "the list of firms that"
                reason = None
            after_wish = True
            if reason is not None and folded[reason + 1] in NOT_A_CLAUSE:  # "... because of the noise"
                kept.append(sentence[begin:cut])
            elif reason is not None:
                kept.append(_opening(sentence[clause[reason + 1][0].start(): cut], folded[reason]))
            elif (matter := _matter(folded, *wish)) is not None:  # "I'd like to request data on X": X
                piece = sentence[clause[matter][0].start(): cut]
                english = clause[wish[0]][0].group().casefold() in ENGLISH_WISHES  # raw: fold("would") is Georgian
                kept.append(piece[:1].upper() + piece[1:] if english else piece)
                after_wish = False
            continue
        if after_wish and folded[0] in REASONS and len(clause) > 1:  # "..., that my pension is late"
            kept.append(_opening(sentence[clause[1][0].start(): cut], folded[0]))
            after_wish = False
            continue
        piece = sentence[clause[0][0].start() if after_wish else begin: cut]
        kept.append(piece[:1].upper() + piece[1:] if upper else piece)  # "As I already said, it was ..."
        after_wish = upper = False
    if not kept:
        return None
    text = "".join(kept).rstrip(" ,;\n\t")
    end = "." if asked else sentence.rstrip()[-1:]  # the question mark went with the question
    tail = sentence[len(sentence.rstrip()):]  # the spaces or line break that part sentences
    return text + (end if end in ENDS and not text.endswith(tuple(ENDS)) else "") + tail


def _opening(reason: str, word: str) -> str:
    """A reason kept without its wish, starting as a sentence: capitalised after an English word only,
    as in Latin-typed Georgian a capital is a different letter."""
    return reason[:1].upper() + reason[1:] if word in ENGLISH_REASONS else reason


def _already_said(padded: str) -> bool:
    return any(f" {p} " in padded for p in ALREADY_SAID)


def _before_question(folded: list[str]) -> int | None:
    """None if the clause asks the bot nothing; else how many of its first words tell a story before
    "and (I don't know) what to do" (0: the whole clause is the bot's)."""
    padded = f" {' '.join(folded)} "
    at = min((padded.find(f" {p} ") for p in TO_BOT if f" {p} " in padded), default=-1)
    if at < 0:
        return None
    end = padded[:at].count(" ")  # the words before the question
    while end and folded[end - 1] in NOT_KNOWING:
        end -= 1
    return end - 1 if end > 1 and folded[end - 1] in AND else 0


def _clauses(sentence: str, words: list) -> list[list]:
    """The words in runs split where a comma or semicolon stands between two of them, outside brackets."""
    found, current, depth = [], [], 0
    for word in words:
        between = sentence[current[-1][0].end(): word[0].start()] if current else ""
        split_here = current and not depth and any(c in ",;" for c in between)
        depth = max(0, depth + between.count("(") - between.count(")"))
        if split_here:
            found.append(current)
            current = []
        current.append(word)
    return [*found, current] if current else found


def _clause_end(sentence: str, clause: list) -> int:
    """Where a clause's text ends: past its last word, its punctuation and the spaces after it."""
    i = clause[-1][0].end()
    while i < len(sentence) and not sentence[i].isalnum():
        i += 1
    return i


def _unsure(padded: str) -> bool:
    """Whether the words (folded, space-padded) only say that the citizen does not know."""
    said = next((p for p in UNSURE if f" {p} " in padded), None)
    return said is not None and all(w in UNSURE_ALSO for w in padded.replace(f" {said} ", " ", 1).split())


def _wish(folded: list[str]) -> tuple[int, int] | None:
    """Where a wish to write stands in a clause's words: (its first word, the word after it names the
    writing), or None. It opens the clause, after a greeting or the body's name („ცენტრს მინდა მივწერო“)."""
    wished, content, body = [], 0, None
    for n, word in enumerate(folded[:WISH_SCAN]):
        if n >= WISH_REACH and content:
            break
        if _like(word, WISHES):
            wished.append(n)
        elif not wished:
            body = _body_words(tuple(folded)) if body is None else body
            content += _is_content(word, body)
    if not wished:
        return None
    near = range(wished[0], min(len(folded), wished[-1] + 1 + ACTION_REACH))
    acted = [n for n in near if _acts(folded[n])]
    if acted:
        return wished[0], acted[-1] + 1
    # About the letter itself ("I want to change the subject of the letter"): all of it is the bot's.
    return (wished[0], len(folded)) if any(w.startswith(THE_LETTER) for w in folded) else None


def _matter(folded: list[str], wish: int, end: int) -> int | None:
    """Where the matter a wish goes on to begins ("... data on | the number of ..."), or None when,
    besides the wish, the kind of writing, the body and grammar, at most WISH_CONTENT words are said."""
    body = _body_words(tuple(folded))
    others = [n for n in (*range(wish), *range(end, len(folded))) if _is_content(folded[n], body)]
    if len(others) <= WISH_CONTENT or others[-1] < end:
        return None
    first = next(n for n in others if n >= end)
    while first > end and folded[first - 1] in ARTICLES:  # "the number of ...", not "number of ..."
        first -= 1
    return first


def _says(folded: list[str], start: int, stop: int) -> bool:
    """Whether any of the words from `start` to `stop` says something of the matter."""
    body = _body_words(tuple(folded))
    return any(_is_content(w, body) for w in folded[start:stop])


def _is_content(word: str, body: frozenset[str]) -> bool:
    """Whether a folded word says something of the matter: not grammar, a greeting, a kind of writing,
    a word of writing, or a word of a body's name ("ministry", "shepas")."""
    if word in FUNCTION or word in GREETINGS or word in LEADS or word.startswith(KINDS + ACTIONS):
        return False
    stemmed, generic = _stem_of(word)
    return not generic and stemmed not in STOP and stemmed not in body


@cache
def _masker() -> BodyMasker:
    return BodyMasker(AgencyMatcher(Directory.load()))


def _body_words(folded: tuple[str, ...]) -> frozenset[str]:
    """The stems of the name of the body (or bodies) a clause names, as the agency matcher finds it."""
    masker = _masker()
    resolution = masker.matcher.mentioned_words(*split_words(list(folded)))
    named = [resolution.chosen] if resolution.chosen else [m.agency for m in resolution.candidates]
    return frozenset().union(*(masker.name_words[a.id] for a in named))


def _like(word: str, vocabulary: set[str]) -> bool:
    if word in vocabulary:
        return True
    return len(word) >= TYPO_MIN and any(fuzz.ratio(word, v) >= TYPO for v in vocabulary if len(v) >= TYPO_MIN)


def _acts(word: str) -> bool:
    if word.startswith(ACTIONS):
        return True
    return len(word) >= TYPO_MIN + 2 and any(
        fuzz.ratio(word[: len(a) + 1], a) >= TYPO for a in ACTIONS if len(a) >= TYPO_MIN + 2
    )


# A politeness word or a "that" opening an answer: the letter's own sentence already says "please"
# („გთხოვთ: გთხოვთ, განიხილოთ“ reads twice), and "that" hangs after its colon.
COURTESY = tuple(fold(p) for p in (
    "please", "kindly", "pls", "plz", "გთხოვთ", "გთხოვ", "გეთაყვა", "თუ შეიძლება", "if possible",
    "გთხოვთ რომ", "that", "რომ",
))
LEADING_WORD = re.compile(r"[^\W\d_]+[\s,;:!.\-–—]*")  # a word and what separates it from the next


def without_courtesy(answer: str) -> str:
    """`answer` without the politeness words and "that" it opens with, in any script; nothing else
    is taken, and an answer that is nothing but "please" stays as written."""
    rest = answer.strip()
    for _ in range(4):  # "please, if possible, that ...": a few words at most
        first = LEADING_WORD.match(rest)
        second = first and LEADING_WORD.match(rest, first.end())
        two = second and fold(rest[: second.end()].rstrip(" ,;:!.-–—\n\t"))
        if two in COURTESY:
            rest = rest[second.end():]
        elif first and fold(first.group().rstrip(" ,;:!.-–—\n\t")) in COURTESY:
            rest = rest[first.end():]
        else:
            break
    return rest if WORD.search(rest) else answer.strip()


# Chat that opens an answer and names no matter: not the subject's ("I want to know how many fines ...").
LEAD_INS = tuple(fold(p) for p in (
    "mainteresebs", "მაინტერესებს", "minda vicode", "minda vitsode", "minda gavigo", "msurs vicode", "msurs gavigo",
    "მინდა ვიცოდე", "მინდა გავიგო", "მსურს ვიცოდე", "მსურს გავიგო", "მინდა", "მსურს", "minda", "msurs",
    "i want to know", "i would like to know", "i'd like to know", "i need to know", "i wonder", "i am interested in",
    "i'm interested in", "please tell me", "tell me", "could you tell me", "can you tell me", "i want", "i would like",
    "i'd like", "mitxarit", "მითხარით",
))
LEAD_IN_WORDS = 5
CLAUSE_ENDS = re.compile(r"[.!?;:,\n–—(]")  # the first clause ends at the first of these
DANGLING = {fold(w) for w in ("and", "or", "but", "of", "the", "a", "to", "in", "on", "for", "with", "da", "an",
                              "magram", "rom", "და", "ან", "მაგრამ", "რომ", "tu", "თუ")}


def subject_from(answer: str, limit: int) -> str:
    """A short subject from an answer: its first clause without chat lead-ins or "please", in whole
    words within `limit` characters, never cut with an ellipsis."""
    text = answer.strip()[:MAX_CHARS]
    for _ in range(3):  # "please, I want to know ...": courtesy and lead-in, in either order
        text = without_courtesy(text)
        words = list(itertools.islice(LEADING_WORD.finditer(text), LEAD_IN_WORDS))
        cut = next((m.end() for m in reversed(words)
                    if fold(text[: m.end()].rstrip(" ,;:!.-–—\n\t")) in LEAD_INS), 0)
        if not cut or not WORD.search(text[cut:]):
            break
        text = text[cut:]
    end = CLAUSE_ENDS.search(text)
    clause = text[: end.start()] if end and WORD.search(text[: end.start()]) else text
    kept: list[str] = []
    for word in clause.split():
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    while len(kept) > 1 and fold(kept[-1]) in DANGLING:
        kept.pop()
    subject = " ".join(kept).strip(QUOTES + ",;:-") or clause[:limit].strip()
    return subject[:1].upper() + subject[1:] if subject[:1].isascii() else subject  # Georgian has no capitals
