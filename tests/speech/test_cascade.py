"""The cascade on fixed audio, end to end: espeak-ng speaks a name into 8 kHz telephone audio,
hama's phoneme pass scores a whole phonebook's grammar, pocketsphinx re-decodes its short
list. No engine is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.prompts import speak
from bridge.speech.cascade import TOP_N, CascadeRecognizer, fuse
from bridge.speech.grammar import build_grammar
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
