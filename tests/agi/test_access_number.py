"""A caller on the access number, end to end: scripted Asterisk on a real socket → FastAGI
server → call flow → real store (SQLite and PostgreSQL) → the variables handed to the dialplan."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bridge.access import AccessNumber, ConnectLeg, Outcome
from bridge.agi.server import FastAgiServer
from bridge.prompts import NameVoice
from phonebook.app import Phonebook
from phonebook.model import PUBLIC
from tests.agi.peer import Peer, Step, env_block

CALLER = "+12025550100"


@dataclass
class Phone:
    """The caller's side as Asterisk reports it: keys for each GET DATA, silence for prompts."""

    keys: list[str]
    played: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)

    def answer(self, line: bytes) -> list[bytes]:
        text = line.decode().rstrip("\n")
        if text.startswith(("STREAM FILE", "SAY ALPHA", "SAY DIGITS")):
            self.played.append(text)
            return [b"200 result=0 endpos=8000\n"]
        if text.startswith("GET DATA"):
            pressed = self.keys.pop(0) if self.keys else ""
            return [f"200 result={pressed}\n".encode() if pressed else b"200 result= (timeout)\n"]
        if text.startswith("SET VARIABLE"):
            name, value = text[len("SET VARIABLE ") :].split(" ", 1)
            self.variables[name] = value.strip('"')
            return [b"200 result=1\n"]
        return [b"200 result=0\n"]


