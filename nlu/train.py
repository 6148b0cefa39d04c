"""`kavshiri nlu train`: fit the intent, topic and language models and save the artifact.

scikit-learn is needed here only (the `train` extra); the service scores the saved weights
with numpy (nlu/model.py). Logistic regression with the lbfgs solver on a fixed feature order
is deterministic: the same data gives the same artifact.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nlu import corpus, model
from nlu.agencies import AgencyMatcher, BodyMasker
from nlu.directory import Directory
from nlu.features import MAX_WORDS, Bag, folded_bag, language_bag
from nlu.normalize import fold

# Inverse regularisation strength, chosen on the development set (`kavshiri nlu eval`).
C = {"intent": 20.0, "topic": 30.0, "lang": 10.0}
# How much a generated "<body> <synonym>" phrase counts against a written example: enough to teach
# the short form, little enough not to tilt every unsure message towards a published-item question.
GENERATED_WEIGHT = 0.3


def fit(texts: list[str], labels: list[str], featurize: Callable[[str], Bag], c: float,
        weights: list[float] | None = None):
    """(vocabulary, weights, bias, labels) of a logistic regression over feature sets; `weights`:
    how much each example counts (1 by default)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [featurize(t).all() for t in texts]
    vocabulary = sorted(set().union(*rows))
    index = {f: i for i, f in enumerate(vocabulary)}
    data, cols, indptr = [], [], [0]
    for found in rows:  # a feature found in two words counts twice, as in nlu/model.py
        cols.extend(index[f] for f in found)
        data.extend([1.0 / np.sqrt(max(1, len(found)))] * len(found))
        indptr.append(len(cols))
    matrix = csr_matrix((data, cols, indptr), shape=(len(rows), len(vocabulary)))
    matrix.sum_duplicates()
    classifier = LogisticRegression(C=c, max_iter=5000, tol=1e-6, solver="lbfgs")
    classifier.fit(matrix, labels, sample_weight=weights)
    classes = [str(c) for c in classifier.classes_]
    return vocabulary, classifier.coef_.T, classifier.intercept_, classes


def train(directory: Path = corpus.TRAIN, out: Path = model.ARTIFACT) -> dict[str, int]:
    entities = corpus.load_entities(directory / "entities.yml")
    written = corpus.load_examples(directory, entities)
    generated = corpus.body_phrases(directory / "entities.yml")
    examples = written + generated
    counts = [1.0] * len(written) + [GENERATED_WEIGHT] * len(generated)
    topics = corpus.topic_examples(entities, examples)
    latin = [e for e in examples if e.script == "latin"]  # Latin spelling: written and generated
    latin_counts = [w for e, w in zip(examples, counts, strict=True) if e.script == "latin"]
    masker = BodyMasker(AgencyMatcher(Directory.load(corpus.AGENCIES)))

    def masked_bag(text: str) -> Bag:  # as nlu/understanding.py reads a message
        return folded_bag(masker.read(fold(text).split()[:MAX_WORDS])[0])

    fitted = {
        "intent": fit([e.text for e in examples], [e.intent for e in examples], masked_bag, C["intent"], counts),
        "topic": fit([t for t, _ in topics], [i for _, i in topics], masked_bag, C["topic"]),
        "lang": fit([e.text for e in latin], [e.lang for e in latin], language_bag, C["lang"], latin_counts),
    }
    model.save(out, corpus.data_hash(directory), **fitted)
    return {"examples": len(examples), "topic_examples": len(topics), **{n: len(f[0]) for n, f in fitted.items()}}


