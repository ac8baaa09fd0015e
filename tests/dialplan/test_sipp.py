"""dialplan/sipp: the DTMF pcap generator writes exactly the keys asked for as one RTP stream,
and the access-number scenario runs a whole call against a sipp UAS on 127.0.0.1 (no Asterisk
here): INVITE/100/180/200/ACK, the keys over RTP, then BYE from either side."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

from phonebook.names import keypad_digits
from tests.dialplan.sipp_helpers import (
    SCENARIO,
    TEST_UAS,
    Rtp,
    RtpSink,
    free_udp_ports,
    load_generator,
    read_pcap,
    sip_messages,
    sipp,
    spelled,
    stats_row,
    stop,
)

gen = load_generator()
BOB = "262#"  # B-O-B on the keypad, then # ends the name (Bob shares his mobile with Alice)
ALICE = "+12025550101"  # the demo caller: Bob is in Alice's phonebook
ACCESS_NUMBER = "+12025550100"
BYE_WAIT = 'timeout="90000"'  # how long the scenario waits for Asterisk's BYE


def rtp_of(digits: str) -> list[tuple[float, Rtp]]:
    return [(t, Rtp.parse(payload)) for t, payload in read_pcap(gen.pcap_bytes(digits))]


# -- the pcap generator ----------------------------------------------------------------------


@pytest.mark.parametrize("digits", [BOB, "94264#", "0123456789*#ABCD", "55"])
def test_the_pcap_spells_exactly_the_requested_keys(digits: str) -> None:
    packets = [p for _, p in rtp_of(digits)]
    assert spelled(packets) == digits
    assert {p.payload_type for p in packets} == {101}  # as offered in the scenario's SDP


def test_the_keys_form_one_rtp_stream() -> None:
    timed = rtp_of(BOB)
    packets = [p for _, p in timed]
    assert len({p.ssrc for p in packets}) == 1
    assert [b.seq - a.seq for a, b in pairwise(packets)] == [1] * (len(packets) - 1)
    stamps = [p.timestamp for p in packets]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(BOB)  # one timestamp per key: a new event, never a repeat
    times = [t for t, _ in timed]
    assert times == sorted(times)


def test_each_key_is_one_event_with_a_marker_and_three_end_packets() -> None:
    packets = [p for _, p in rtp_of(BOB)]
    for stamp in sorted({p.timestamp for p in packets}):
        event = [p for p in packets if p.timestamp == stamp]
        assert [p.marker for p in event] == [True] + [False] * (len(event) - 1)
        assert [p.end for p in event][-3:] == [True] * 3
        assert not any(p.end for p in event[:-3])
        durations = [p.duration for p in event]
        assert durations == sorted(durations) and durations[0] > 0
        assert len({p.event for p in event}) == 1


def test_keys_are_spaced_so_repeated_keys_stay_apart() -> None:
    timed = rtp_of("55")
    second_start = next(t for t, p in timed if p.marker and t > 0.05)
    first_end = max(t for t, p in timed if p.end and t < second_start)
    assert second_start - first_end >= 0.2


@pytest.mark.parametrize("bad", ["", "2x6", "26 2"])
def test_anything_but_dtmf_keys_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        gen.pcap_bytes(bad)


def test_the_command_line_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "dtmf.pcap"
    assert gen.main([BOB, str(out)]) == 0
    packets = [Rtp.parse(payload) for _, payload in read_pcap(out.read_bytes())]
    assert spelled(packets) == BOB


def test_the_demo_digits_spell_bob() -> None:
    assert keypad_digits("bob") + "#" == BOB


# -- the scenario ----------------------------------------------------------------------------


def test_the_scenario_offers_the_event_payload_type_and_plays_dtmf_pcap() -> None:
    root = ET.parse(SCENARIO).getroot()
    plays = [e.get("play_pcap_audio") for e in root.iter("exec")]
    assert plays == ["dtmf.pcap"]
    invite = next(s.text or "" for s in root.iter("send") if "INVITE sip:" in (s.text or ""))
    assert "m=audio [media_port] RTP/AVP 0 101" in invite
    assert "a=rtpmap:101 telephone-event/8000" in invite
    assert "From:" in invite and "<sip:[caller]@" in invite  # the caller ID the bridge sees
    assert SCENARIO.read_text().count(BYE_WAIT) == 1


needs_sipp = pytest.mark.skipif(
    shutil.which("sipp") is None,
    reason="sipp not installed (Debian package sip-tester; scripts/install-system-deps installs it)",
)


def run_call(
    tmp_path: Path, uas_args: list[str], scenario_text: str
) -> tuple[int, int, list[bytes]]:
    """One call: our scenario (as UAC) against a sipp UAS, both on 127.0.0.1. Returns the exit
    codes of UAC and UAS and the RTP datagrams that reached the UAS's advertised media port."""
    # The scenario and its dtmf.pcap side by side, as an operator has them; sipp looks for the
    # pcap next to the scenario first.
    (tmp_path / "uac.xml").write_text(scenario_text)
    (tmp_path / "dtmf.pcap").write_bytes(gen.pcap_bytes(BOB))
    sip, media = free_udp_ports(2), free_udp_ports(10)
    rtp_port, uas_media, uac_media = media, media + 4, media + 8
    sink = RtpSink.start(rtp_port)
    uas = subprocess.Popen(
        sipp(
            [*uas_args, "-p", str(sip), "-mp", str(uas_media), "-key", "rtp_port", str(rtp_port)],
            tmp_path,
            "uas",
        ),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        uac = subprocess.run(
            [
                *sipp(["-sf", str(tmp_path / "uac.xml")], tmp_path, "uac"),
                *["-s", ACCESS_NUMBER, "-key", "caller", ALICE],
                *["-p", str(sip + 1), "-mp", str(uac_media), f"127.0.0.1:{sip}"],
            ],
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
        )
        uas_code = uas.wait(timeout=30)
    finally:
        stop(uas)
        received = sink.stop()
    return uac.returncode, uas_code, received


def uac_messages(tmp_path: Path) -> list[tuple[str, str]]:
    """(direction, request method or full status line) of each message the UAC traced."""
    return [
        (direction, line if line.startswith("SIP/2.0") else line.split()[0])
        for direction, line in sip_messages((tmp_path / "uac-messages.log").read_text())
    ]


def uac_errors(tmp_path: Path) -> str:
    log = tmp_path / "uac-errors.log"
    return log.read_text(errors="replace") if log.exists() else "(no sipp error log)"


@needs_sipp
def test_a_call_where_asterisk_hangs_up(tmp_path: Path) -> None:
    """The usual end: the bridge's flow finishes and Asterisk sends BYE; we answer 200."""
    uas = ["-sf", str(TEST_UAS), "-d", "4500"]  # hang up once the keys are in
    uac_code, uas_code, rtp = run_call(tmp_path, uas, SCENARIO.read_text())

    assert (uac_code, uas_code) == (0, 0), uac_errors(tmp_path)
    assert uac_messages(tmp_path) == [
        ("sent", "INVITE"),
        ("received", "SIP/2.0 100 Trying"),
        ("received", "SIP/2.0 180 Ringing"),
        ("received", "SIP/2.0 200 OK"),
        ("sent", "ACK"),
        ("received", "BYE"),
        ("sent", "SIP/2.0 200 OK"),
    ]
    first_lines = [line for _, line in sip_messages((tmp_path / "uac-messages.log").read_text())]
    assert first_lines[0].startswith(f"INVITE sip:{ACCESS_NUMBER}@127.0.0.1:")  # -s
    assert first_lines[5].startswith(f"BYE sip:{ALICE}@127.0.0.1:")  # our Contact: -key caller
    assert spelled([Rtp.parse(d) for d in rtp]) == BOB  # the keys crossed as RFC 4733 events
    stats = stats_row((tmp_path / "uac-stats.csv").read_text())
    assert (stats["SuccessfulCall(C)"], stats["FailedCall(C)"]) == ("1", "0")


@needs_sipp
def test_a_call_where_the_caller_hangs_up(tmp_path: Path) -> None:
    """Asterisk keeps the call up (say the callee answered): after the wait we send BYE.
    sipp's stock UAS never hangs up; the 90 s wait is shortened so the test stays quick."""
    scenario = SCENARIO.read_text().replace(BYE_WAIT, 'timeout="3000"')
    uac_code, uas_code, _ = run_call(tmp_path, ["-sn", "uas"], scenario)

    assert (uac_code, uas_code) == (0, 0), uac_errors(tmp_path)
    assert uac_messages(tmp_path) == [
        ("sent", "INVITE"),
        ("received", "SIP/2.0 180 Ringing"),
        ("received", "SIP/2.0 200 OK"),
        ("sent", "ACK"),
        ("sent", "BYE"),
        ("received", "SIP/2.0 200 OK"),
    ]
