"""The default engine: a cheap phoneme pass over the whole grammar, then pocketsphinx on its
best few phrases.

pocketsphinx alone falls off as a phonebook grows (bench/bench_speech.py's test set, 1,000
names: 72 % top-1, CPU p99 3.4 s), and its decode time grows with the grammar. hama's
phoneme posteriors score every phrase in one vectorised alignment (bridge/speech/phonetic.py);
the right phrase is almost always among its ``top_n`` best, and pocketsphinx, decoding a
grammar of only those, separates them with its own acoustic model. Two different models that
agree are right far more often than either alone: the confidence comes from that agreement,
from pocketsphinx's own, and from the first pass's margin.
"""

from __future__ import annotations

import asyncio
import math
import threading

import numpy as np

from bridge.speech.audio import to_model_rate
from bridge.speech.grammar import Grammar
from bridge.speech.phonetic import PHONE_BONUS, PhoneticScorer
from bridge.speech.recognizer import Recognition
from bridge.speech.sphinx import SphinxRecognizer

TOP_N = 8  # phrases re-decoded; chosen on bench's dev set (the ceiling flattens past it)
DISAGREE = 0.35  # confidence factor when the two passes name different phrases first
SPHINX_WEIGHT = 0.5  # pocketsphinx's rank against the first pass's; chosen on the dev set
MARGIN_FULL = 0.25  # first-pass lead (log score per frame) that counts as a clear winner
# raw fused confidence → the dialogue's scale. On two draws of the dev set (160 utterances,
# 1,000 names) the likeliest wrong first phrase scored 0.6 raw: sure starts above it, at 0.7
CALIBRATION = ((0.0, 0.0), (0.3, 0.5), (0.7, 0.9), (1.0, 1.0))


class CascadeRecognizer:
    """Both passes in this process (workers run it; tests and the benchmark use it directly)."""

    def __init__(
        self,
        *,
        top_n: int = TOP_N,
        phone_bonus: float = PHONE_BONUS,
        sphinx: SphinxRecognizer | None = None,
        sphinx_weight: float = SPHINX_WEIGHT,
    ) -> None:
        self.sphinx_weight = sphinx_weight
        self._sphinx = sphinx or SphinxRecognizer()
        self._phonetic = PhoneticScorer(self._sphinx.lexicon)
        self.top_n = top_n
        self.phone_bonus = phone_bonus
        self._lock = threading.Lock()

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        return await asyncio.to_thread(self.recognize_sync, sln8, grammar)

    def close(self) -> None:
        pass

    def first_pass(self, sln8: bytes, grammar: Grammar) -> list[tuple[str, float]]:
        """Every phrase with its first-pass score, best first (phrases that cannot fit the
        utterance left out)."""
        scores = self._phonetic.scores(
            to_model_rate(sln8, band_fill_db=None), grammar, phone_bonus=self.phone_bonus
        )
        order = np.argsort(-scores, kind="stable")
        return [(grammar.phrases[i], float(scores[i])) for i in order if math.isfinite(scores[i])]

    def recognize_sync(self, sln8: bytes, grammar: Grammar) -> Recognition:
        ranked, second = self.passes(sln8, grammar)
        if not ranked:
            return Recognition()
        fused = fuse(ranked, second, self.sphinx_weight)
        return Recognition(fused.alternatives, calibrate(fused.confidence))

    def passes(self, sln8: bytes, grammar: Grammar) -> tuple[list[tuple[str, float]], Recognition]:
        """Both passes' raw results: the first pass's ranking and pocketsphinx's on its top N
        (bench/bench_speech.py tunes the fusion on them)."""
        if not grammar.phrases:
            return [], Recognition()
        with self._lock:
            ranked = self.first_pass(sln8, grammar)
            if not ranked:
                return [], Recognition()
            top = [p for p, _ in ranked[: self.top_n]]
            return ranked, self._sphinx.recognize_sync(sln8, Grammar(tuple(sorted(top))))


def calibrate(raw: float) -> float:
    """The fused confidence onto the dialogue's scale (bridge/dialogue.py: sure from 0.9,
    likely from 0.5), so Twilio's Confidence and this engine's share the bands."""
    xs, ys = zip(*CALIBRATION, strict=True)
    return float(np.interp(raw, xs, ys))


def fuse(
    ranked: list[tuple[str, float]], second: Recognition, sphinx_weight: float = SPHINX_WEIGHT
) -> Recognition:
    """The short list re-ordered by both passes' ranks (pocketsphinx's weighted by
    ``sphinx_weight``), then the rest of the first pass; confidence from the passes'
    agreement, pocketsphinx's own confidence and the first pass's margin."""
    first = [p for p, _ in ranked]
    if not second.alternatives:  # pocketsphinx found nothing in the short list
        return Recognition(tuple(first), 0.0)
    heard = {p: i for i, p in enumerate(second.alternatives)}
    short = first[: max(len(second.alternatives), TOP_N)]
    worst = len(short)
    order = sorted(range(len(short)), key=lambda i: i + sphinx_weight * heard.get(short[i], worst))
    alternatives = tuple(dict.fromkeys([*(short[i] for i in order), *first]))
    lead = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else MARGIN_FULL
    margin = min(1.0, max(0.0, lead / MARGIN_FULL))
    agree = second.best == first[0]
    confidence = (0.5 + 0.5 * second.confidence) * (0.6 + 0.4 * margin)
    return Recognition(alternatives, confidence if agree else confidence * DISAGREE)
