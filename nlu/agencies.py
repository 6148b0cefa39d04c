"""Find the body a citizen means from what they typed, in any script or spelling.

Every name, short name and alias is folded and stemmed once, in the constructor. A query is
compared word by word: words that every name shares ("ministry", "სააგენტო", "national") only
break ties between bodies whose distinctive words already match, and short words such as "MIA",
"შსს" or "RS" match only exactly, so an abbreviation never lands on an unrelated long name.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

from rapidfuzz import fuzz, process

from nlu.directory import Agency, Directory
from nlu.normalize import SUFFIXES, fold, stem

# Words that name a kind of body, not a body: they may not decide a match on their own. Each
# group is one concept in both languages, so "iusticiis ministry" agrees with "სამინისტრო".
GENERIC_GROUPS = {
    "ministry": "სამინისტრო ministry ministries მინისტრი minister",
    "agency": "სააგენტო agency agencies",
    "georgia": "საქართველო საქართველოს georgia georgian georgia's",
    "service": "სამსახური service services",
    "national": "ეროვნული national",
    "lepl": "სსიპ lepl",
    "department": "დეპარტამენტი department",
    "center": "ცენტრი center centre",
    "office": "office აპარატი",
    "state": "სახელმწიფო state",
}
# Words that carry no hint of a body: grammar, greetings and what people say around a name.
STOP_WORDS = """
    of the and for to a an in on at by with from about i me my we our please want need would
    like write send letter request complaint application appeal hello hi information
    და ან რომ ეს ის მინდა მსურს გთხოვთ მივწერო მივმართო მიმართვა წერილი განცხადება საჩივარი
    მოთხოვნა გამარჯობა ინფორმაცია ინფორმაციის
