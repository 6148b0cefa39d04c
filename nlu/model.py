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
from pathlib import Path

import numpy as np

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
    def __init__(self, vocabulary: list[str], weights: np.ndarray, bias: np.ndarray, labels: list[str]) -> None:
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)

    def rank(self, found: set[str], top: int = 3) -> Ranking:
        rows = [i for f in found if (i := self.index.get(f)) is not None]
        logits = self.bias.copy()
        if rows:
            logits += self.weights[rows].sum(axis=0) / math.sqrt(len(found))
        if len(self.labels) == 2:  # a binary model keeps one weight column: the second label's
            p = 1.0 / (1.0 + math.exp(-float(logits[0])))
            probs = np.array([1.0 - p, p])
        else:
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")[:top]
        return Ranking(tuple(self.labels[i] for i in order), tuple(round(float(probs[i]), 4) for i in order))


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
