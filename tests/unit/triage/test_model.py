"""The batch scoring of the compiled model must give what its per-text n-gram path gives."""

from __future__ import annotations

import pickle

import numpy as np

from amparo.triage import corpus
from amparo.triage import model as triage_model
from amparo.triage.flags import FEATURE_NAMES
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


def test_no_red_flag_lowers_the_risk() -> None:
    """What the family is shown as a red flag only ever raises the risk: the combiner's weights
    on the red-flag columns (counts by severity and one per flag) are never negative."""
    from amparo.triage.training import red_flag_columns

    columns = red_flag_columns(MODEL)
    assert len(columns) == 5 + len(MODEL.flag_ids)
    names = (*triage_model.COMBINER_LEAD, *FEATURE_NAMES, *MODEL.flag_ids)
    assert len(names) == len(MODEL.combiner_coef)
    assert {names[i] for i in columns} >= set(MODEL.flag_ids) | {"flags_total", "flags_critical"}
    assert "advisory_cues" not in {names[i] for i in columns}
    assert min(MODEL.combiner_coef[columns]) >= 0.0


def test_the_combiner_fit_is_scikit_learns_logistic_regression_when_unconstrained() -> None:
    from sklearn.linear_model import LogisticRegression

    from amparo.triage.training import fit_combiner

    rng = np.random.default_rng(7)
    features = rng.normal(size=(400, 6))
    labels = (features @ [1.5, -2.0, 0.5, 0.0, 1.0, -0.7] + rng.normal(size=400) > 0).astype(int)
    coef, intercept = fit_combiner(features, labels, nonnegative=np.asarray([], dtype=int))
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(features, labels)
    assert np.allclose(coef, reference.coef_[0], atol=1e-4)
    assert abs(intercept - reference.intercept_[0]) < 1e-4
    # constrained: the negative weight of column 1 is held at zero, the rest refitted
    coef, _ = fit_combiner(features, labels, nonnegative=np.asarray([1]))
    assert coef[1] == 0.0
    assert coef[0] > 0
