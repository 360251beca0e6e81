"""``analyze``: one message in, one verdict out. Pure: no database, no web, no settings."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from amparo.errors import N_, InvalidInput
from amparo.i18n import gettext_for, supported
from amparo.regions import checked_region
from amparo.triage import advice as advice_data
from amparo.triage import catalogue as catalogue_data
from amparo.triage import language
from amparo.triage import model as model_data
from amparo.triage.corpus import EXTORTION_CATEGORIES
from amparo.triage.flags import Signals, Span, whole_words
from amparo.triage.flags import find as find_signals
from amparo.triage.normalise import Normalised, normalise

MAX_CHARS = 20_000
MAX_BATCH = 1_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below space, less \t \n \r
_SURROGATE = re.compile("[\ud800-\udfff]")  # only ever unpaired in a str


class Level(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# Risk thresholds. A level above medium also needs words to point at (see ``_level``).
THRESHOLDS = ((0.85, Level.CRITICAL), (0.6, Level.HIGH), (0.3, Level.MEDIUM))


@dataclass(frozen=True)
class FlagResult:
    id: str
    severity: str
    title: str
    explanation: str
    advice: str
    evidence: tuple[Span, ...]


@dataclass(frozen=True)
class Verdict:
    """The triage of one message. ``evidence`` spans index the text as received."""

    risk: float
    level: Level
    category: str
    lang: str  # language of the explanations and advice
    detected_language: str | None
    language_supported: bool
    flags: tuple[FlagResult, ...]
    headline: str
    advice: tuple[str, ...]
    report: str  # where to report extortion; "" when there is nothing to report
    disclaimer: str
    probabilities: dict[str, float]

    @property
    def is_extortion(self) -> bool:
        return self.level in (Level.HIGH, Level.CRITICAL)

    @property
    def unread(self) -> bool:
        """In a language the detector cannot read, with nothing in it that it recognises: its
        "low" says nothing, and a "low risk" heading would read as "safe"."""
        return not self.language_supported and self.level is Level.LOW and not self.flags


def validate_text(text: object) -> str:
    """The message as a string, or InvalidInput saying what is wrong with it."""
    if not isinstance(text, str):
        raise InvalidInput(N_("The message must be text."), field="text")
    if len(text) > MAX_CHARS:
        raise InvalidInput(
            N_("The message is too long: %(n)d characters, the limit is %(limit)d."),
            field="text",
            n=len(text),
            limit=MAX_CHARS,
        )
    if "\x00" in text or len(_CONTROL.findall(text)) > 8:
        raise InvalidInput(
            N_("This looks like a file or binary data, not a message. Paste the text instead."),
            field="text",
        )
    if not any(unicodedata.category(char)[0] not in "CZ" for char in text):
        # nothing visible: spaces, zero-width characters, formatting marks
        raise InvalidInput(N_("The message is empty."), field="text")
    if _SURROGATE.search(text):
        # half of an emoji cut off by the app that forwarded it ("\ud83d" in JSON, a bad byte
        # on a command line): shown as a replacement character, the rest analysed as usual
        text = _SURROGATE.sub("\ufffd", text)
    return text


# Without a red flag, the wording alone of a shorter message ("hola", "ok, ¿quién es?") is too
# little to call it extortion: it stays at medium at most.
MIN_WORDS_FOR_WORDING = 5


def _level(risk: float, signals: Signals, model_evidence: bool = False) -> Level:
    """Risk to level. High needs words to point at (a red flag, or the words the model relied
    on in a message of at least ``MIN_WORDS_FOR_WORDING`` words); critical needs red flags, and
    a critical one or two of them."""
    level = next((lvl for threshold, lvl in THRESHOLDS if risk >= threshold), Level.LOW)
    if level is Level.CRITICAL and not signals.matches:
        level = Level.HIGH
    model_evidence = model_evidence and signals.words >= MIN_WORDS_FOR_WORDING
    if level is Level.HIGH and not signals.matches and not model_evidence:
        return Level.MEDIUM
    if level is Level.CRITICAL and len(signals.matches) < 2:
        strongest = max(m.flag.severity for m in signals.matches)
        if strongest < catalogue_data.Severity.CRITICAL:
            return Level.HIGH
    return level


WORDING_FLAG = "suspicious_wording"
_WORDING_TITLE = N_("Wording typical of extortion")
_WORDING_EXPLANATION = N_(
    "Messages that extortioners send often use these words; on their own they prove nothing."
)
_WORDING_ADVICE = N_("Do not act on the message until you have followed the steps below.")
_TOKEN = re.compile(r"(?u)\b\w+\b")
MIN_CONTRIBUTION = 0.02


def _wording_evidence(
    normalised: Normalised, original: str, model: model_data.TriageModel, category: str
) -> tuple[Span, ...]:
    """The word n-grams that pushed the model towards ``category`` the most, as spans."""
    ranked = model.word_contributions(
        normalised.text,
        toward=model.categories.index(category),
        against=model.categories.index("benign"),
    )
    tokens = list(_TOKEN.finditer(normalised.text))
    words = [t.group(0) for t in tokens]
    spans: list[Span] = []
    for gram, weight in ranked[:3]:
        if weight < MIN_CONTRIBUTION:
            break
        parts = gram.split(" ")
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts:
                start, end = whole_words(
                    original,
                    *normalised.original_span(tokens[i].start(), tokens[i + len(parts) - 1].end()),
                )
                spans.append(Span(start, end, original[start:end]))
                break
    merged: list[Span] = []  # "tenemos" and "tenemos a" are one highlight, not two
    for span in sorted(set(spans), key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            end = max(last.end, span.end)
            merged[-1] = Span(last.start, end, original[last.start : end])
        else:
            merged.append(span)
    return tuple(merged)


def _category(
    model: model_data.TriageModel,
    row: np.ndarray,
    signal: Signals,
    probabilities: dict[str, float],
    risk: float,
) -> str:
    if risk >= THRESHOLDS[-1][0]:
        return model.extortion_kind(row, signal)
    if probabilities.get("genuine_emergency", 0.0) > probabilities.get("benign", 0.0):
        return "genuine_emergency"
    return "benign"


def analyze(text: str, lang: str | None = None, *, country: str | None = None) -> Verdict:
    """Triage one message. ``lang`` chooses the language of the answer (default: the message's);
    ``country`` (ISO code) chooses where to report."""
    return analyze_many([text], lang=lang, country=country)[0]


def analyze_many(
    texts: Sequence[str], lang: str | None = None, *, country: str | None = None
) -> list[Verdict]:
    """Triage a batch (vectorised; much faster per message than one at a time)."""
    if len(texts) > MAX_BATCH:
        raise InvalidInput(N_("At most %(n)d messages at a time."), n=MAX_BATCH)
    texts = [validate_text(t) for t in texts]
    if lang is not None:  # "EN", "en-US" and "pt_BR" are fine; "xx" is a mistake, said
        chosen = supported(lang)
        if chosen is None:
            raise InvalidInput(
                N_("Unknown language %(lang)s: use es, en, pt or fr."), field="lang", lang=lang[:20]
            )
        lang = chosen
    country = checked_region(country, "country")
    catalogue = catalogue_data.load()
    book = advice_data.load()
    model = model_data.load()
    normalised = [normalise(t) for t in texts]
    languages = [language.detect(t, fallback=lang or "es") for t in texts]
    signals = [
        find_signals(n, t, catalogue, d.pattern_language)
        for n, t, d in zip(normalised, texts, languages, strict=True)
    ]
    probabilities = model.category_probabilities([n.text for n in normalised])
    risks = model.risk(probabilities, signals)
    verdicts = []
    for text, normalised_text, signal, probs, risk, detected in zip(
        texts, normalised, signals, probabilities, risks, languages, strict=True
    ):
        answer_lang = lang if lang in advice_data.LANGS else detected.lang
        by_category = {c: round(float(p), 4) for c, p in zip(model.categories, probs, strict=True)}
        category = _category(model, probs, signal, by_category, float(risk))
        wording: tuple[Span, ...] = ()
        if not signal.matches and risk >= THRESHOLDS[1][0] and category in EXTORTION_CATEGORIES:
            wording = _wording_evidence(normalised_text, text, model, category)
        level = _level(float(risk), signal, bool(wording))
        _ = gettext_for(answer_lang)
        extra = (
            (
                FlagResult(
                    id=WORDING_FLAG,
                    severity="medium",
                    title=_(_WORDING_TITLE),
                    explanation=_(_WORDING_EXPLANATION),
                    advice=_(_WORDING_ADVICE),
                    evidence=wording,
                ),
            )
            if wording
            else ()
        )
        headline_key = "emergency" if category == "genuine_emergency" else level.value
        if level is Level.LOW and not detected.supported and not signal.matches:
            headline_key = "unsupported"
        verdicts.append(
            Verdict(
                risk=round(float(risk), 4),
                level=level,
                category=category,
                lang=answer_lang,
                detected_language=detected.detected,
                language_supported=detected.supported,
                flags=tuple(
                    FlagResult(
                        id=m.flag.id,
                        severity=m.flag.severity.label,
                        title=m.flag.title[answer_lang],
                        explanation=m.flag.explanation[answer_lang],
                        advice=m.flag.advice[answer_lang],
                        evidence=m.spans,
                    )
                    for m in signal.matches
                )
                + extra,
                headline=book.headline(headline_key, answer_lang),
                advice=book.plan(
                    # unread is not "benign": the plan of the headline that says so
                    headline_key if headline_key == "unsupported" else category,
                    level.value,
                    answer_lang,
                    normalised_text.text,
                ),
                # where to report extortion: not on a greeting, nor on a call for help (whose
                # plan already says 911, rescue and the consulate)
                report=(
                    book.report_line(country, answer_lang)
                    if level is not Level.LOW and category != "genuine_emergency"
                    else ""
                ),
                disclaimer=book.disclaimer[answer_lang],
                probabilities=by_category,
            )
        )
    return verdicts


def warm_up() -> None:
    """Load the catalogue, the advice, the model and the language models now."""
    catalogue_data.load()
    advice_data.load()
    model_data.load()
    language.warm_up()


_primed = False


def prime() -> None:
    """Analyse every example of the catalogue once, so that the patterns compiled on first use
    and the per-word caches are ready before the first real message (a server's first messages
    otherwise took 20-130 ms instead of ~1 ms). About 0.25 s; :func:`warm_up` stays lean for
    the command line. Once per process."""
    global _primed
    if _primed:
        return
    warm_up()
    examples = [
        text
        for flag in catalogue_data.load().flags
        for by_kind in flag.examples.values()
        for text in by_kind.get("match", ())
    ]
    for start in range(0, len(examples), MAX_BATCH):
        analyze_many(examples[start : start + MAX_BATCH])
    _primed = True
