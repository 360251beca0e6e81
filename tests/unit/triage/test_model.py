"""The scoring path of the compiled model must give exactly what its n-gram path gives."""

from __future__ import annotations

import pickle

import numpy as np

from amparo.triage import corpus
from amparo.triage import model as triage_model
from amparo.triage.normalise import plain

MODEL = triage_model.load()


def test_weights_equal_features_bit_for_bit() -> None:
    texts = [plain(e.text) for split in ("train", "heldout") for e in corpus.load(split)]
    texts += ["", "   ", "a", "ñandú  piñata\tβ", "x" * 300, "hola hola hola hola"]
    for text in texts:
        for vectoriser in MODEL.vectorisers:
            _, indices, values = vectoriser.features(text)
            fast_indices, fast_values = vectoriser.weights(text)
            assert np.array_equal(indices, fast_indices), text
            assert np.array_equal(values, fast_values), text


def test_word_cache_stays_out_of_the_pickle() -> None:
    MODEL.category_probabilities(["tenemos a su hijo"])
    restored = pickle.loads(triage_model.dump(MODEL))  # noqa: S301 - our own bytes
    assert all("_words" not in v.__dict__ for v in restored.vectorisers)
    assert np.array_equal(
        restored.category_probabilities(["tenemos a su hijo"]),
        MODEL.category_probabilities(["tenemos a su hijo"]),
    )
