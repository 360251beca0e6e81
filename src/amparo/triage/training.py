"""Training the triage model with scikit-learn (only ``amparo train`` and tests import this).

Deterministic: fixed folds and seeds, solvers without randomness, so the same corpus and
catalogue give the same model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sklearn
from scipy.optimize import minimize
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

from amparo.triage import corpus, language
from amparo.triage.catalogue import Catalogue
from amparo.triage.catalogue import load as load_catalogue
from amparo.triage.flags import FEATURE_NAMES
from amparo.triage.flags import find as find_signals
from amparo.triage.model import COMBINER_LEAD, TriageModel, Vectoriser, catalogue_fingerprint
from amparo.triage.normalise import normalise

logger = logging.getLogger(__name__)
SEED = 20261128
TOKEN_PATTERN = r"(?u)\b\w+\b"  # noqa: S105 - a regex
# The parts of the training corpus that one writer wrote together (see docs/corpus.md); the
# three Spanish parts were split by label, so alone they would each leave a whole class out.
WRITER_GROUPS = {"es-benign": "es", "es-extortion-a": "es", "es-extortion-b": "es"}


def text_pipeline() -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=(2, 5),
                                min_df=2,
                                sublinear_tf=True,
                                max_features=120_000,
                                max_df=0.3,  # n-grams in most messages say nothing
                                dtype=np.float32,
                            ),
                        ),
                        (
                            "words",
                            TfidfVectorizer(
                                analyzer="word",
                                ngram_range=(1, 2),
                                min_df=2,
                                sublinear_tf=True,
                                token_pattern=TOKEN_PATTERN,
                                max_df=0.3,  # "que", "de", "the" ... pushed long texts to benign
                                dtype=np.float32,
                            ),
                        ),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")),
        ]
    )


@dataclass
class Trained:
    model: TriageModel
    pipeline: Pipeline  # kept for tests that compare the compiled model with scikit-learn


def compile_pipeline(pipeline: Pipeline) -> tuple[tuple[Vectoriser, ...], np.ndarray, np.ndarray]:
    union: FeatureUnion = pipeline.named_steps["features"]
    classifier: LogisticRegression = pipeline.named_steps["classifier"]
    vectorisers = []
    offset = 0
    for _name, fitted in union.transformer_list:
        vocabulary = {str(k): int(v) for k, v in fitted.vocabulary_.items()}
        vectorisers.append(
            Vectoriser(
                kind=fitted.analyzer,
                ngram_range=tuple(fitted.ngram_range),
                vocabulary=vocabulary,
                idf=fitted.idf_.astype(np.float64),
                offset=offset,
                token_pattern=fitted.token_pattern or TOKEN_PATTERN,
            )
        )
        offset += len(vocabulary)
    coef_t = np.ascontiguousarray(classifier.coef_.T, dtype=np.float64)
    return tuple(vectorisers), coef_t, classifier.intercept_.astype(np.float64)


def fold_splits(
    examples: Sequence[corpus.Example], labels: np.ndarray, folds: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds of the out-of-fold predictions that the combiners are fitted on.

    With the shipped corpus each fold leaves out one writer's part, so the text model is
    scored on a style it has not seen - as it will be on real messages - and the combiners learn
    to lean on the red flags as much as they deserve there, not as little as they need on
    familiar wording. Examples without parts (tests) get stratified folds."""
    groups = [WRITER_GROUPS.get(e.part, e.part) for e in examples]
    if all(groups) and len(set(groups)) >= folds:
        splitter = GroupKFold(n_splits=len(set(groups)))
        return list(splitter.split(np.zeros(len(labels)), labels, groups))
    stratified = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    return list(stratified.split(np.zeros(len(labels)), labels))


