"""The default engine: pocketsphinx 5 with its bundled 16 kHz en-us model, decoding one
caller's grammar. One decoder holds the acoustic model once; each caller's grammar is a
named search in it, kept while the grammar (so the caller's phonebook) is unchanged."""

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
MAX_SEARCHES = 256  # compiled grammars kept; least recently used go first
_ALT_SUFFIX = re.compile(r"\(\d+\)$")
PHONE_LOOP = "phones"  # a free phone decoder: what the audio sounds like, names or not


class SphinxRecognizer:
    def __init__(
        self,
        *,
        band_fill_db: float | None = BAND_FILL_DB,
        espeak_pronunciations: bool = True,
        nbest_paths: int = NBEST_PATHS,
    ) -> None:
        model = Path(get_model_path()) / "en-us"
        self._hmm = model / "en-us"
        self._lexicon = Lexicon(model / "cmudict-en-us.dict", variants=espeak_pronunciations)
        self._band_fill_db = band_fill_db
        self._nbest = nbest_paths
        self._decoder: Any = None
        self._known: set[str] = set()
        self._searches: OrderedDict[str, None] = OrderedDict()  # compiled grammars, LRU
        self._phone_loop_ready = False
        self._lock = threading.Lock()  # a decoder decodes one utterance at a time

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        return await asyncio.to_thread(self.recognize_sync, sln8, grammar)

    def recognize_sync(self, sln8: bytes, grammar: Grammar) -> Recognition:
        if not grammar.phrases:
            return Recognition()
        audio = to_model_rate(sln8, band_fill_db=self._band_fill_db)
        with self._lock:
            decoder = self._use(grammar)
            decoder.start_utt()
            decoder.process_raw(audio, full_utt=True)
            decoder.end_utt()
            if decoder.hyp() is None:
                return Recognition()
            nbest = itertools.islice(decoder.nbest(), self._nbest)
            paths = [_phrase(n.hypstr) for n in nbest if n is not None]
            best = _phrase(decoder.hyp().hypstr)
            named = _log_score(decoder.hyp().score)
            free = self._free_phones_score(decoder, audio)
        recognition = _ranked(best, [p for p in paths if p])
        if free is not None and named < free:
            # free phones explain the audio better than any name did: maybe no name was said
            recognition = Recognition(recognition.alternatives, recognition.confidence / 2)
        return recognition

    def _free_phones_score(self, decoder: Any, audio: bytes) -> float | None:
        if not self._phone_loop_ready:
            lm = Path(get_model_path()) / "en-us" / "en-us-phone.lm.bin"
            decoder.add_allphone_file(PHONE_LOOP, str(lm))
            self._phone_loop_ready = True
        decoder.activate_search(PHONE_LOOP)
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return _log_score(hyp.score) if hyp is not None else None

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
                self._decoder = Decoder(config)
        return self._decoder

    def _add_words(self, decoder: Any, words: frozenset[str]) -> None:
        for word in sorted(words - self._known):
            for i, phones in enumerate(self._lexicon.pronunciations(word)):
                decoder.add_word(word if i == 0 else f"{word}({i + 1})", phones, False)
            self._known.add(word)


def _jsgf(grammar: Grammar) -> str:
    names = " | ".join(grammar.phrases)
    return f"#JSGF V1.0;\ngrammar names;\npublic <name> = [call] ( {names} ) [please];\n"


def _log_score(score: float) -> float:
    # the binding hands path scores out as probabilities; compare them as logs
    return math.log(score) if score > 0 else -math.inf


def _phrase(hypstr: str) -> str:
    words = [_ALT_SUFFIX.sub("", w) for w in hypstr.split()]
    return " ".join(w for w in words if w not in FILLERS and not w.startswith(("<", "[")))


def _ranked(best: str, paths: list[str]) -> Recognition:
    """The n-best paths' distinct phrases, and the share of paths agreeing with the best:
    all ten paths saying one name is a sure answer; a split between names is not."""
    order = list(dict.fromkeys([best, *paths]))
    agreeing = sum(1 for p in paths if p == best)
    confidence = agreeing / len(paths) if paths else 0.5
    return Recognition(tuple(p for p in order if p), confidence)
