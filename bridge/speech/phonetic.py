"""The first pass: every phrase of a caller's grammar scored at once against phoneme posteriors.

hama's phoneme recogniser (PyPI ``hama``, Apache-2.0, its ~4.7 MB of weights inside the
wheel, numpy only) turns the utterance into CTC log posteriors over IPA phonemes, once. Each
phrase's pronunciations (the project's lexicon: CMU dictionary and espeak-ng, in ARPAbet) are
mapped onto hama's phonemes, and each is scored by the best CTC alignment (Viterbi) of its
phoneme sequence to those posteriors: every phrase explains the same frames, so the scores
compare directly. All sequences of a grammar go through the alignment together as numpy
arrays, so a thousand names cost tens of milliseconds, not a thousand decodes.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridge.speech.grammar import Grammar
from bridge.speech.pronounce import Lexicon

MAX_VARIANTS = 4  # pronunciation combinations scored per phrase (each word's first readings)
MAX_GRAMMARS = 64  # prepared grammars kept; least recently used go first
MIN_FRAMES = 4
PHONE_BONUS = 3.0  # log-score credit per phone of a phrase; chosen on bench's dev set

# ARPAbet phone → the hama phonemes that may stand for it (accents and hama's own habits)
ARPA_TO_HAMA: dict[str, tuple[str, ...]] = {
    "AA": ("ɑ", "a", "ɒ"), "AE": ("æ", "a", "ɛ"), "AH": ("ə", "ʌ", "ɐ"), "AO": ("ɔ", "ɒ", "ɑ"),
    "AW": ("aʊ",), "AY": ("aɪ",), "B": ("b",), "CH": ("t͡ʃ",), "D": ("d", "ɾ"), "DH": ("ð", "d"),
    "EH": ("ɛ", "e"), "ER": ("ɝ", "ɚ"), "EY": ("eɪ", "e"), "F": ("f",), "G": ("g", "ɡ"),
    "HH": ("h",), "IH": ("ɪ", "i"), "IY": ("i",), "JH": ("d͡ʒ",), "K": ("k", "kʰ"), "L": ("l", "ɫ"),
    "M": ("m",), "N": ("n",), "NG": ("ŋ",), "OW": ("oʊ", "o"), "OY": ("ɔɪ",), "P": ("p", "pʰ"),
    "R": ("ɹ", "r", "ɾ"), "S": ("s",), "SH": ("ʃ", "ɕ"), "T": ("t", "tʰ", "ɾ"), "TH": ("θ",),
    "UH": ("ʊ", "u"), "UW": ("u",), "V": ("v",), "W": ("w",), "Y": ("j",), "Z": ("z",),
    "ZH": ("ʒ",),
}  # fmt: skip
PHONES = tuple(ARPA_TO_HAMA)
BLANK = len(PHONES)  # the blank class: hama's blank and its word boundary


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A grammar's phoneme sequences as padded arrays: row i is a variant of phrase owner[i]."""

    extended: np.ndarray  # (B, S) class ids: blank, p1, blank, p2, ..., blank
    skip: np.ndarray  # (B, S) may state s be entered from s-2 (a new, different phone)
    last: np.ndarray  # (B,) index of the final blank
    owner: np.ndarray  # (B,) phrase index
    length: np.ndarray  # (B,) phones in the sequence


