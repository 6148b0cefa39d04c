"""The published-information knowledge the engine is given: the Annex and what matches it."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from published.annex import Annex
from published.search import Bm25, TopicMatcher, terms

PROCEDURES = Path(__file__).parent / "data" / "procedures.toml"
PROCEDURE_SCORE = 1.0  # least score for a question to be about a procedure


class ProcedureMatcher:
    """Which question about the right to information (no reason needed, terms...) is asked."""

    def __init__(self, path: Path = PROCEDURES) -> None:
        with path.open("rb") as fh:
            rows = tomllib.load(fh)["procedure"]
        self.ids = [row["id"] for row in rows]
        self.index = Bm25([terms(" ".join(row["keywords"])) for row in rows])

    def match(self, text: str) -> str | None:
        scores = self.index.scores(terms(text))
        best = max(range(len(scores)), key=scores.__getitem__)
        return self.ids[best] if scores[best] >= PROCEDURE_SCORE else None


@dataclass(frozen=True, slots=True)
class Knowledge:
    annex: Annex
    topics: TopicMatcher
    procedures: ProcedureMatcher

    @classmethod
    def load(cls) -> Knowledge:
        annex = Annex.load()
        return cls(annex, TopicMatcher(annex), ProcedureMatcher())
