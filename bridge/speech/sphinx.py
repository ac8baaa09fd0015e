"""The default engine: pocketsphinx 5 with its bundled 16 kHz en-us model, decoding one
caller's grammar twice.

The first pass is pocketsphinx's default search; the second searches wider and must explain
the whole utterance with name words (no filler or silence in between). On telephone audio
neither is right often enough alone, but their n-best lists together hold the right name far
more often (bench/bench_speech.py), and when both passes agree on the best phrase it is right
much more often than when they do not. So the alternatives interleave both lists, and the
confidence comes from that agreement and from how united the first pass's n-best paths are.

Each pass holds the acoustic model once; each caller's grammar is a named search in it, kept
while the grammar (so the caller's phonebook) is unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pocketsphinx import Config, Decoder, get_model_path

from bridge.speech.audio import BAND_FILL_DB, to_model_rate
from bridge.speech.grammar import Grammar
from bridge.speech.pronounce import Lexicon
from bridge.speech.recognizer import Recognition

FILLERS = ("call", "please")  # "call alice please" is how people talk to a phone
NBEST_PATHS = 10
MAX_SEARCHES = 256  # compiled grammars kept per pass; least recently used go first
DISAGREEMENT = 0.4  # confidence factor when the passes name different phrases first
FREE_PHONES_WIN = 0.5  # confidence factor when a free phone decoder fits the audio better
PHONE_LOOP = "phones"
_ALT_SUFFIX = re.compile(r"\(\d+\)$")
_OPEN_SEARCH = {"beam": 1e-60, "pbeam": 1e-60, "wbeam": 1e-45, "fsgusefiller": False}


class _Pass:
    """One decoder with its own search settings and its cache of compiled grammars."""

    def __init__(self, hmm: Path, lexicon: Lexicon, options: dict[str, Any]) -> None:
        self._hmm, self._lexicon, self._options = hmm, lexicon, options
        self._decoder: Any = None
        self._known: set[str] = set()
        self._searches: OrderedDict[str, None] = OrderedDict()
        self._phone_loop = False

    def nbest(self, audio: bytes, grammar: Grammar, paths: int) -> tuple[list[str], float]:
        """Phrases of the n-best paths, best first (empty when nothing in the grammar matched),
        and the best path's log score."""
        decoder = self._use(grammar)
        hyp = _decode(decoder, audio)
        if hyp is None:
            return [], -math.inf
        found = [_phrase(hyp.hypstr)]
        found += [_phrase(n.hypstr) for n in itertools.islice(decoder.nbest(), paths) if n]
        return [p for p in found if p], _log(hyp.score)

    def free_phones(self, audio: bytes) -> float:
        """The log score of the best phone sequence, names or not: what the audio sounds like."""
        decoder = self._load()
        if not self._phone_loop:
            decoder.add_allphone_file(PHONE_LOOP, str(self._hmm.parent / "en-us-phone.lm.bin"))
            self._phone_loop = True
        decoder.activate_search(PHONE_LOOP)
        hyp = _decode(decoder, audio)
        return _log(hyp.score) if hyp is not None else -math.inf

    def _use(self, grammar: Grammar) -> Any:
        decoder = self._load()
        name = f"g{grammar.key}"
        if name in self._searches:
            self._searches.move_to_end(name)
        else:
            self._add_words(decoder, grammar.words | frozenset(FILLERS))
            decoder.add_jsgf_string(name, _jsgf(grammar))
            self._searches[name] = None
            while len(self._searches) > MAX_SEARCHES:
                decoder.remove_search(self._searches.popitem(last=False)[0])
        decoder.activate_search(name)
        return decoder

    def _load(self) -> Any:
        if self._decoder is None:
            with tempfile.TemporaryDirectory() as tmp:
                seed = Path(tmp) / "seed.dict"  # words are added per grammar, not 135k at once
                seed.write_text("a AH\n")
                config = Config(hmm=str(self._hmm), dict=str(seed), loglevel="FATAL")
                config["lm"] = None
                for key, value in self._options.items():
                    config[key] = value
                self._decoder = Decoder(config)
        return self._decoder

    def _add_words(self, decoder: Any, words: frozenset[str]) -> None:
        for word in sorted(words - self._known):
            for i, phones in enumerate(self._lexicon.pronunciations(word)):
                decoder.add_word(word if i == 0 else f"{word}({i + 1})", phones, False)
            self._known.add(word)