"""
GENERIC = {stem(t): group for group, words in GENERIC_GROUPS.items() for t in fold(words).split()}
GENERIC_STEMS = list(GENERIC)
GENERIC_TYPO_CUTOFF = 90  # "ministery", "saminstro" are still the generic word
STOP = frozenset(stem(t) for t in fold(STOP_WORDS).split()) | frozenset(SUFFIXES)

EXACT_ONLY_LEN = 4  # words this short (abbreviations, short stems) match only exactly
TOKEN_CUTOFF = 80  # least fuzz.ratio for two longer words to count as the same word
UNKNOWN_WEIGHT = 0.1  # a query word unlike any name word still dilutes the match a little
VOCABULARY_DISCOUNT = 0.9  # a query word found in another name of the same body
QUERY_WEIGHT = 0.7  # how much of the query a name explains matters more than the reverse
GENERIC_WEIGHT = 0.15  # shared "ministry"/"agency" words: a tie-breaker
UNSAID_GENERIC_PENALTY = 10  # a name's "ministry"/"agency" that the query did not say
GENERIC_ONLY_SCORE = 55  # "ministry" alone: candidates, never a choice
CHOOSE_SCORE = 80  # a clear winner needs at least this...
CHOOSE_MARGIN = 8  # ...and this lead over the runner-up
CANDIDATE_FLOOR = 55
# A name is a few words: a longer text is a letter, not a name, and only its beginning is
# searched, so a 4,000-character draft costs no more than a short message.
MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 12
MAX_CANDIDATES = 5
# Finding a body named inside a sentence ("where are the MoF's salaries?"): every distinctive
# word of one of its names must be there (allowing a typo), whatever else the sentence says.
MENTION_COVER = 88  # least average similarity of a name's distinctive words to the sentence's
MENTION_SPECIFIC = 5  # per extra distinctive word: "იუსტიციის სახლი" beats "იუსტიციის"
MENTION_GENERIC_AGREES = 5  # the sentence says "ministry" and so does the name
MENTION_GENERIC_UNSAID = 10  # the name says "agency", the sentence does not
MENTION_MAX_WORDS = 40
SIMILAR_CACHE = 50_000  # query words seen: a citizen's vocabulary repeats, fuzzy search is costly
CATEGORY_ORDER = {"ministry": 0, "other": 1, "agency": 2}


@dataclass(frozen=True, slots=True)
class AgencyMatch:
    agency: Agency
    score: int  # 0-100


@dataclass(frozen=True, slots=True)
class Resolution:
    chosen: Agency | None
    candidates: list[AgencyMatch] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Name:
    agency: int  # index into AgencyMatcher.agencies
    content: tuple[str, ...]  # distinctive stems
    generic: frozenset[str]
    vocabulary: frozenset[str]  # distinctive stems of all the body's names together


class AgencyMatcher:
    def __init__(self, directory: Directory) -> None:
        self.agencies: list[Agency] = list(directory)
        self.names: list[_Name] = []
        self.by_word: dict[str, set[int]] = defaultdict(set)  # stem -> indexes into self.names
        for index, agency in enumerate(self.agencies):
            texts = {agency.name_ka, agency.name_en, agency.short_ka, agency.short_en, *agency.aliases}
            split = [parts for parts in map(_split, texts) if parts[0]]
            # A query may mix an alias with words of the full name ("Geostat statistics office").
            vocabulary = frozenset(word for content, _ in split for word in content)
            for content, generic in split:
                for word in content:
                    self.by_word[word].add(len(self.names))
                self.names.append(_Name(index, content, generic, vocabulary))
        self.long_words = [w for w in self.by_word if len(w) > EXACT_ONLY_LEN]
        self._similar_words = lru_cache(maxsize=SIMILAR_CACHE)(self._similar_words)  # type: ignore[method-assign]

    def match(self, text: str, limit: int = 5) -> list[AgencyMatch]:
        """The best score of each body for `text`, best first."""
        content, generic = _split(text[:MAX_QUERY_CHARS])
        content = tuple(dict.fromkeys(content))[:MAX_QUERY_WORDS]
        similar = {word: self._similar_words(word) for word in content}
        known = [w for w in content if similar[w]]
        if not known:
            return self._generic_only(generic, limit) if generic else []
        unknown = len(content) - len(known)
        best: dict[int, float] = {}
        for name_index in {i for w in known for v in similar[w] for i in self.by_word[v]}:
            name = self.names[name_index]
            score = _score(name, known, unknown, similar, generic)
            if score > best.get(name.agency, 0.0):
                best[name.agency] = score
        return self._ranked(best, limit)

    def resolve(self, text: str) -> Resolution:
        """One body when it is clearly meant; else up to five candidates; else nothing."""
        matches = [m for m in self.match(text, limit=MAX_CANDIDATES + 1) if m.score >= CANDIDATE_FLOOR]
        if not matches:
            return Resolution(None, [])
        best, runner_up = matches[0], (matches[1].score if len(matches) > 1 else 0)
        if best.score >= CHOOSE_SCORE and best.score - runner_up >= CHOOSE_MARGIN:
            return Resolution(best.agency, [best])
        return Resolution(None, matches[:MAX_CANDIDATES])

    def mentioned(self, text: str) -> Resolution:
        """The body a sentence names among other words; candidates when two fit equally."""
        return self.mentioned_words(*split_folded(fold(text[: MAX_QUERY_CHARS * 4])))

    def mentioned_words(self, content: tuple[str, ...], generic: frozenset[str]) -> Resolution:
        """`mentioned`, given the sentence's words as `split_folded` gives them."""
        content = tuple(dict.fromkeys(content))[:MENTION_MAX_WORDS]
        said: dict[str, float] = {}  # name word -> its best similarity to any word of the sentence
        for word in content:
            for name_word, similarity in self._similar_words(word).items():
                if similarity > said.get(name_word, 0.0):
                    said[name_word] = similarity
        names = {i for name_word in said for i in self.by_word[name_word]}
        best: dict[int, float] = {}
        for name_index in names:
            name = self.names[name_index]
            score = _mention_score(name, said, generic)
            if score >= MENTION_COVER and score > best.get(name.agency, 0.0):
                best[name.agency] = score
        matches = self._ranked(best, MAX_CANDIDATES)
        if not matches:
            return Resolution(None, [])
        scores = sorted(best.values(), reverse=True)  # unrounded: a displayed score stops at 100
        if len(scores) == 1 or scores[0] - scores[1] >= CHOOSE_MARGIN / 2:
            return Resolution(matches[0].agency, matches[:1])
        return Resolution(None, matches)

    def _similar_words(self, word: str) -> dict[str, float]:
        """Name words that `word` may stand for, with their similarity 0-100."""
        exact = {word: 100.0} if word in self.by_word else {}
        if len(word) <= EXACT_ONLY_LEN:
            return exact
        found = process.extract(word, self.long_words, scorer=fuzz.ratio, score_cutoff=TOKEN_CUTOFF, limit=None)
        return {**{choice: score for choice, score, _ in found}, **exact}

    def _generic_only(self, generic: frozenset[str], limit: int) -> list[AgencyMatch]:
        best: dict[int, float] = {}
        for name in self.names:
            if overlap := len(generic & name.generic):
                score = GENERIC_ONLY_SCORE * overlap / len(generic)
                best[name.agency] = max(best.get(name.agency, 0.0), score)
        return self._ranked(best, limit)

    def _ranked(self, best: dict[int, float], limit: int) -> list[AgencyMatch]:
        def order(item: tuple[int, float]) -> tuple:
            agency = self.agencies[item[0]]
            return (-round(item[1]), CATEGORY_ORDER.get(agency.category, 9), agency.short_en)

        return [AgencyMatch(self.agencies[i], min(100, round(s))) for i, s in sorted(best.items(), key=order)[:limit]]


