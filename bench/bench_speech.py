"""Spoken names on 8 kHz telephone audio: a development set to tune on, a test set to quote.

The two sets share nothing but the synthesiser family:

    dev    bench/seed.py's names; espeak-ng en-us and en-gb at 150 wpm
    test   bench/heldout_names.py's names (English, Irish, Polish, Indian, Hispanic, Chinese;
           none in seed.py's lists); espeak-ng en-us+f3, en-gb-x-rp and en-029 at 130-170 wpm,
           and flite's slt, rms, awb and kal16 voices at 0.85-1.15x their pace

Every utterance goes through the telephone: 8 kHz, 300-3400 Hz, G.711 u-law and back, as
Asterisk records it. A Latin name is said whole, or (one time in five) by its first name
alone; a Han name is read in pinyin by the English voices. Honest limits: the engine's
lexicon takes pronunciations from espeak-ng, so the espeak voices agree with it more than a
person would; flite reads with its own lexicon and letter-to-sound rules (the CMU
dictionary's words, which the engine's lexicon also has, are the only overlap) and is there
so that part of the test set does not share espeak's pronunciations. Synthetic speech is
still cleaner than a caller: these are figures for comparing engines, not promises.

    before   pocketsphinx alone on the whole grammar (bridge/speech/sphinx.py)
    after    the cascade: hama's phoneme pass, pocketsphinx on its top N (bridge/speech/cascade.py)

Columns: top-1 / top-3 (the meant phrase first / among the first three), ceiling (the meant
phrase within the first pass's top N: what re-ranking can reach at most), right* (right
after the dialogue of bridge/dialogue.py with a caller who says yes only to the right name,
picks it in a menu and cancels a wrong one), wrong* (a wrong name announced as sure: the
caller must press star in time), CPU p50/p99 per utterance (process CPU time, one thread).

    python bench/bench_speech.py --set test [--sizes 20,200,1000] [--count 80] [--seed 11]
    python bench/bench_speech.py --set test --pinyin    # Han names only: the pinyin slice
    python bench/bench_speech.py --set dev --tune     # the grid N, weights, bands were chosen on
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.heldout_names import heldout_name  # noqa: E402
from bench.seed import person_name  # noqa: E402
from bridge import dialogue  # noqa: E402
from bridge.speech.cascade import CascadeRecognizer, fuse  # noqa: E402
from bridge.speech.grammar import build_grammar, phrases_of  # noqa: E402
from bridge.speech.phonetic import PHONE_BONUS  # noqa: E402
from bridge.speech.recognizer import Recognition  # noqa: E402
from bridge.speech.sphinx import SphinxRecognizer  # noqa: E402

Voice = tuple[str, str, float]  # (synthesiser, voice, pace: wpm for espeak, stretch for flite)


@dataclass(frozen=True)
class Corpus:
    name: str
    names: Callable[[random.Random], str]
    voices: Callable[[random.Random], Voice]


def _dev_voice(rng: random.Random) -> Voice:
    return ("espeak", rng.choice(["en-us", "en-gb"]), 150)


def _test_voice(rng: random.Random) -> Voice:
    if rng.random() < 0.5:
        return ("espeak", rng.choice(["en-us+f3", "en-gb-x-rp", "en-029"]), rng.randint(130, 170))
    return ("flite", rng.choice(["slt", "rms", "awb", "kal16"]), rng.uniform(0.85, 1.15))


CORPORA = {
    "dev": Corpus("dev", person_name, _dev_voice),
    "test": Corpus("test", heldout_name, _test_voice),
}


@dataclass(frozen=True)
class Utterance:
    target: str  # the display name meant
    said: str  # the grammar phrase spoken
    voice: Voice
    sln: bytes

    @property
    def han(self) -> bool:
        return _is_han(self.target)


def _is_han(name: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


def telephone(wav: Path) -> bytes:
    """8 kHz, 300-3400 Hz, through G.711 u-law and back: what Asterisk records."""
    ulaw = subprocess.run(
        [
            "sox",
            str(wav),
            "-r",
            "8000",
            "-c",
            "1",
            "-t",
            "ul",
            "-",
            "sinc",
            "300-3400",
            "norm",
            "-3",
        ],
        capture_output=True,
        check=True,
    ).stdout
    argv = [
        "sox",
        "-t",
        "ul",
        "-r",
        "8000",
        "-c",
        "1",
        "-",
        "-t",
        "raw",
        "-e",
        "signed",
        "-b",
        "16",
        "-",
    ]
    return subprocess.run(argv, input=ulaw, capture_output=True, check=True).stdout


def synthesise(text: str, voice: Voice, wav: Path) -> None:
    engine, name, pace = voice
    if engine == "espeak":
        argv = ["espeak-ng", "-v", name, "-s", str(int(pace)), "-w", str(wav), text]
    else:
        argv = [
            "flite",
            "-voice",
            name,
            "--setf",
            f"duration_stretch={pace:.2f}",
            "-t",
            text,
            "-o",
            str(wav),
        ]
    subprocess.run(argv, check=True, capture_output=True)


def phonebook(corpus: Corpus, size: int, rng: random.Random) -> list[str]:
    names: dict[str, None] = {}
    while len(names) < size:
        names.setdefault(corpus.names(rng))
    return list(names)


def utterances(
    corpus: Corpus, names: list[str], count: int, rng: random.Random, *, pinyin: bool = False
) -> list[Utterance]:
    """``pinyin``: Han names only (the pinyin slice on its own)."""
    pool = [n for n in names if _is_han(n)] if pinyin else names
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            target = rng.choice(pool)
            phrases = phrases_of(target)
            han = _is_han(target)
            said = phrases[1] if not han and len(phrases) > 1 and rng.random() < 0.2 else phrases[0]
            voice = corpus.voices(rng)
            wav = Path(tmp) / f"u{i}.wav"
            synthesise(said, voice, wav)
            out.append(Utterance(target, said, voice, telephone(wav)))
    return out


def right(utt: Utterance, phrase: str) -> bool:
    """The phrase names the target, said the same way (whole, or by one word): "li xiugang"
    is "li xiu gang" (a Han given name joined or not)."""
    same = phrase.replace(" ", "") == utt.said.replace(" ", "")
    return phrase in phrases_of(utt.target) and (
        same or len(phrase.split()) == len(utt.said.split())
    )


def simulate(utt: Utterance, rec: Recognition, owners: dict[str, list[str]]) -> str:
    """Where bridge/dialogue.py takes a caller who only accepts the right name."""
    phrases = rec.alternatives[: dialogue.phrases_to_look_up(rec.confidence)]
    decision = dialogue.decide(rec.confidence, [owners.get(p, []) for p in phrases])
    if decision.step == "sure":
        return "right" if decision.top == utt.target else "wrong"  # wrong: star to cancel
    if decision.step == "confirm":
        return "right" if utt.target in (decision.top, *decision.rest) else "respell"
    return "right" if utt.target in decision.offered else "respell"


@dataclass
class Score:
    n: int = 0
    top1: int = 0
    top3: int = 0
    ceiling: int = 0
    right: int = 0
    wrong: int = 0
    han: int = 0
    han_top1: int = 0
    cpu: list[float] = field(default_factory=list)

    def add(self, utt: Utterance, rec: Recognition, owners: dict[str, list[str]]) -> None:
        hits = [right(utt, p) for p in rec.alternatives[:3]]
        self.n += 1
        self.top1 += bool(hits[:1] and hits[0])
        self.top3 += any(hits)
        self.han += utt.han
        self.han_top1 += utt.han and bool(hits[:1] and hits[0])
        outcome = simulate(utt, rec, owners)
        self.right += outcome == "right"
        self.wrong += outcome == "wrong"


def owners_of(names: list[str]) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for name in names:
        for phrase in phrases_of(name):
            owners.setdefault(phrase, []).append(name)
    return owners


def pct(k: int, n: int) -> str:
    p = k / n if n else 0.0
    return f"{p:4.0%} ±{1.96 * math.sqrt(p * (1 - p) / n) if n else 0:.0%}"


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def table(args: argparse.Namespace, corpus: Corpus) -> None:
    before, after = SphinxRecognizer(), CascadeRecognizer()
    print(f"{corpus.name} set, seed {args.seed}, top N = {after.top_n}")
    print(
        f"{'names':>5} {'engine':<7} {'n':>3} {'top-1':>9} {'top-3':>9} {'ceiling':>9} "
        f"{'right*':>9} {'wrong*':>6} {'pinyin':>7} {'p50':>6} {'p99':>6}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(f"{args.seed}-{corpus.name}-{size}")
        names = phonebook(corpus, size, rng)
        utts = utterances(corpus, names, args.count, rng, pinyin=args.pinyin)
        grammar, owners = build_grammar(names), owners_of(names)
        for label, engine in (("before", before), ("after", after)):
            engine.recognize_sync(b"\0\0" * 800, grammar)  # compile outside the timing
            score = Score()
            for utt in utts:
                started = time.process_time()
                rec = engine.recognize_sync(utt.sln, grammar)
                score.cpu.append(time.process_time() - started)
                score.add(utt, rec, owners)
                if label == "after":
                    top = [p for p, _ in after.first_pass(utt.sln, grammar)[: after.top_n]]
                    score.ceiling += utt.said in top
            ceiling = pct(score.ceiling, score.n) if label == "after" else "-"
            pinyin = f"{score.han_top1}/{score.han}"
            print(
                f"{size:>5} {label:<7} {score.n:>3} {pct(score.top1, score.n):>9} "
                f"{pct(score.top3, score.n):>9} {ceiling:>9} {pct(score.right, score.n):>9} "
                f"{score.wrong:>6} {pinyin:>7} "
                f"{ms(score.cpu, 0.5):>4.0f}ms {ms(score.cpu, 0.99):>4.0f}ms"
            )
    print("pinyin: Han names right first / said (the pinyin slice); ± is a 95 % binomial interval")


def tune(args: argparse.Namespace, corpus: Corpus) -> None:
    """The development-set grid: top N and pocketsphinx's weight, then the sure band."""
    size = int(args.sizes.split(",")[-1])
    rng = random.Random(f"{args.seed}-{corpus.name}-{size}")
    names = phonebook(corpus, size, rng)
    utts = utterances(corpus, names, args.count, rng)
    grammar, owners = build_grammar(names), owners_of(names)
    cascade = CascadeRecognizer()
    cascade.recognize_sync(b"\0\0" * 800, grammar)
    for bonus in (1.0, 2.0, 3.0):
        cascade.phone_bonus = bonus
        ranks = [_rank(u, cascade.first_pass(u.sln, grammar)) for u in utts]
        print(
            f"phone bonus {bonus}: first pass top-1 {sum(r == 0 for r in ranks)}, "
            f"top-4 {sum(r < 4 for r in ranks)}, top-8 {sum(r < 8 for r in ranks)}, "
            f"top-12 {sum(r < 12 for r in ranks)} of {len(utts)}"
        )
    cascade.phone_bonus = PHONE_BONUS
    for n in (8, 4, 12):
        cascade.top_n = n
        runs = [cascade.passes(u.sln, grammar) for u in utts]
        for weight in (0.0, 0.5, 1.0, 2.0, 4.0):
            recs = [fuse(r, s, weight) for r, s in runs]
            score = Score()
            for utt, rec in zip(utts, recs, strict=True):
                score.add(utt, rec, owners)
            wrong_conf = [
                r.confidence for u, r in zip(utts, recs, strict=True) if not right(u, r.best)
            ]
            print(
                f"N={n:<2} weight={weight:<3}: top-1 {score.top1}, top-3 {score.top3}, "
                f"right* {score.right}, wrong* {score.wrong} of {score.n}; "
                f"highest confidence of a wrong first: {max(wrong_conf, default=0):.2f}"
            )
            if (n, weight) == (8, 0.5):
                _bands(utts, recs)


def _bands(utts: list[Utterance], recs: list[Recognition]) -> None:
    for sure in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        heard = [(right(u, r.best), r.confidence >= sure) for u, r in zip(utts, recs, strict=True)]
        print(
            f"  sure from {sure}: {sum(ok and s for ok, s in heard)} right and "
            f"{sum(not ok and s for ok, s in heard)} wrong announced as sure"
        )


def _rank(utt: Utterance, ranked: list[tuple[str, float]]) -> int:
    phrases = [p for p, _ in ranked]
    return phrases.index(utt.said) if utt.said in phrases else len(phrases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(CORPORA), default="test")
    parser.add_argument("--sizes", default="20,200,1000")
    parser.add_argument("--count", type=int, default=80)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tune", action="store_true", help="print the dev grid instead")
    parser.add_argument("--pinyin", action="store_true", help="say Han names only")
    args = parser.parse_args()
    (tune if args.tune else table)(args, CORPORA[args.set])


if __name__ == "__main__":
    main()
