"""The batch scoring of the compiled model must give what its per-text n-gram path gives."""

from __future__ import annotations

import pickle

import numpy as np

from amparo.triage import corpus
from amparo.triage import model as triage_model
from amparo.triage.normalise import plain

MODEL = triage_model.load()


def _reference_scores(text: str) -> np.ndarray:
    """One text, n-gram strings and all: the inference as first written."""
    scores = MODEL.intercept.copy()
    for vectoriser in MODEL.vectorisers:
        _, indices, values = vectoriser.features(text)
        if len(indices):
            scores += values @ MODEL.coef_t[indices]
    return scores


def test_batch_equals_the_per_text_n_gram_path() -> None:
    texts = [plain(e.text) for split in ("train", "heldout") for e in corpus.load(split)]
    texts += ["", "   ", "a", "ñandú  piñata\tβ", "x" * 300, "hola hola hola hola", "zzqx"]
    scores = np.vstack([_reference_scores(t) for t in texts])
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(MODEL.category_probabilities(texts), expected, rtol=0, atol=1e-12)
    one_by_one = np.vstack([MODEL.category_probabilities([t]) for t in texts[:100]])
    assert np.allclose(one_by_one, expected[:100], rtol=0, atol=1e-12)


def test_word_cache_stays_out_of_the_pickle() -> None:
    MODEL.category_probabilities(["tenemos a su hijo"])
    restored = pickle.loads(triage_model.dump(MODEL))  # noqa: S301 - our own bytes
    assert all("_words" not in v.__dict__ for v in restored.vectorisers)
    assert np.array_equal(
        restored.category_probabilities(["tenemos a su hijo"]),
        MODEL.category_probabilities(["tenemos a su hijo"]),
    )