BODY = "@body"  # one word standing for the words that name the body a message mentions


class BodyMasker:
    """Finds the body a message names and hides its name from the intent and topic models.

    Which body is named says nothing about what is asked: "Ministry of Health contacts" and
    "write to the Ministry of Health" differ only in their other words. With the name's words
    replaced by one BODY word, the models learn from those other words, whichever body the
    training examples happened to name, and a body whose name holds a topic's word (the Public
    Service Development Agency: "services") no longer reads as a question about that topic."""

    def __init__(self, matcher: AgencyMatcher) -> None:
        self.matcher = matcher
        self.name_words = {
            a.id: frozenset(w for t in (a.name_ka, a.name_en, a.short_ka, a.short_en, *a.aliases) for w in distinctive_words(t))
            for a in matcher.agencies
        }
        # Name words to mask: not the common nouns that serve as one-word aliases ("weather
        # service", "pension"), which say what a message is about as much as whom:
        # "what is the weather in Batumi" stays a question about the weather.
        self.mask_words = {a.id: self.name_words[a.id] - _common_nouns(a) for a in matcher.agencies}

    def read(self, words: list[str]) -> tuple[str, tuple[str, ...], frozenset[str], Resolution]:
        """(the folded words with the named body's name masked, the distinctive and generic
        stems, the body mentioned) of a message's folded words."""
        content, generic = split_words(words)
        resolution = self.matcher.mentioned_words(content, generic)
        if resolution.chosen is None:
            return " ".join(words), content, generic, resolution
        names, out, start = self.name_words[resolution.chosen.id], [], 0
        for begin, end in _name_spans(words, names, self.mask_words[resolution.chosen.id]):
            out += [*words[start:begin], BODY]
            start = end
        return " ".join([*out, *words[start:]]), content, generic, resolution


# Words that join a body's name ("Ministry of the Interior", "... მეცნიერებისა და ...") and the
# case endings a hyphen splits off ("შსს-ში": "shss", "shi"): part of a name between its words.
CONNECTIVES = frozenset(fold("of the and for და").split())
# Generic words that stay: "the health minister" asks about a person (Annex 1.5), not the ministry.
PERSONS = frozenset(stem(w) for w in fold("minister მინისტრი").split())
ENDINGS = frozenset(SUFFIXES)


def _common_nouns(agency: Agency) -> frozenset[str]:
    """The distinctive word of each one-word alias written as an English common noun, in lowercase
    ("police", "pension", "weather service"), unless the body's own names use it too. (Georgian
    script has no capitals to tell a common noun by: its aliases stay masked.)"""
    named = {w for t in (agency.name_ka, agency.name_en, agency.short_ka, agency.short_en) for w in distinctive_words(t)}
    common = set()
    for alias in agency.aliases:
        words = distinctive_words(alias)
        if len(words) != 1 or words[0] in named or len(words[0]) <= EXACT_ONLY_LEN:
            continue
        if alias.isascii() and alias.islower():
            common.add(words[0])
    return frozenset(common)


