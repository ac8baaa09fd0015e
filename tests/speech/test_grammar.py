"""The engine-free parts of speech: grammar, pronunciations, audio conditioning and how the two
passes' n-best lists combine. No decoding, no database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.speech import pronounce
from bridge.speech.audio import to_model_rate
from bridge.speech.grammar import build_grammar, phrases_of
from bridge.speech.pinyin import english_respellings
from bridge.speech.pronounce import Lexicon, ipa_to_arpabet
from bridge.speech.sphinx import DISAGREEMENT, combine


def test_a_name_is_said_whole_or_by_its_first_or_last_word() -> None:
    assert phrases_of("Zoë Adler") == ["zoe adler", "zoe", "adler"]
    assert phrases_of("Mary-Jane O'Brien") == ["mary jane o brien", "mary", "brien"]


def test_han_names_are_said_in_pinyin_with_every_surname_reading() -> None:
    assert phrases_of("张伟")[0] == "zhang wei"
    assert {"shan tian fang", "dan tian fang"} <= set(phrases_of("单田芳"))


def test_the_grammar_key_follows_the_phonebook() -> None:
    before = build_grammar(["Alice Martin", "张伟"])
    assert build_grammar(["张伟", "Alice Martin"]).key == before.key  # order does not matter
    after = build_grammar(["Alice Martin", "张伟", "Bob Marsh"])
    assert after.key != before.key  # a new contact compiles a new grammar
    assert "bob marsh" in after.phrases and "bob marsh" not in before.phrases
    assert before.words == {"alice", "martin", "zhang", "wei"}


def test_espeak_ipa_becomes_arpabet() -> None:
    assert ipa_to_arpabet("ʒˈæŋ wˈaɪ") == "ZH AE NG W AY"
    assert ipa_to_arpabet("dʒˈɛŋkɪnz") == "JH EH NG K IH N Z"


@pytest.fixture
def tiny_dictionary(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.dict"
    path.write_text("siobhan SH AW B AA N\nsiobhan(2) SH AH V AA N\nbob B AA B\n")
    return path


def test_a_known_word_keeps_its_readings_and_gains_espeaks(tiny_dictionary: Path) -> None:
    readings = Lexicon(tiny_dictionary).pronunciations("siobhan")
    assert readings == ("SH AW B AA N", "SH AH V AA N", "SH IH V AO N")  # the last: espeak-ng
    assert Lexicon(tiny_dictionary, variants=False).pronunciations("bob") == ("B AA B",)


def test_unknown_words_are_read_by_espeak_or_spelled_without_it(
    tiny_dictionary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # espeak-ng's reading of the letters, then of how English readers say the pinyin
    assert Lexicon(tiny_dictionary).pronunciations("zhang") == ("ZH AE NG", "JH AA NG")
    monkeypatch.setattr(pronounce.shutil, "which", lambda _: None)
    assert Lexicon(tiny_dictionary).pronunciations("zhang") == ("Z HH AE N G",)


def _band_energy(pcm: bytes, rate: int, low: float, high: float) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum())


def test_telephone_audio_is_upsampled_with_the_empty_band_filled_faintly() -> None:
    t = np.arange(8000) / 8000
    tone = (np.sin(2 * np.pi * 1000 * t) * 8000).astype("<i2").tobytes()
    plain = to_model_rate(tone, band_fill_db=None)
    filled = to_model_rate(tone)
    assert len(plain) == 2 * len(tone)  # 16 kHz, same duration
    speech = _band_energy(plain, 16000, 900, 1100)
    assert _band_energy(plain, 16000, 3600, 8000) < speech * 1e-8  # digital silence up there
    upper = _band_energy(filled, 16000, 3600, 8000)
    assert speech * 1e-6 < upper < speech * 1e-3  # about 40 dB below the speech
    assert to_model_rate(tone) == filled  # the same audio always decodes the same way


def test_both_passes_interleave_and_their_agreement_is_the_confidence() -> None:
    agreeing = combine(["bob marsh", "bob marsh", "bob marsh"], ["bob marsh", "rob marsh"])
    assert agreeing.alternatives == ("bob marsh", "rob marsh")
    assert agreeing.confidence == 1.0  # every first-pass path, and the second pass, agree
    split = combine(["bob marsh", "bob marsh", "carol"], ["carol", "bob marsh"])
    assert split.alternatives == ("bob marsh", "carol")
    assert split.confidence == 0.5 * DISAGREEMENT
    assert combine([], []).alternatives == ()


def test_pinyin_words_gain_english_readings() -> None:
    assert english_respellings("zhang") == ["jahng"]
    assert english_respellings("xiaodong") == ["shyow doong", "syow doong"]
    assert english_respellings("qiang") == ["chyahng"]
    assert english_respellings("wei") == []  # English letters already read it right
    assert english_respellings("lucia") == []  # not taken for pinyin
    assert english_respellings("smith") == []
