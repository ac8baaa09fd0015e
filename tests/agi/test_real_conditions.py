"""The access number and click-to-call under the conditions seen on a real Asterisk 22: sound
files that are not installed, callers who hang up mid-prompt, the caller ID the callee sees,
the talk time in the call log, the caller's language. The scripted Asterisk answers as res_agi
does (res/res_agi.c): a missing file is "200 result=-1 endpos=0" on a live channel; after a
hang-up the next command gets the HANGUP notice, then 511 for channel commands."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bridge.access import AccessNumber, ConnectLeg, Outcome
from bridge.agi.server import FastAgiServer
from bridge.prompts import NameVoice, name_file_id
from phonebook.app import Phonebook
from tests.agi.peer import Peer, Step, env_block
from tests.agi.test_access_number import CALLER, Phone, people

DEAD = b"511 Command Not Permitted on a dead channel or intercept routine\n"
PLAYING = ("STREAM FILE", "SAY ALPHA", "SAY DIGITS", "GET DATA", "CHANNEL STATUS", "RECORD FILE")


@dataclass
class Asterisk(Phone):
    """The caller's phone as res_agi reports it, with sound files that may be missing and a
    caller who may hang up while a given command runs."""

    missing: set[str] = field(default_factory=set)  # sound names Asterisk cannot open
    hang_up_during: str | None = None  # the caller hangs up while this command runs
    dead: bool = False
    notified: bool = False
    commands: list[str] = field(default_factory=list)

    def answer(self, line: bytes) -> list[bytes]:
        text = line.decode().rstrip("\n")
        self.commands.append(text)
        if self.dead:
            notice = [] if self.notified else [b"HANGUP\n"]
            self.notified = True
            if text.startswith(PLAYING):
                return [*notice, DEAD]
            return [*notice, *super().answer(line)]  # SET/GET VARIABLE work on a dead channel
        if self.hang_up_during and text.startswith(self.hang_up_during):
            self.dead = True
            return [b"200 result=-1 endpos=2400\n"]
        if text == "CHANNEL STATUS":
            return [b"200 result=6\n"]  # AST_STATE_UP
        if text.startswith("STREAM FILE"):
            name = text.split(" ")[2]
            if name in self.missing or name.rsplit("/", 1)[0] + "/" in self.missing:
                return [b"200 result=-1 endpos=0\n"]  # handle_streamfile: ast_openstream failed
        return super().answer(line)


@pytest.fixture
async def server(pb: Phonebook, tmp_path: Path) -> AsyncIterator[FastAgiServer]:
    voice = NameVoice(tmp_path / "names")
    handlers = {
        "access": AccessNumber(pb, voice),
        "access-presenting": AccessNumber(pb, voice, present_number=True),
        "connect": ConnectLeg(pb),
        "outcome": Outcome(pb),
    }
    server = FastAgiServer(handlers, host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop(drain_s=1)


async def call(server: FastAgiServer, phone: Asterisk, script: str = "access", **env: str) -> None:
    env.setdefault("agi_callerid", CALLER)
    peer = Peer(env_block(agi_network_script=script, **env), [Step(None, phone.answer)] * 200)
    await peer.call(server.bound_port)


async def test_a_missing_prompt_is_skipped_and_logged_once(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    for _ in range(2):  # two calls, one log line
        phone = Asterisk(["25423", ""], missing={"phonebridge/pb-welcome"})
        await call(server, phone)
        assert phone.variables["PB_RESULT"] == "dial"  # the call went on past the missing file
        assert phone.variables["PB_DIAL_NUMBER"] == "12025550111"
        i = phone.commands.index("STREAM FILE phonebridge/pb-welcome 0123456789*#")
        assert phone.commands[i + 1] == "CHANNEL STATUS"  # the probe: up, so a missing file
    missing = [r for r in caplog.records if "phonebridge/pb-welcome" in r.getMessage()]
    assert len(missing) == 1 and missing[0].levelno == logging.ERROR
    assert "FastAGI access ended: hangup" not in caplog.text


async def test_a_missing_spoken_name_is_spelled(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    await people(pb)
    phone = Asterisk(["25423", ""], missing={"phonebridge/names/"})
    await call(server, phone)
    assert phone.variables["PB_RESULT"] == "dial"
    name = f"phonebridge/names/{name_file_id('Alice Martin')}"
    assert f"STREAM FILE {name} 0123456789*#" in phone.commands  # spoken file tried first
    assert "SAY ALPHA alicemartin 0123456789*#" in phone.commands  # then spelled
    assert any(r.levelno == logging.ERROR and "names/" in r.getMessage() for r in caplog.records)


async def test_keys_are_read_without_any_sound_file(server: FastAgiServer, pb: Phonebook) -> None:
    """GET DATA with an empty prompt plays nothing (main/app.c ast_app_getdata_full), so a
    missing core silence/1 can no longer end the call."""
    await people(pb)
    phone = Asterisk(["25423", ""], missing={"silence/1"})
    await call(server, phone)
    assert 'GET DATA "" 6000 20' in phone.commands
    assert not any("silence" in c for c in phone.commands)
    assert phone.variables["PB_RESULT"] == "dial"


async def test_a_caller_hanging_up_mid_prompt_is_a_hangup_not_a_missing_file(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await people(pb)
    phone = Asterisk(["25423", ""], hang_up_during="STREAM FILE phonebridge/pb-calling")
    await call(server, phone)
    assert phone.variables["PB_RESULT"] == "hangup"
    assert "PB_DIAL_NUMBER" not in phone.variables  # nothing is dialled for a caller who left
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await pb.calls.log(ids["caller"]) == []  # nothing was placed either


async def test_the_callee_is_shown_the_callers_name_and_the_chosen_number(
    server: FastAgiServer, pb: Phonebook
) -> None:
    await people(pb)
    phone = Asterisk(["25423", ""])
    await call(server, phone)
    assert phone.variables["PB_CALLER_NAME"] == "Carl Caller"  # not the callee's own name
    assert phone.variables["PB_CALLER_NUMBER"] == ""  # the dialplan shows PB_ACCESS_NUMBER
    presenting = Asterisk(["25423", ""])
    await call(server, presenting, script="access-presenting")
    assert presenting.variables["PB_CALLER_NUMBER"] == CALLER  # the verified number, E.164


async def test_a_chinese_speaking_caller_hears_the_zh_prompts(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)
    await pb.languages.set(ids["caller"], "zh")
    phone = Asterisk(["942640934", ""])
    await call(server, phone)
    first_prompt = next(i for i, c in enumerate(phone.commands) if c.startswith("STREAM FILE"))
    assert phone.commands[first_prompt - 1] == "SET VARIABLE CHANNEL(language) zh"
    assert phone.variables["PB_RESULT"] == "dial"
    english = Asterisk(["25423", ""])  # the default: the channel's language is left alone
    await pb.languages.set(ids["caller"], "en")
    await call(server, english)
    assert not any("CHANNEL(language)" in c for c in english.commands)


async def test_click_to_call_revoked_grant_is_explained_in_the_callers_language(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)
    await pb.languages.set(ids["caller"], "zh")
    placed, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
    phone = Asterisk([])
    await call(server, phone, script="connect", agi_arg_1=placed.id)
    assert phone.variables == {"CHANNEL(language)": "zh", "PB_RESULT": "unavailable"}
    assert phone.played == [
        'STREAM FILE phonebridge/pb-unavailable ""',
        'STREAM FILE phonebridge/pb-goodbye ""',
    ]
    done = await pb.calls.get(ids["caller"], placed.id)
    assert done.status.value == "failed"


async def test_click_to_call_presents_the_caller_and_records_talk_time(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)
    placed, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    phone = Asterisk([])
    await call(server, phone, script="connect", agi_arg_1=placed.id)
    assert phone.variables["PB_RESULT"] == "dial"
    assert phone.variables["PB_CALLER_NAME"] == "Carl Caller"
    # the menu took 50 s, the callee answered at ...800 and hung up 42 s later
    await call(
        server,
        Asterisk([]),
        script="outcome",
        agi_arg_1=placed.id,
        agi_arg_2="ANSWER",
        agi_arg_3="1795463800",
        agi_arg_4="1795463842",
    )
    done = await pb.calls.get(ids["caller"], placed.id)
    assert (done.status.value, done.reason) == ("completed", "DIALSTATUS=ANSWER answered=42s")


async def test_an_unanswered_call_has_no_talk_time(server: FastAgiServer, pb: Phonebook) -> None:
    ids = await people(pb)
    placed, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    await call(server, Asterisk([]), script="connect", agi_arg_1=placed.id)
    await call(
        server,
        Asterisk([]),
        script="outcome",
        agi_arg_1=placed.id,
        agi_arg_2="BUSY",
        agi_arg_3="",  # ${SHARED(PB_ANSWERED_AT)} is empty: nobody answered
        agi_arg_4="1795463842",
    )
    done = await pb.calls.get(ids["caller"], placed.id)
    assert (done.status.value, done.reason) == ("busy", "DIALSTATUS=BUSY")