@pytest.fixture
async def server(pb: Phonebook, tmp_path: Path) -> AsyncIterator[FastAgiServer]:
    handlers = {
        "access": AccessNumber(pb, NameVoice(None)),
        "connect": ConnectLeg(pb),
        "outcome": Outcome(pb),
    }
    server = FastAgiServer(handlers, host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop(drain_s=1)


async def people(pb: Phonebook) -> dict[str, str]:
    ids = {}
    for key, name, phone in [
        ("caller", "Carl Caller", CALLER),
        ("alice", "Alice Martin", "+12025550101"),
        ("zhang", "张伟", "+8613800138000"),
        ("john1", "John Smith", "+12025550103"),
        ("john2", "John Smith", "+12025550104"),
        ("bella", "Bella Blocker", "+12025550105"),
    ]:
        ids[key] = (await pb.accounts.register(name, phone, None)).id
    family = await pb.circles.create(ids["alice"], "family")
    await pb.circles.add_member(ids["alice"], family.id, CALLER)
    ids["family"] = family.id
    ids["mobile"] = (
        await pb.cards.add(ids["alice"], "phone", "mobile", "+12025550111", {family.id: "callable"})
    ).id
    await pb.cards.add(ids["zhang"], "phone", "mobile", "+8613800138001", {PUBLIC: "callable"})
    await pb.cards.add(ids["john1"], "phone", "mobile", "+12025550131", {PUBLIC: "callable"})
    await pb.cards.add(ids["john2"], "phone", "mobile", "+12025550132", {PUBLIC: "callable"})
    await pb.cards.add(ids["bella"], "phone", "mobile", "+12025550151", {PUBLIC: "callable"})
    await pb.circles.block(ids["bella"], CALLER)
    return ids


async def call(
    server: FastAgiServer, *keys: str, caller: str = CALLER, script: str = "access", **env: str
) -> Phone:
    phone = Phone(list(keys))
    peer = Peer(
        env_block(agi_callerid=caller, agi_network_script=script, **env),
        [Step(None, phone.answer)] * 200,
    )
    await peer.call(server.bound_port)
    assert peer.received[0] == b"ANSWER\n" or script != "access"
    return phone


async def test_unique_name_is_connected_through_channel_variables(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)
    phone = await call(server, "25423", "")  # A-L-I-C-E, then let "calling Alice" run
    assert phone.variables["PB_RESULT"] == "dial"
    assert phone.variables["PB_DIAL_NUMBER"] == "12025550111"  # E.164 digits for PJSIP/+…
    assert phone.variables["PB_CALLEE_NAME"] == "Alice Martin"
    assert phone.variables["PB_MAX_SECONDS"] == "3600"
    assert "STREAM FILE phonebridge/pb-calling 0123456789*#" in phone.played
    assert not any("2025550111" in p for p in phone.played)  # the number is never spoken
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.id == phone.variables["PB_CALL_ID"] and logged.status.value == "ringing"


async def test_not_found_three_times(server: FastAgiServer, pb: Phonebook) -> None:
    await people(pb)
    phone = await call(server, "99999", "88888", "77777")
    assert phone.variables == {"PB_RESULT": "not-found"}
    assert sum("pb-not-found" in p for p in phone.played) == 3


async def test_ambiguous_names_get_a_menu(server: FastAgiServer, pb: Phonebook) -> None:
    ids = await people(pb)
    phone = await call(server, "5646076484", "2", "")
    assert phone.variables["PB_RESULT"] == "dial"
    assert "STREAM FILE phonebridge/pb-several 0123456789*#" in phone.played
    assert any(
        p.startswith("SAY ALPHA johnsmith") for p in phone.played
    )  # names spelled without TTS
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.callee_id in (ids["john1"], ids["john2"])


async def test_chinese_name_by_pinyin_keys(server: FastAgiServer, pb: Phonebook) -> None:
    ids = await people(pb)
    phone = await call(server, "942640934", "")
    assert (phone.variables["PB_RESULT"], phone.variables["PB_DIAL_NUMBER"]) == (
        "dial",
        "8613800138001",
    )
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.callee_id == ids["zhang"]


async def test_blocked_caller_hears_not_found(server: FastAgiServer, pb: Phonebook) -> None:
    await people(pb)
    phone = await call(server, "23552", "", "")
    assert (
        phone.variables["PB_RESULT"] in ("not-found", "no-input")
        and "PB_DIAL_NUMBER" not in phone.variables
    )


async def test_grant_revoked_between_lookup_and_connect(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)

    phone = Phone(["25423"])

    async def revoking(line: bytes) -> list[bytes]:
        if line.startswith(b"STREAM FILE phonebridge/pb-calling"):  # Alice changes her mind now
            await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
        return phone.answer(line)

    await Peer(env_block(agi_callerid=CALLER), [Step(None, revoking)] * 50).call(server.bound_port)
    assert phone.variables["PB_RESULT"] == "unavailable" and "PB_DIAL_NUMBER" not in phone.variables


async def test_unknown_caller_is_registered_and_hears_the_code(
    server: FastAgiServer, pb: Phonebook
) -> None:
    phone = await call(server, "", "", "", caller="+12025550177")
    codes = [p.split()[2] for p in phone.played if p.startswith("SAY DIGITS")]
    assert len(codes) == 2 and codes[0] == codes[1] and re.fullmatch(r"\d{6}", codes[0])
    assert (
        await pb.accounts.claim("+12025550177", codes[0], "Nina New", "long-enough")
    ).name == "Nina New"


async def test_withheld_caller_id(server: FastAgiServer, pb: Phonebook) -> None:
    phone = await call(server, caller="anonymous")
    assert phone.variables == {"PB_RESULT": "unknown-caller"}


async def test_click_to_call_connect_leg_and_outcome(server: FastAgiServer, pb: Phonebook) -> None:
    ids = await people(pb)
    placed, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    phone = await call(server, script="connect", agi_arg_1=placed.id)
    assert (phone.variables["PB_RESULT"], phone.variables["PB_DIAL_NUMBER"]) == (
        "dial",
        "12025550111",
    )
    await call(
        server,
        script="outcome",
        agi_arg_1=placed.id,
        agi_arg_2="ANSWER",
        agi_arg_3="1795463800",  # ${SHARED(PB_ANSWERED_AT)}: the callee answered
        agi_arg_4="1795463842",  # ${EPOCH} at the hang-up
    )
    done = await pb.calls.get(ids["caller"], placed.id)
    assert (done.status.value, done.reason) == ("completed", "DIALSTATUS=ANSWER answered=42s")
    again = await call(
        server, script="connect", agi_arg_1=placed.id
    )  # a finished call goes nowhere
    assert again.variables == {"PB_RESULT": "unavailable"}


async def test_no_phone_number_in_info_logs(
    server: FastAgiServer, pb: Phonebook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await people(pb)
    await call(server, "25423", "")
    await call(server, "", "", "", caller="+12025550177")
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "FastAGI access ended: dial" in text
    for number in ("2025550100", "2025550111", "2025550177"):
        assert number not in text
