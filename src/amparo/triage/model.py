"""The shipped classifier, as data: vocabularies, weights and the risk combiner.

Two linear, deterministic stages (trained by :mod:`amparo.triage.training`):

1. **Text model** — TF-IDF of character n-grams (2–5, inside word boundaries: robust to
   misspellings and regional spelling) and of word n-grams (1–2) of the normalised text, into a
   multinomial logistic regression over the nine categories.
2. **Risk combiner** — a logistic regression over the text model's log-odds of extortion and of
   emergency and the red-flag and cue counts, fitted on *out-of-fold* predictions: it is the
   calibration step, its output the probability that a message is extortion.

Inference does not import scikit-learn. Profiling showed that ``Pipeline.predict_proba`` spends
~3 ms per single message on input validation and dispatch, and importing scikit-learn and SciPy
takes a second and tens of megabytes; the fitted analysers, vocabularies, IDF weights and
coefficients are applied here directly (sublinear TF, IDF, L2 norm per vectoriser, softmax).
Tests hold this equal to scikit-learn's own ``predict_proba`` and analysers.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import math
import pickle
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from amparo.triage.flags import Signals

MODEL_FILE = "data/triage-model.pkl"
FORMAT_VERSION = 4
_EPS = 1e-4
_WHITE_SPACES = re.compile(r"\s\s+")
_NO_COLUMNS = np.zeros(0, dtype=np.int64)
_WORD_CACHE_SIZE = 50_000  # words whose n-gram columns are kept (~15 MB at most)


def catalogue_fingerprint() -> str:
    text = resources.files("amparo.triage").joinpath("data/red_flags.yaml").read_bytes()
    return hashlib.sha256(text).hexdigest()


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams inside word boundaries, exactly as scikit-learn's ``char_wb``."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    grams: list[str] = []
    for word in text.split():
        grams.extend(_word_char_ngrams(word, min_n, max_n))
    return grams


def _word_char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The ``char_wb`` n-grams of one word: they depend on nothing else, so they can be cached."""
    word = " " + word + " "
    length = len(word)
    grams: list[str] = []
    append = grams.append
    for n in range(min_n, max_n + 1):
        offset = 0
        append(word[offset : offset + n])
        while offset + n < length:
            offset += 1
            append(word[offset : offset + n])
        if offset == 0:
            break
    return grams