def fit(
    examples: Sequence[corpus.Example] | None = None,
    catalogue: Catalogue | None = None,
    *,
    folds: int = 5,
) -> Trained:
    """Fit both stages on ``examples`` (default: the training split)."""
    custom = examples is not None
    examples = list(examples if examples is not None else corpus.load("train"))
    catalogue = catalogue or load_catalogue()
    categories = tuple(c for c in corpus.CATEGORIES if any(e.category == c for e in examples))
    normalised = [normalise(e.text) for e in examples]
    texts = [n.text for n in normalised]
    signals = [
        find_signals(n, e.text, catalogue, language.detect(e.text).pattern_language)
        for n, e in zip(normalised, examples, strict=True)
    ]
    labels = np.asarray([categories.index(e.category) for e in examples])
    is_extortion = np.asarray([e.label == "extortion" for e in examples], dtype=int)

    out_of_fold = cross_val_predict(
        text_pipeline(),
        texts,
        labels,
        cv=fold_splits(examples, labels, folds),
        method="predict_proba",
    )
    pipeline = text_pipeline().fit(texts, labels)
    vectorisers, coef_t, intercept = compile_pipeline(pipeline)
    model = TriageModel(
        categories=categories,
        vectorisers=vectorisers,
        coef_t=coef_t,
        intercept=intercept,
        combiner_coef=np.zeros(0),
        combiner_intercept=0.0,
        extortion_index=tuple(
            i for i, c in enumerate(categories) if c in corpus.EXTORTION_CATEGORIES
        ),
        emergency_index=categories.index("genuine_emergency"),
        corpus_fingerprint="custom" if custom else corpus.fingerprint("train"),
        catalogue_fingerprint=catalogue_fingerprint(),
        sklearn_version=sklearn.__version__,
        training_size=len(examples),
        flag_ids=tuple(flag.id for flag in catalogue.flags),
    )
    model.combiner_coef, model.combiner_intercept = fit_combiner(
        model.combiner_features(out_of_fold, signals),
        is_extortion,
        nonnegative=red_flag_columns(model),
    )
    extortion = np.isin(labels, model.extortion_index)
    kinds = LogisticRegression(C=1.0, max_iter=3000)
    kinds.fit(model.kind_features(out_of_fold, signals)[extortion], labels[extortion])
    model.kind_coef = np.ascontiguousarray(kinds.coef_.T, dtype=np.float64)
    model.kind_intercept = kinds.intercept_.astype(np.float64)
    model.kind_classes = tuple(categories[int(k)] for k in kinds.classes_)
    logger.info("trained on %d examples, %d categories", len(examples), len(categories))
    return Trained(model, pipeline)


# The combiner's columns after the text model's four (see ``TriageModel.combiner_features``):
# the red-flag counts by severity and in all, then the cue counts, then one per red flag.
_FLAG_COUNTS = ("flags_critical", "flags_high", "flags_medium", "flags_low", "flags_total")


def red_flag_columns(model: TriageModel) -> np.ndarray:
    """The combiner columns that count red flags: the severity counts and one per flag."""
    names = (*COMBINER_LEAD, *FEATURE_NAMES)
    counts = [i for i, name in enumerate(names) if name in _FLAG_COUNTS]
    return np.asarray(counts + list(range(len(names), len(names) + len(model.flag_ids))))


def fit_combiner(
    features: np.ndarray, labels: np.ndarray, *, nonnegative: np.ndarray, c: float = 1.0
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (scikit-learn's objective at ``C = c``) whose
    ``nonnegative`` columns may only raise the risk.

    Those are the red flags. Unconstrained, the combiner learnt negative weights for flags that
    the corpus's warnings quote as often as its scams ("tenemos a tu hijo", "a new number"):
    on a real message whose style the text model had not seen, the flag it showed the family
    then *lowered* the risk. A warning is told from a scam by its wording and the advisory cues,
    never by a red flag counting against the message that carries it."""
    n = features.shape[1]
    y = labels.astype(float)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = features @ w[:n] + w[n]
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow
        value = c * float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * float(w[:n] @ w[:n])
        grad = np.append(c * (features.T @ (p - y)) + w[:n], c * float(np.sum(p - y)))
        return value, grad

    bounds: list[tuple[float | None, float | None]] = [(None, None)] * (n + 1)
    for column in nonnegative:
        bounds[int(column)] = (0.0, None)
    result = minimize(
        loss,
        np.zeros(n + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 10_000, "gtol": 1e-8},
    )
    if not result.success:  # pragma: no cover - a corpus that does not converge is a bug
        raise RuntimeError(f"the risk combiner did not converge: {result.message}")
    return result.x[:n].astype(np.float64), float(result.x[n])


def train(examples: Sequence[corpus.Example] | None = None, *, folds: int = 5) -> TriageModel:
    return fit(examples, folds=folds).model
