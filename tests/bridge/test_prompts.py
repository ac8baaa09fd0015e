"""Prompts: every prompt the flow uses has words, and the builder makes 8 kHz telephone audio."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

from bridge import flow
from bridge.prompts import (
    WORDS,
    WORDS_BY_LANGUAGE,
    NameVoice,
    build,
    name_file_id,
    name_voice,
    speak,
)
from phonebook.app import Phonebook
from phonebook.names import has_han


def test_every_prompt_the_flow_plays_has_words() -> None:
    ids = {
        v
        for k, v in vars(flow).items()
        if k.isupper() and isinstance(v, str) and v.startswith("pb-")
    }
    assert ids and ids <= WORDS.keys()


async def test_build_makes_8khz_files_in_asterisk_formats(tmp_path: Path) -> None:
    files = await build(tmp_path)
    assert {f.suffix for f in files} == {".sln", ".ulaw", ".alaw", ".wav"}
    with wave.open(str(tmp_path / f"{flow.WELCOME}.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() / 8000 > 0.8  # "Welcome to PhoneBridge." is spoken, not silence
    # sln is the same audio without a header: 16-bit samples at 8 kHz
    sln = (tmp_path / f"{flow.WELCOME}.sln").stat().st_size
    ulaw = (tmp_path / f"{flow.WELCOME}.ulaw").stat().st_size
    assert sln == 2 * ulaw
    stat = subprocess.run(
        ["sox", str(tmp_path / f"{flow.WELCOME}.wav"), "-n", "stat"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    max_amplitude = float(
        next(line for line in stat.splitlines() if line.startswith("Maximum amplitude")).split(":")[
            1
        ]
    )
    assert 0.3 < max_amplitude < 1.0  # normalised loud, but not clipping


async def test_names_are_spoken_once_and_reused(tmp_path: Path) -> None:
    voice = NameVoice(tmp_path)
    first = await voice.file_for("Zoë Müller")
    assert first == name_file_id("Zoë Müller")
    made = (tmp_path / f"{first}.sln").stat().st_mtime_ns
    assert await voice.file_for("Zoë Müller") == first
    assert (tmp_path / f"{first}.sln").stat().st_mtime_ns == made
    assert await NameVoice(None).file_for("Zoë") is None  # no folder: spell instead


async def test_a_name_is_spoken_when_it_is_set_or_changed(pb: Phonebook, tmp_path: Path) -> None:
    voice = NameVoice(tmp_path)
    pb.accounts.on_name_change(voice.prepare)
    account = await pb.accounts.register("Zoë Adler", "+12025550170", None)
    await pb.accounts.update_profile(account.id, name="Zoë Adler-Moreau")
    await pb.accounts.update_profile(account.id, aliases=["Zo"])  # no new name: nothing spoken
    await voice.settle()
    spoken = {p.stem for p in tmp_path.glob("*.sln")}
    assert spoken == {name_file_id("Zoë Adler"), name_file_id("Zoë Adler-Moreau")}


def test_every_prompt_has_mandarin_words() -> None:
    assert WORDS_BY_LANGUAGE["zh"].keys() == WORDS.keys()
    assert all(has_han(text) for text in WORDS_BY_LANGUAGE["zh"].values())


def test_han_names_get_the_mandarin_voice() -> None:
    # espeak-ng's English voice reads each Han character as "Chinese letter"
    assert name_voice("张伟", "en-us") == "cmn"
    assert name_voice("Zoë Müller", "en-us") == "en-us"
    assert name_file_id("张伟", "cmn") != name_file_id(
        "张伟"
    )  # files made the old way are not reused


async def test_a_han_name_is_spoken_in_mandarin(tmp_path: Path) -> None:
    voice = NameVoice(tmp_path)
    file_id = await voice.file_for("张伟")
    assert file_id == name_file_id("张伟", "cmn")
    mandarin = (tmp_path / f"{file_id}.sln").stat().st_size
    await speak("张伟", tmp_path / "english", voice="en-us", formats=("sln",))
    english = (tmp_path / "english.sln").stat().st_size
    assert mandarin < 0.75 * english  # two syllables, not "Chinese letter Chinese letter"
    phonemes = subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", name_voice("张伟", "en-us"), "张伟"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "a55N" in phonemes and "l,Et" not in phonemes  # zhāng, and no "letter"


def test_prompts_build_zh_writes_the_mandarin_prompts(tmp_path: Path) -> None:
    from phonebridge.cli import main

    assert main(["prompts", "build", str(tmp_path / "zh"), "--language", "zh"]) == 0
    assert {p.stem for p in (tmp_path / "zh").glob("*.sln")} == WORDS.keys()
