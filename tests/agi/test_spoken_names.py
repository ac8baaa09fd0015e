"""Saying a name on the Asterisk access number, end to end: scripted Asterisk on a real socket
records the caller (espeak-ng speech at 8 kHz telephone band, written where RECORD FILE
points) → FastAGI server → pocketsphinx against this caller's grammar → the Dial variables."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bridge.access import AccessNumber, SpokenNames
from bridge.agi.server import FastAgiServer
from bridge.prompts import NameVoice, speak
from bridge.speech.grammar import build_grammar
from bridge.speech.recognizer import default_recognizer
from bridge.speech.sphinx import SphinxRecognizer
from phonebook.app import Phonebook
from tests.agi.peer import Peer, Step, env_block
from tests.agi.test_access_number import CALLER, Phone, people


@pytest.fixture(scope="module")
def recognizer() -> SphinxRecognizer:
    return SphinxRecognizer()  # one acoustic model for the module: it takes a second to load


async def telephone_speech(text: str, folder: Path, voice: str = "en-us") -> bytes:
    target = folder / "said"
    await speak(text, target, voice=voice, formats=("sln",))
    return target.with_suffix(".sln").read_bytes()


@dataclass
class SpeakingPhone(Phone):
    """Answers each RECORD FILE like Asterisk: writes the next utterance to the named file
    (or reports the key that interrupted it) and replies as res_agi does."""

    utterances: list[bytes | str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)

    def answer(self, line: bytes) -> list[bytes]:
        text = line.decode().rstrip("\n")
        if not text.startswith("RECORD FILE"):
            return super().answer(line)
        self.recorded.append(text)
        said = self.utterances.pop(0) if self.utterances else b""
        if isinstance(said, str):  # a key pressed while recording
            return [f"200 result={ord(said)} (dtmf) endpos=1600\n".encode()]
        path = text.split(" ")[2].strip('"')
        Path(path + ".sln").write_bytes(said)
        return [f"200 result=0 (timeout) endpos={len(said) // 2}\n".encode()]


@pytest.fixture
async def server(
    pb: Phonebook, recognizer: SphinxRecognizer, tmp_path: Path
) -> AsyncIterator[FastAgiServer]:
    spoken = SpokenNames(recognizer, tmp_path / "recordings")
    spoken.recordings.mkdir()
    server = FastAgiServer({"access": AccessNumber(pb, NameVoice(None), speech=spoken)}, port=0)
    await server.start()
    yield server
    await server.stop(drain_s=1)


async def call(server: FastAgiServer, phone: SpeakingPhone) -> SpeakingPhone:
    peer = Peer(env_block(agi_callerid=CALLER), [Step(None, phone.answer)] * 200)
    await peer.call(server.bound_port)
    return phone


async def test_a_spoken_pinyin_name_is_dialled(
    server: FastAgiServer, pb: Phonebook, tmp_path: Path
) -> None:
    await people(pb)
    said = await telephone_speech("zhang wei", tmp_path)
    phone = await call(server, SpeakingPhone(keys=[""], utterances=[said]))
    (record,) = phone.recorded
    assert record.endswith(" sln 0123456789*# 5000 BEEP s=2")  # silence ends the utterance
    assert phone.variables["PB_RESULT"] == "dial"
    assert phone.variables["PB_CALLEE_NAME"] == "张伟"
    assert phone.variables["PB_DIAL_NUMBER"] == "8613800138001"
    assert not list((tmp_path / "recordings").iterdir())  # the caller's voice is not kept


async def test_a_key_during_the_recording_switches_to_spelling(
    server: FastAgiServer, pb: Phonebook
) -> None:
    await people(pb)
    phone = await call(server, SpeakingPhone(keys=["5423", ""], utterances=["2"]))  # A, LICE
    assert phone.variables["PB_RESULT"] == "dial"
    assert phone.variables["PB_CALLEE_NAME"] == "Alice Martin"


async def test_the_grammar_holds_only_names_the_caller_may_reach(pb: Phonebook) -> None:
    ids = await people(pb)
    grammar = build_grammar(await pb.directory.reachable_names(ids["caller"], public=True))
    assert {"alice martin", "zhang wei"} <= set(grammar.phrases)
    assert not {"bella blocker", "bella", "carl caller"} & set(grammar.phrases)  # blocked; self


async def test_without_pocketsphinx_callers_spell_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # as if the extra were not installed
    with caplog.at_level(logging.INFO, logger="bridge.speech.recognizer"):
        assert default_recognizer() is None
    (record,) = caplog.records
    assert "phonebridge[speech]" in record.getMessage()


async def test_when_asterisk_cannot_record_the_caller_spells(
    server: FastAgiServer, pb: Phonebook
) -> None:
    await people(pb)
    phone = WriteFailingPhone(keys=["25423", ""])
    await call(server, phone)
    assert phone.recorded  # it tried, Asterisk answered (writefile), the keypad took over
    assert phone.variables["PB_CALLEE_NAME"] == "Alice Martin"


class WriteFailingPhone(SpeakingPhone):
    def answer(self, line: bytes) -> list[bytes]:
        if line.startswith(b"RECORD FILE"):
            self.recorded.append(line.decode())
            return [b"200 result=-1 (writefile)\n"]
        return super().answer(line)


async def test_silence_is_no_input_and_the_caller_is_asked_again(
    server: FastAgiServer, pb: Phonebook
) -> None:
    await people(pb)
    phone = SpeakingPhone(keys=[], utterances=[b"", b"", b""])  # says nothing, three times
    await call(server, phone)
    assert len(phone.recorded) == 3
    assert phone.variables["PB_RESULT"] == "no-input"
    assert sum("pb-no-input" in p for p in phone.played) == 3


async def test_the_grammar_is_kept_until_the_phonebook_changes(
    pb: Phonebook, recognizer: SphinxRecognizer, tmp_path: Path
) -> None:
    ids = await people(pb)
    spoken = SpokenNames(recognizer, tmp_path)
    first = await spoken.grammar_for(pb, ids["caller"])
    assert await spoken.grammar_for(pb, ids["caller"]) is first  # nothing changed: reused
    dora = await pb.accounts.register("Dora Quist", "+12025550177", None)
    friends = await pb.circles.create(dora.id, "friends")
    await pb.circles.add_member(dora.id, friends.id, CALLER)
    await pb.cards.add(dora.id, "phone", "mobile", "+12025550178", {friends.id: "callable"})
    changed = await spoken.grammar_for(pb, ids["caller"])
    assert "dora quist" in changed.phrases and "dora quist" not in first.phrases


@dataclass
class MortalPhone(SpeakingPhone):
    """After a hang-up: the HANGUP notice before the next reply (once), then 511 for channel
    commands; SET/GET VARIABLE still work (the captures)."""

    dead: bool = False
    notified: bool = False

    def after_hangup(self, line: bytes) -> list[bytes]:
        self.recorded.append(line.decode().rstrip("\n"))
        notice = [] if self.notified else [b"HANGUP\n"]
        self.notified = True
        if line.startswith((b"SET VARIABLE", b"GET VARIABLE")):
            return [*notice, *Phone.answer(self, line)]
        return [*notice, b"511 Command Not Permitted on a dead channel or intercept routine\n"]


@dataclass
class HangingUpPhone(MortalPhone):
    """The caller speaks, then hangs up before the silence ends the recording: res_agi has
    written part of the utterance and answers "(hangup)"."""

    def answer(self, line: bytes) -> list[bytes]:
        if self.dead:
            return self.after_hangup(line)
        if line.startswith(b"RECORD FILE"):
            path = line.decode().split(" ")[2]
            Path(path + ".sln").write_bytes(b"\x01\x00" * 4000)  # half a second of voice
            self.recorded.append(line.decode())
            self.dead = True
            return [b"200 result=-1 (hangup) endpos=4000\n"]
        return super().answer(line)


async def test_a_caller_who_hangs_up_while_recorded_leaves_no_recording(
    server: FastAgiServer, pb: Phonebook, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    phone = HangingUpPhone(keys=[])
    await call(server, phone)
    assert phone.recorded[0].startswith("RECORD FILE")
    assert phone.variables["PB_RESULT"] == "hangup"
    assert not list((tmp_path / "recordings").iterdir())  # the voice is gone, as promised
    assert "writable" not in caplog.text  # not mistaken for a folder problem


@dataclass
class BeepPhone(MortalPhone):
    """RECORD FILE's beep (res_agi handle_recordfile): a key pressed during the beep answers
    "(randomerror)" with that key; a missing beep sound answers -1 "(randomerror)" on a live
    channel; a hang-up during the beep answers the same, then the channel is dead."""

    during_beep: str = "key"  # "key", "missing" or "hangup"

    def answer(self, line: bytes) -> list[bytes]:
        text = line.decode().rstrip("\n")
        if self.dead:
            return self.after_hangup(line)
        if text == "CHANNEL STATUS":
            self.recorded.append(text)
            return [b"200 result=6\n"]
        if text.startswith("RECORD FILE") and text.endswith("BEEP s=2"):
            self.recorded.append(text)
            if self.during_beep == "key":
                return [f"200 result={ord('2')} (randomerror) endpos=0\n".encode()]
            self.dead = self.during_beep == "hangup"
            return [b"200 result=-1 (randomerror) endpos=0\n"]
        return super().answer(line)


async def test_a_key_during_the_beep_is_kept(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    phone = BeepPhone(keys=["5423", ""])  # '2' during the beep, then L-I-C-E
    await call(server, phone)
    assert phone.variables["PB_CALLEE_NAME"] == "Alice Martin"
    assert "writable" not in caplog.text


async def test_a_hang_up_during_the_beep_is_a_hang_up(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    phone = BeepPhone(keys=[], during_beep="hangup")
    await call(server, phone)
    assert phone.recorded[1] == "CHANNEL STATUS"  # the probe, answered HANGUP + 511
    assert phone.variables["PB_RESULT"] == "hangup"
    assert "writable" not in caplog.text and "beep" not in caplog.text


async def test_without_a_beep_sound_the_name_is_recorded_without_it(
    server: FastAgiServer, pb: Phonebook, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    said = await telephone_speech("zhang wei", tmp_path)
    phone = BeepPhone(keys=[""], utterances=[said], during_beep="missing")
    await call(server, phone)
    beep, probe, again = phone.recorded[:3]
    assert beep.endswith("BEEP s=2") and probe == "CHANNEL STATUS"
    assert again.endswith(" sln 0123456789*# 5000 s=2")  # the same recording, no tone
    assert phone.variables["PB_CALLEE_NAME"] == "张伟"
    (logged,) = [r for r in caplog.records if "'beep'" in r.getMessage()]
    assert logged.levelno == logging.ERROR
    assert not list((tmp_path / "recordings").iterdir())