def word_ngrams(text: str, token_pattern: re.Pattern[str], min_n: int, max_n: int) -> list[str]:
    """Word n-grams, exactly as scikit-learn's ``word`` analyser."""
    tokens = token_pattern.findall(text.lower())
    if max_n == 1:
        return tokens
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(tokens) + 1)):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass
class Vectoriser:
    kind: str  # "char_wb" or "word"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int
    token_pattern: str = r"(?u)\b\w+\b"  # noqa: S105 - a regex

    @functools.cached_property
    def _token_re(self) -> re.Pattern[str]:
        return re.compile(self.token_pattern)

    def grams(self, text: str) -> list[str]:
        low, high = self.ngram_range
        if self.kind == "char_wb":
            return char_wb_ngrams(text, low, high)
        return word_ngrams(text, self._token_re, low, high)

    def __getstate__(self) -> dict[str, object]:
        # the per-word cache and the compiled token pattern are rebuilt on use, never pickled
        cached = ("_words", "_token_re", "_pairs")
        return {k: v for k, v in self.__dict__.items() if k not in cached}

    @functools.cached_property
    def _words(self) -> dict[str, np.ndarray]:
        return {}

    def _word_columns(self, word: str) -> np.ndarray:
        """Model columns of the ``char_wb`` n-grams of ``word`` (repeats kept)."""
        low, high = self.ngram_range
        get = self.vocabulary.get
        columns = [i for i in map(get, _word_char_ngrams(word, low, high)) if i is not None]
        return np.array(columns, dtype=np.int64) + self.offset

    @functools.cached_property
    def _pairs(self) -> dict[tuple[str, ...], int]:
        """The word vocabulary keyed by token tuples: ("su", "hijo") for "su hijo"."""
        return {tuple(gram.split(" ")): index for gram, index in self.vocabulary.items()}

    def columns(self, text: str) -> list[np.ndarray]:
        """Model columns (offset included) of the n-grams of ``text`` that the vocabulary
        knows, one per occurrence: the columns :meth:`features` counts, without building a
        string per n-gram. A word's ``char_wb`` n-grams depend on the word alone, so its
        columns are cached; word n-grams are looked up as token tuples."""
        if self.kind == "char_wb":
            words = _WHITE_SPACES.sub(" ", text.lower()).split()
            cache = self._words
            missing = set(words).difference(cache)
            if missing:
                if len(cache) + len(missing) > _WORD_CACHE_SIZE:
                    # a new dict, not clear(): another thread may be reading the old one
                    cache = self.__dict__["_words"] = {}
                    missing = set(words)
                for word in missing:
                    cache[word] = self._word_columns(word)
            return list(map(cache.__getitem__, words))
        tokens = self._token_re.findall(text.lower())
        low, high = self.ngram_range
        get = self._pairs.get
        lookups = [
            map(get, zip(*(tokens[i:] for i in range(n)), strict=False), itertools.repeat(-1))
            for n in range(low, high + 1)
        ]  # n-grams: tuples of n consecutive tokens
        columns = np.fromiter(itertools.chain.from_iterable(lookups), dtype=np.int64)
        return [columns[columns >= 0] + self.offset]

    def features(self, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(n-grams, column indices, L2-normalised sublinear TF-IDF values)."""
        counts = Counter(self.grams(text))
        found = [
            (gram, index, count)
            for gram, index, count in zip(
                counts, map(self.vocabulary.get, counts), counts.values(), strict=True
            )
            if index is not None
        ]
        if not found:
            return [], np.zeros(0, dtype=np.int64), np.zeros(0)
        grams, index_list, count_list = zip(*found, strict=True)
        indices = np.array(index_list, dtype=np.int64)
        values = (1.0 + np.log(np.array(count_list, dtype=np.float64))) * self.idf[indices]
        values /= np.sqrt(np.dot(values, values))
        return list(grams), indices + self.offset, values


# The combiner's first columns, before the red-flag summary (``flags.FEATURE_NAMES``) and one
# column per red flag (``TriageModel.combiner_features``).
COMBINER_LEAD = ("text_odds", "emergency_odds", "brevity", "brevity_odds")


@dataclass
class TriageModel:
    categories: tuple[str, ...]
    vectorisers: tuple[Vectoriser, ...]
    coef_t: np.ndarray  # (features, categories)
    intercept: np.ndarray  # (categories,)
    combiner_coef: np.ndarray  # (combiner features,)
    combiner_intercept: float
    extortion_index: tuple[int, ...]
    emergency_index: int
    corpus_fingerprint: str
    catalogue_fingerprint: str
    sklearn_version: str
    training_size: int
    flag_ids: tuple[str, ...] = ()  # one combiner feature per red flag, in this order
    # Which kind of extortion: a multinomial logistic regression over the text model's
    # log-probabilities and the red flags, fitted like the risk combiner (see training).
    kind_coef: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    kind_intercept: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kind_classes: tuple[str, ...] = ()
    format_version: int = FORMAT_VERSION

    @functools.cached_property
    def _idf(self) -> np.ndarray:
        """The IDF weight of every model column."""
        return np.concatenate([v.idf for v in self.vectorisers])

    @functools.cached_property
    def _flag_column(self) -> dict[str, int]:
        return {flag_id: i for i, flag_id in enumerate(self.flag_ids)}

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_idf", "_flag_column")}

    def category_probabilities(self, normalised_texts: Sequence[str]) -> np.ndarray:
        """Per-category probabilities (rows follow ``categories``).

        The whole batch at once: every (text, vectoriser) pair is a segment; its n-gram columns
        are counted with one sort, weighted (sublinear TF × IDF), L2-normalised per segment and
        multiplied by the coefficients. The sums are those of scikit-learn's ``predict_proba``
        (tests), added in another order."""
        if len(normalised_texts) == 1:
            return self._one(normalised_texts[0])
        n_texts, n_vectorisers = len(normalised_texts), len(self.vectorisers)
        scores = np.tile(self.intercept, (n_texts, 1))
        blocks: list[np.ndarray] = []
        sizes: list[int] = []
        for text in normalised_texts:
            for vectoriser in self.vectorisers:
                found = vectoriser.columns(text)
                blocks.extend(found)
                sizes.append(sum(map(len, found)))
        if blocks and sum(sizes):
            n_columns = self.coef_t.shape[0]
            segments = np.repeat(np.arange(n_texts * n_vectorisers), sizes)
            keys, tf = np.unique(segments * n_columns + np.concatenate(blocks), return_counts=True)
            segment, column = np.divmod(keys, n_columns)
            values = (1.0 + np.log(tf)) * self._idf[column]
            norms = np.bincount(segment, weights=values * values, minlength=len(sizes))
            values /= np.sqrt(norms)[segment]
            weighted = np.take(self.coef_t, column, axis=0)
            weighted *= values[:, None]
            per_text = np.bincount(segment // n_vectorisers, minlength=n_texts)
            present = per_text > 0
            starts = (np.cumsum(per_text) - per_text)[present]
            scores[present] += np.add.reduceat(weighted, starts, axis=0)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def _one(self, text: str) -> np.ndarray:
        """:meth:`category_probabilities` of one text, in fewer NumPy calls than a batch."""
        scores = self.intercept.copy()
        for vectoriser in self.vectorisers:
            found = vectoriser.columns(text)
            columns = found[0] if len(found) == 1 else np.concatenate(found or [_NO_COLUMNS])
            if not len(columns):
                continue
            column, tf = np.unique(columns, return_counts=True)
            values = (1.0 + np.log(tf)) * self._idf[column]
            values /= np.sqrt(np.dot(values, values))
            scores += values @ np.take(self.coef_t, column, axis=0)
        scores -= scores.max()
        np.exp(scores, out=scores)
        scores /= scores.sum()
        return scores[np.newaxis, :]

    def combiner_features(
        self, probabilities: np.ndarray, signals: Sequence[Signals]
    ) -> np.ndarray:
        """Per message: the text model's log-odds of extortion and of emergency, how brief the
        message is (and that times the log-odds: the combiner learns how little the wording of
        two words is worth), the red-flag and cue counts, and one 0/1 column per red flag, so
        the combiner learns how much each flag is worth rather than only its severity."""
        rows = []
        column = self._flag_column
        for probs, signal in zip(probabilities, signals, strict=True):
            p_ext = float(sum(probs[i] for i in self.extortion_index))
            p_emg = float(probs[self.emergency_index])
            present = [0.0] * len(self.flag_ids)
            for match in signal.matches:
                index = column.get(match.flag.id)
                if index is not None:
                    present[index] = 1.0
            text_odds = _logit(p_ext)
            brief = brevity(signal.words)
            rows.append(
                [text_odds, _logit(p_emg), brief, brief * text_odds, *signal.features(), *present]
            )
        return np.asarray(rows, dtype=float)

    def kind_features(self, probabilities: np.ndarray, signals: Sequence[Signals]) -> np.ndarray:
        """Per message: the log-probability of every category, and one 0/1 column per flag."""
        column = self._flag_column
        rows = np.zeros((len(signals), len(self.categories) + len(self.flag_ids)))
        rows[:, : len(self.categories)] = np.log(np.clip(probabilities, _EPS, 1.0))
        for row, signal in zip(rows, signals, strict=True):
            for match in signal.matches:
                index = column.get(match.flag.id)
                if index is not None:
                    row[len(self.categories) + index] = 1.0
        return rows

    def extortion_kind(self, probabilities: np.ndarray, signal: Signals) -> str:
        """The most likely kind of extortion for one message (``probabilities`` is its row),
        read from its words and its red flags: a custody claim points to a virtual kidnapping
        even when the wording is a gang's."""
        features = self.kind_features(probabilities[np.newaxis, :], [signal])[0]
        scores = features @ self.kind_coef + self.kind_intercept
        return self.kind_classes[int(np.argmax(scores))]

    def risk(self, probabilities: np.ndarray, signals: Sequence[Signals]) -> np.ndarray:
        """Calibrated probability of extortion per message."""
        z = self.combiner_features(probabilities, signals) @ self.combiner_coef
        result: np.ndarray = 1.0 / (1.0 + np.exp(-(z + self.combiner_intercept)))
        return result

    def word_contributions(self, text: str, toward: int, against: int) -> list[tuple[str, float]]:
        """Word n-grams of ``text`` ranked by how much they push category ``toward`` over
        ``against``: the words the model itself relied on, strongest first."""
        words = self.vectorisers[-1]
        grams, indices, values = words.features(text)
        if not grams:
            return []
        weights = self.coef_t[indices, toward] - self.coef_t[indices, against]
        ranked = [(g, float(v * w)) for g, v, w in zip(grams, values, weights, strict=True)]
        return sorted(ranked, key=lambda item: -item[1])


def brevity(words: int) -> float:
    """1 for an empty message, 1/2 at 3 words, 1/5 at 6, under 1/10 past 9: how much of the
    verdict the wording alone can carry is learnt against this. (Chosen on the held-out split
    over ``1 / (1 + words / 4)`` and over no such feature: same recall, fewer short benign
    messages at medium or above; see docs/corpus.md.)"""
    return 1.0 / (1.0 + (words / 3.0) ** 2)


def dump(model: TriageModel) -> bytes:
    buffer = io.BytesIO()
    pickle.dump(model, buffer, protocol=5)
    return buffer.getvalue()


def save(model: TriageModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump(model))


def shipped_model_path() -> Path:
    return Path(str(resources.files("amparo.triage").joinpath(MODEL_FILE)))


@functools.cache
def load() -> TriageModel:
    """The model shipped in the package: plain Python and NumPy data written by
    ``amparo train`` (the package's own file, never user input)."""
    data = resources.files("amparo.triage").joinpath(MODEL_FILE).read_bytes()
    model = pickle.loads(data)  # noqa: S301
    if not isinstance(model, TriageModel) or model.format_version != FORMAT_VERSION:
        raise RuntimeError("The shipped triage model is from another version: run 'amparo train'.")
    return model
