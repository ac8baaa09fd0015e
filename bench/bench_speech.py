"""Offline voice name dialing: accuracy and decode time on 8 kHz telephone audio.

Utterances of names are spoken by espeak-ng (several voices, rates and pitches; Latin names
in English voices, Han names read by the Mandarin voice), converted to 8 kHz telephone band
with sox and passed through the G.711 u-law codec, as a caller's audio reaches Asterisk.
Each is decoded against the grammar of a phonebook of 20, 200 and 1,000 names that contains
the target, with the plain grammar baseline and each recovery step in the same run:

    baseline   upsampled to 16 kHz, dictionary pronunciations (espeak-ng only for unknown words)
    +band      the empty 3.5-8 kHz band filled with faint noise (bridge/speech/audio.py)
    +espeak    espeak-ng's reading added to every word's dictionary readings
    +second    a second, wider pass that must explain the whole utterance; alternatives from
               both, confidence from their agreement (the default engine)

It prints top-1 and top-3 accuracy, decode time per utterance (median, p99), and for the
default engine the dialogue outcome with bridge/flow.py's confidence thresholds: right
after confirmation (sure and right, confirmed "did you say", or right in the short menu),
wrong person announced (the caller presses * to cancel), and sent back to spelling.

    python bench/bench_speech.py [--sizes 20,200,1000] [--targets 30] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import person_name  # noqa: E402
from bridge.dialogue import PHRASES as SPEECH_MENU  # noqa: E402
from bridge.dialogue import SURE as SPEECH_SURE  # noqa: E402
from bridge.prompts import speak  # noqa: E402
from bridge.speech.grammar import build_grammar, phrases_of  # noqa: E402
from bridge.speech.sphinx import SphinxRecognizer  # noqa: E402
from phonebook.names import normalize  # noqa: E402

# (espeak voice, words per minute, pitch): a spread of speakers
LATIN_VOICES = [
    ("en-us", 150, 50),
    ("en-us+m3", 125, 35),
    ("en-us+f2", 175, 65),
    ("en-gb", 140, 50),
]
HAN_VOICES = [("cmn", 140, 50), ("en-us", 150, 50)]  # a Mandarin speaker, an English one


@dataclass(frozen=True)
class Utterance:
    target: str  # the display name meant
    said: str
    voice: str
    sln: bytes


def g711_to_sln(ulaw: Path) -> bytes:
    """What Asterisk records from a G.711 (u-law) call: the codec's quantisation included."""
    argv = ["sox", "-t", "ul", "-r", "8000", "-c", "1", str(ulaw), "-t", "raw", "-e", "signed"]
    return subprocess.run([*argv, "-b", "16", "-"], capture_output=True, check=True).stdout


def is_han(name: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


def phonebook(size: int, rng: random.Random) -> list[str]:
    names: dict[str, None] = {}
    while len(names) < size:
        names.setdefault(person_name(rng))
    return list(names)


async def utterances(names: list[str], count: int, rng: random.Random) -> list[Utterance]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(rng.sample(names, min(count, len(names)))):
            han = is_han(name)
            voice, speed, pitch = rng.choice(HAN_VOICES if han else LATIN_VOICES)
            said = name
            if han and voice != "cmn":
                said = phrases_of(name)[0]  # an English speaker reads the pinyin
            elif not han and rng.random() < 0.25:
                said = name.split()[0]  # first name only: people do that with friends
            target = Path(tmp) / f"u{i}"
            await speak(said, target, voice=voice, formats=("ulaw",), speed=speed, pitch=pitch)
            out.append(Utterance(name, said, voice, g711_to_sln(target.with_suffix(".ulaw"))))
    return out


def meant(utt: Utterance, phrase: str, names: list[str]) -> bool:
    """A recognised phrase is right when it is one of the target's phrases and, if said whole,
    not just a word the target shares with others (a first name said alone is right when it
    names the target, even if it names others too: the menu sorts that out)."""
    return phrase in phrases_of(utt.target) and (
        " " not in normalize(utt.said) or " " in phrase or utt.said == utt.said.split()[0]
    )


@dataclass
class Score:
    top1: int = 0
    top3: int = 0
    confirmed: int = 0
    wrong_announced: int = 0
    respell: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def dialogue(confidence: float, right: list[bool]) -> str:
    """Where the caller ends up, as bridge/flow.py decides from the confidence."""
    if confidence >= SPEECH_SURE:  # "calling X": right, or the caller presses * to cancel
        return "confirmed" if right[0] else "wrong_announced"
    # "did you say X? press 1" (no → the others in a menu), or straight to a short menu
    return "confirmed" if any(right[:SPEECH_MENU]) else "respell"


def run(recognizer: SphinxRecognizer, names: list[str], utts: list[Utterance]) -> Score:
    grammar = build_grammar(names)
    recognizer.recognize_sync(b"\0\0" * 800, grammar)  # compile the grammar outside the timing
    score = Score()
    for utt in utts:
        started = time.perf_counter()
        rec = recognizer.recognize_sync(utt.sln, grammar)
        score.times.append(time.perf_counter() - started)
        alts = rec.alternatives
        right = [meant(utt, a, names) for a in alts]
        score.top1 += bool(right[:1] and right[0])
        score.top3 += any(right[:3])
        score.add(dialogue(rec.confidence if alts else 0.0, right))
    return score


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20,200,1000")
    parser.add_argument("--targets", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    engines = {
        "baseline": SphinxRecognizer(
            band_fill_db=None,
            espeak_pronunciations=False,
            second_pass=False,
            free_phone_check=False,
        ),
        "+band": SphinxRecognizer(
            espeak_pronunciations=False, second_pass=False, free_phone_check=False
        ),
        "+espeak": SphinxRecognizer(second_pass=False, free_phone_check=False),
        "+second pass": SphinxRecognizer(free_phone_check=False),
        "+free-phone check (default)": SphinxRecognizer(),
    }
    print(
        f"{'names':>6} {'engine':<28} {'top-1':>6} {'top-3':>6} {'right*':>7} {'wrong*':>7} "
        f"{'p50':>7} {'p99':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(args.seed + size)
        names = phonebook(size, rng)
        utts = await utterances(names, args.targets, rng)
        n = len(utts)
        for label, engine in engines.items():
            s = run(engine, names, utts)
            print(
                f"{size:>6} {label:<28} {s.top1 / n:>6.0%} {s.top3 / n:>6.0%} "
                f"{s.confirmed / n:>7.0%} {s.wrong_announced / n:>7.0%} "
                f"{statistics.median(s.times) * 1000:>5.0f}ms {ms(s.times, 0.99):>5.0f}ms"
            )
        han = sum(1 for u in utts if is_han(u.target))
        print(f"{'':>6} ({n} utterances, {han} of Han names)")
    print(
        "right*: right after confirmation (sure and right, a confirmed 'did you say', or in the"
        " short menu);\nwrong*: a wrong name announced as sure (the caller presses * to cancel)"
    )


if __name__ == "__main__":
    asyncio.run(main())
