"""The cascade on fixed audio, end to end: espeak-ng speaks a name into 8 kHz telephone audio,
hama's phoneme pass scores a whole phonebook's grammar, pocketsphinx re-decodes its short
list. No engine is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.dialogue import Decision, decide, phrases_to_look_up
from bridge.prompts import speak
from bridge.speech.cascade import TOP_N, CascadeRecognizer, fuse
from bridge.speech.grammar import build_grammar, phrases_of
from bridge.speech.recognizer import Recognition

PHONEBOOK = [
    "Alice Martin", "Bob Marsh", "Samuel Dubois", "Carol Jenkins", "Caroline Jennings",
    "Karen Jenkins", "Carl Jensen", "Aoife Byrne", "Wojciech Kowalski", "Priya Raman",
    "Lucia Fernandez", "Luis Hernandez", "Thomas Walker", "Tom Baker", "Margaret Wilson",
    "Marek Nowak", "Deepak Sharma", "Rosa Delgado", "Nicholas Brown", "Nicola Browne",
    "Patrick Murphy", "Patricia Murray", "Sinead Kelly", "Kelly Sullivan", "Anil Kapoor",
    "Zofia Lewandowska", "Diego Ramirez", "Grace Taylor", "Greta Tyler", "Henry Ford",
    "Carol Smith", "Carol White",
]  # fmt: skip


@pytest.fixture(scope="module")
def cascade() -> Iterator[CascadeRecognizer]:
    yield CascadeRecognizer()


async def _said(text: str, tmp_path: Path, voice: str = "en-us") -> bytes:
    await speak(text, tmp_path / "said", voice=voice, formats=("sln",))
    return (tmp_path / "said.sln").read_bytes()


@pytest.mark.parametrize(
    ("said", "voice"), [("carol jenkins", "en-us"), ("wojciech kowalski", "en-gb")]
)
async def test_a_full_name_is_in_the_short_list_and_comes_out_first(
    cascade: CascadeRecognizer, tmp_path: Path, said: str, voice: str
) -> None:
    grammar = build_grammar(PHONEBOOK)
    sln = await _said(said, tmp_path, voice)
    short = [p for p, _ in cascade.first_pass(sln, grammar)[:TOP_N]]
    assert said in short  # the ceiling: pocketsphinx only ever sees these
    heard = cascade.recognize_sync(sln, grammar)
    assert heard.best == said
    assert set(heard.alternatives) == set(grammar.phrases)  # the rest follow, for a menu


async def test_silence_is_heard_as_nothing(cascade: CascadeRecognizer) -> None:
    heard = cascade.recognize_sync(b"\0\0" * 80, build_grammar(PHONEBOOK))
    assert heard.confidence < 0.5


def test_the_passes_agreeing_make_a_confident_answer() -> None:
    ranked = [("carol jenkins", -1.0), ("karen jenkins", -1.5), ("carl jensen", -2.0)]
    agree = fuse(ranked, Recognition(("carol jenkins", "karen jenkins"), 0.9))
    differ = fuse(ranked, Recognition(("karen jenkins", "carol jenkins"), 0.9))
    assert agree.confidence > differ.confidence
    assert agree.best == "carol jenkins"
    assert fuse(ranked, Recognition()).confidence == 0.0  # the second pass heard nothing


def _decision(cascade: CascadeRecognizer, sln: bytes) -> Decision:
    """What bridge/dialogue.py makes of the cascade's answer, each phrase standing for the
    people of the phonebook it names."""
    heard = cascade.recognize_sync(sln, build_grammar(PHONEBOOK))
    phrases = heard.alternatives[: phrases_to_look_up(heard.confidence)]
    named = [[n for n in PHONEBOOK if p in phrases_of(n)] for p in phrases]
    return decide(heard.confidence, named)


async def test_a_full_name_leads_to_that_person(cascade: CascadeRecognizer, tmp_path: Path) -> None:
    decision = _decision(cascade, await _said("margaret wilson", tmp_path))
    assert decision.step in ("sure", "confirm") and decision.top == "Margaret Wilson"


async def test_a_first_name_of_three_people_is_a_menu_of_them(
    cascade: CascadeRecognizer, tmp_path: Path
) -> None:
    decision = _decision(cascade, await _said("carol", tmp_path))
    assert decision.step == "menu"
    assert {"Carol Jenkins", "Carol Smith", "Carol White"} <= set(decision.offered)