class PhoneticScorer:
    """hama's recogniser and the grammar-wide alignment; a worker process holds one. Prepared
    grammars (their phoneme arrays) are cached under the grammar's key."""

    def __init__(self, lexicon: Lexicon) -> None:
        import hama  # the speech extra; imported here so the rest of the module stays pure

        self._model: Any = hama.ASRModel()
        self._lexicon = lexicon
        tokens: list[str] = self._model.decoder_tokens
        self._classes = [
            [tokens.index(t) for t in ARPA_TO_HAMA[p] if t in tokens] for p in PHONES
        ] + [[self._model.blank_id, tokens.index("<wb>")]]
        self._prepared: OrderedDict[str, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def posteriors(self, audio16: bytes) -> np.ndarray:
        """16 kHz 16-bit mono → (frames, classes) log posteriors of ARPAbet phones + blank."""
        wave = np.frombuffer(audio16[: len(audio16) // 2 * 2], dtype="<i2").astype(np.float32)
        wave = (wave / 32768.0).reshape(1, -1)
        m = self._model
        log_probs, lengths = m.session.run(
            [m._log_probs_output_name, m._out_lengths_output_name],
            {
                m._waveform_input_name: wave,
                m._waveform_lengths_input_name: np.array([wave.shape[1]], dtype=np.int64),
            },
        )
        frames = np.asarray(log_probs[0][: int(np.asarray(lengths).reshape(-1)[0])])
        # a class is as likely as its likeliest phoneme (max, not sum: variants are rivals)
        return np.stack([frames[:, ids].max(axis=1) for ids in self._classes], axis=1)

    def scores(
        self, audio16: bytes, grammar: Grammar, *, phone_bonus: float = PHONE_BONUS
    ) -> np.ndarray:
        """Per phrase of ``grammar``, the log score of its best alignment per frame (higher is
        likelier); -inf for phrases too long for the utterance."""
        with self._lock:
            prepared = self._prepare(grammar)
        post = self.posteriors(audio16)
        best = np.full(len(grammar.phrases), -np.inf)
        if post.shape[0] < MIN_FRAMES:
            return best
        total = viterbi(post, prepared)
        total = total + phone_bonus * prepared.length  # or short phrases win by idling
        np.maximum.at(best, prepared.owner, total / post.shape[0])
        return best

    def _prepare(self, grammar: Grammar) -> _Prepared:
        found = self._prepared.get(grammar.key)
        if found is not None:
            self._prepared.move_to_end(grammar.key)
            return found
        sequences: list[list[int]] = []
        owner: list[int] = []
        for i, phrase in enumerate(grammar.phrases):
            for seq in self.sequences(phrase):
                sequences.append(seq)
                owner.append(i)
        prepared = pack(sequences, owner)
        self._prepared[grammar.key] = prepared
        while len(self._prepared) > MAX_GRAMMARS:
            self._prepared.popitem(last=False)
        return prepared

    def sequences(self, phrase: str) -> list[list[int]]:
        """The phrase's phone-class sequences: combinations of its words' readings."""
        readings = [self._lexicon.pronunciations(w) or ("",) for w in phrase.split()]
        out: list[list[int]] = []
        for combo in itertools.islice(itertools.product(*readings), MAX_VARIANTS):
            seq = [PHONES.index(p) for p in " ".join(combo).split() if p in ARPA_TO_HAMA]
            if seq and seq not in out:
                out.append(seq)
        return out


def pack(sequences: list[list[int]], owner: list[int]) -> _Prepared:
    """Padded CTC state arrays for all sequences (padding states are never reachable)."""
    longest = max((len(s) for s in sequences), default=1)
    width = 2 * longest + 1
    extended = np.full((len(sequences), width), BLANK, dtype=np.int64)
    skip = np.zeros((len(sequences), width), dtype=bool)
    last = np.zeros(len(sequences), dtype=np.int64)
    for row, seq in enumerate(sequences):
        for j, phone in enumerate(seq):
            extended[row, 2 * j + 1] = phone
            skip[row, 2 * j + 1] = j > 0 and seq[j - 1] != phone
        last[row] = 2 * len(seq)
    lengths = np.asarray([len(s) for s in sequences], dtype=np.float32)
    return _Prepared(extended, skip, last, np.asarray(owner, dtype=np.int64), lengths)


def viterbi(post: np.ndarray, prepared: _Prepared) -> np.ndarray:
    """Best CTC path log score per sequence, ending in its last phone or the blank after it."""
    rows, width = prepared.extended.shape
    states = np.arange(width)
    alive = states[None, :] <= prepared.last[:, None]
    alpha = np.full((rows, width), -np.inf, dtype=np.float32)
    emit = post[0][prepared.extended]
    alpha[:, 0] = emit[:, 0]
    alpha[:, 1] = emit[:, 1]
    for t in range(1, post.shape[0]):
        stay = alpha
        step = np.concatenate([np.full((rows, 1), -np.inf, np.float32), alpha[:, :-1]], axis=1)
        jump = np.concatenate([np.full((rows, 2), -np.inf, np.float32), alpha[:, :-2]], axis=1)
        jump = np.where(prepared.skip, jump, -np.inf)
        alpha = np.maximum(np.maximum(stay, step), jump) + post[t][prepared.extended]
        alpha = np.where(alive, alpha, -np.inf).astype(np.float32)
    index = np.arange(rows)
    best: np.ndarray = np.maximum(alpha[index, prepared.last], alpha[index, prepared.last - 1])
    return best