class SphinxRecognizer:
    """Both passes in this process. pocketsphinx holds the GIL while it decodes, so a server
    runs this inside worker processes (bridge.speech.workers); tests and benchmarks use it
    directly."""

    def __init__(
        self,
        *,
        band_fill_db: float | None = BAND_FILL_DB,
        espeak_pronunciations: bool = True,
        second_pass: bool = True,
        free_phone_check: bool = True,
        nbest_paths: int = NBEST_PATHS,
    ) -> None:
        model = Path(get_model_path()) / "en-us"
        lexicon = Lexicon(model / "cmudict-en-us.dict", variants=espeak_pronunciations)
        self.lexicon = lexicon  # the cascade's first pass reads the same pronunciations
        self._first = _Pass(model / "en-us", lexicon, {})
        self._second = _Pass(model / "en-us", lexicon, _OPEN_SEARCH) if second_pass else None
        self._free_phone_check = free_phone_check
        self._band_fill_db = band_fill_db
        self._nbest = nbest_paths
        self._lock = threading.Lock()  # a decoder decodes one utterance at a time

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        return await asyncio.to_thread(self.recognize_sync, sln8, grammar)

    def close(self) -> None:
        pass  # the decoders go with the object

    def recognize_sync(self, sln8: bytes, grammar: Grammar) -> Recognition:
        if not grammar.phrases:
            return Recognition()
        audio = to_model_rate(sln8, band_fill_db=self._band_fill_db)
        with self._lock:
            first, named = self._first.nbest(audio, grammar, self._nbest)
            second = self._second.nbest(audio, grammar, self._nbest)[0] if self._second else None
            free = self._first.free_phones(audio) if self._free_phone_check else -math.inf
        recognition = combine(first, second)
        if named < free:  # free phones explain the audio better than any name: maybe none said
            return Recognition(recognition.alternatives, recognition.confidence * FREE_PHONES_WIN)
        return recognition


def combine(first: list[str], second: list[str] | None) -> Recognition:
    """Both passes' phrases interleaved (first pass leading), with a confidence: the share of
    first-pass paths that agree with its best phrase, cut when the second pass disagrees."""
    if not first and not second:
        return Recognition()
    paths = first[1:]
    united = sum(1 for p in paths if p == first[0]) / len(paths) if first and paths else 0.5
    if second is None:
        return Recognition(tuple(dict.fromkeys(first)), united)
    pairs = itertools.zip_longest(dict.fromkeys(first), dict.fromkeys(second))
    alternatives = tuple(dict.fromkeys(p for pair in pairs for p in pair if p))
    agree = bool(first and second and first[0] == second[0])
    return Recognition(alternatives, united if agree else united * DISAGREEMENT)


def _decode(decoder: Any, audio: bytes) -> Any:
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    return decoder.hyp()


def _log(score: float) -> float:
    # the binding hands path scores out as probabilities; compare them as logs
    return math.log(score) if score > 0 else -math.inf


def _jsgf(grammar: Grammar) -> str:
    names = " | ".join(grammar.phrases)
    return f"#JSGF V1.0;\ngrammar names;\npublic <name> = [call] ( {names} ) [please];\n"


def _phrase(hypstr: str) -> str:
    words = [_ALT_SUFFIX.sub("", w) for w in hypstr.split()]
    return " ".join(w for w in words if w not in FILLERS and not w.startswith(("<", "[")))