def _name_spans(words: list[str], names: frozenset[str], masked: frozenset[str]) -> list[tuple[int, int]]:
    """[begin, end) of each run of words that names the body: its distinctive words, with the
    generic words, connectives and split-off endings around them ("the Ministry of Justice",
    "Revenue Service", "შსს-ში") where one of them is to be `masked`; never a plural generic word
    before a connective ("services of the Public Service Hall" asks about services)."""
    kinds = []
    for word in words:
        stem_, kind = _span_kind(word)
        kinds.append("n" if stem_ in names else kind)
    spans, i = [], 0
    while i < len(kinds):
        if not kinds[i]:
            i += 1
            continue
        j = i
        while j < len(kinds) and kinds[j]:
            j += 1
        begin, end = i, j
        while begin < end and kinds[begin] == "c":
            begin += 1
        while end > begin and kinds[end - 1] == "c" and words[end - 1] not in ENDINGS:
            end -= 1
        if begin + 1 < end and kinds[begin] == "g" and kinds[begin + 1] == "c" and words[begin].endswith("s"):
            begin += 1
            while begin < end and kinds[begin] == "c":
                begin += 1
        if any(kinds[k] == "n" and _span_kind(words[k])[0] in masked for k in range(begin, end)):
            spans.append((begin, end))
        i = j
    return spans


@lru_cache(maxsize=SIMILAR_CACHE)
def _span_kind(word: str) -> tuple[str, str]:
    """A folded word's stem, and what it is next to a name if it is not one of the name's own
    words: "g" generic, "c" connective or split-off ending, "" anything else."""
    stem_, concept = _classify(word)
    if concept and stem_ not in PERSONS:
        return stem_, "g"
    return stem_, "c" if word in CONNECTIVES or word in ENDINGS else ""


def _mention_score(name: _Name, said: dict[str, float], generic: frozenset[str]) -> float:
    cover = sum(map(said.get, name.content, repeat(0.0))) / len(name.content)
    if cover < MENTION_COVER:
        return 0.0
    return (
        cover
        + MENTION_SPECIFIC * (len(name.content) - 1)
        + MENTION_GENERIC_AGREES * len(name.generic & generic)
        - MENTION_GENERIC_UNSAID * len(name.generic - generic)
    )


def distinctive_words(text: str) -> tuple[str, ...]:
    """The stems of `text` that could tell one body from another: no stop or generic words."""
    return _split(text)[0]


def _split(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    return split_folded(fold(text))


def split_folded(folded: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """Distinctive stems (in order) and generic stems of a folded text; stop words dropped."""
    return split_words(folded.split())


def split_words(words: list[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """`split_folded` of a folded text's words."""
    content, generic = [], set()
    for word in words:
        word, canonical = _classify(word)
        if canonical:
            generic.add(canonical)
        elif word not in STOP:
            content.append(word)
    return tuple(content), frozenset(generic)


@lru_cache(maxsize=SIMILAR_CACHE)
def _classify(word: str) -> tuple[str, str | None]:
    """A folded word's stem, and the generic concept it names, if any."""
    word = stem(word)
    return word, (None if word in STOP else _generic(word))


def _generic(word: str) -> str | None:
    """The generic concept a word names, allowing a typo in longer words."""
    if word in GENERIC or len(word) <= EXACT_ONLY_LEN:
        return GENERIC.get(word)
    found = process.extractOne(word, GENERIC_STEMS, scorer=fuzz.ratio, score_cutoff=GENERIC_TYPO_CUTOFF)
    return GENERIC[found[0]] if found else None


def _score(
    name: _Name,
    known: list[str],
    unknown: int,
    similar: dict[str, dict[str, float]],
    generic: frozenset[str],
) -> float:
    def sim(query_word: str, name_word: str) -> float:
        return similar[query_word].get(name_word, 0.0)

    # How much of the query this name explains; words from the body's other names count a
    # little less, so an alias that merely shares a word cannot outrank the body it names.
    explained = max(
        sum(max(sim(q, n) for n in name.content) for q in known),
        VOCABULARY_DISCOUNT * sum(max(sim(q, n) for n in name.vocabulary) for q in known),
    )
    query_cover = explained / (len(known) + UNKNOWN_WEIGHT * unknown)
    name_cover = sum(max(sim(q, n) for q in known) for n in name.content) / len(name.content)
    content = QUERY_WEIGHT * query_cover + (1 - QUERY_WEIGHT) * name_cover
    if not generic:
        # "MIA" is the ministry itself; "MIA Service Agency" is something more.
        return max(0.0, content - (UNSAID_GENERIC_PENALTY if name.generic else 0.0))
    agreement = 100.0 * len(generic & name.generic) / len(generic | name.generic)
    return (1 - GENERIC_WEIGHT) * content + GENERIC_WEIGHT * agreement
