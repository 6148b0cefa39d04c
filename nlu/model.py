"""The trained linear models, scored with a few numpy operations per message.

`nlu train` fits them with scikit-learn and saves one compressed `.npz` (vocabularies, weights,
labels and a hash of the training data); the running service needs only numpy to load and score
them. A message's score is the sum of its known features' weight rows, divided by the square root
of the number of all its features (as in training, where every row was L2-normalised), so a
message mostly made of words the model never saw gets a flat, low-confidence answer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import add, mul, sub
from pathlib import Path

import numpy as np

from nlu.features import Bag

WORD_CACHE = 100_000  # words whose weight rows are remembered
ARTIFACT = Path(__file__).parent / "data" / "model.npz"
MODELS = ("intent", "topic", "lang")


@dataclass(frozen=True, slots=True)
class Ranking:
    labels: tuple[str, ...]  # best first
    scores: tuple[float, ...]  # probabilities, same order

    @property
    def best(self) -> str:
        return self.labels[0]

    @property
    def confidence(self) -> float:
        return self.scores[0]


class LinearModel:
    """Scores in plain Python over a few short vectors: for 14 intents or 35 topics that beats
    numpy's per-call overhead. Rows are summed in index order, so a score never depends on the
    order a set happened to iterate in: predictions are deterministic."""

    def __init__(self, vocabulary: list[str], weights: np.ndarray, bias: np.ndarray, labels: list[str]) -> None:
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = [float(b) for b in bias]
        self.labels = tuple(labels)
        self._word_vector = lru_cache(maxsize=WORD_CACHE)(self._vector)
        self._zero = (0.0,) * self.weights.shape[1]  # a word the model knows nothing of
        self._row = lru_cache(maxsize=WORD_CACHE)(lambda i: tuple(self.weights[i].tolist()))

    def rank(self, bag: Bag, top: int = 3) -> Ranking:
        """Probabilities of the labels for a bag of features, the best `top` first."""
        vectors = [v for v in map(self._word_vector, bag.words) if v is not self._zero]
        if bag.extra:
            vectors += map(self._row, self._rows(bag.extra))
        scale = 1.0 / math.sqrt(len(bag)) if vectors else 0.0
        if len(self.labels) == 2:  # a binary model keeps one weight column: the second label's
            p = 1.0 / (1.0 + math.exp(-(self.bias[0] + scale * sum(v[0] for v in vectors))))
            first, second = self.labels
            if p > 0.5:
                return Ranking((second, first), (round(p, 4), round(1.0 - p, 4)))
            return Ranking((first, second), (round(1.0 - p, 4), round(p, 4)))
        logits = self.bias
        if vectors:
            logits = list(map(add, self.bias, map(mul, map(sum, zip(*vectors, strict=True)), repeat(scale))))
        indexes = range(len(logits))
        if top == 1:
            order = [max(indexes, key=logits.__getitem__)]  # the first of equals, as sorted() keeps
        else:
            order = sorted(indexes, key=logits.__getitem__, reverse=True)[:top]
        peak = logits[order[0]]
        total = sum(map(math.exp, map(sub, logits, repeat(peak))))
        return Ranking(
            tuple(self.labels[i] for i in order), tuple(round(math.exp(logits[i] - peak) / total, 4) for i in order)
        )

    def _rows(self, features: frozenset[str]) -> list[int]:
        return sorted(i for f in features if (i := self.index.get(f)) is not None)

    def _vector(self, features: frozenset[str]) -> tuple[float, ...]:
        """The summed weights of the known features among `features`."""
        return self._vector_of(self._rows(features))

    def _vector_of(self, rows: list[int]) -> tuple[float, ...]:
        if not rows:
            return self._zero
        return tuple(self.weights[rows].sum(axis=0).tolist())


@dataclass(frozen=True, slots=True)
class Models:
    intent: LinearModel
    topic: LinearModel
    lang: LinearModel
    data_hash: str

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> Models:
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `kavshiri nlu train`")
        with np.load(path, allow_pickle=False) as data:
            models = {
                name: LinearModel(
                    data[f"{name}_vocabulary"].tolist(),
                    data[f"{name}_weights"],
                    data[f"{name}_bias"],
                    data[f"{name}_labels"].tolist(),
                )
                for name in MODELS
            }
            return cls(**models, data_hash=str(data["data_hash"]))


def save(path: Path, data_hash: str, **models: tuple[list[str], np.ndarray, np.ndarray, list[str]]) -> None:
    arrays: dict[str, np.ndarray] = {"data_hash": np.array(data_hash)}
    for name, (vocabulary, weights, bias, labels) in models.items():
        arrays[f"{name}_vocabulary"] = np.array(vocabulary)
        arrays[f"{name}_weights"] = weights.astype(np.float16)
        arrays[f"{name}_bias"] = bias.astype(np.float32)
        arrays[f"{name}_labels"] = np.array(labels)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
