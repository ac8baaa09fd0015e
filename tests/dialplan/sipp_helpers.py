"""Helpers for test_sipp: load the pcap generator, read pcap/RTP back with `struct`, read sipp's
message trace, and run sipp bounded on loopback."""

from __future__ import annotations

import importlib.util
import random
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

SIPP_DIR = Path(__file__).resolve().parents[2] / "dialplan" / "sipp"
SCENARIO = SIPP_DIR / "uac_access_dtmf.xml"
TEST_UAS = Path(__file__).resolve().parent / "sipp_uas_hangs_up.xml"
KEYS = "0123456789*#ABCD"  # RFC 4733 event codes 0..15, in order


def load_generator() -> ModuleType:
    """dialplan/sipp is operator tooling, not a package: import the script by path."""
    spec = importlib.util.spec_from_file_location("make_dtmf_pcap", SIPP_DIR / "make_dtmf_pcap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Rtp:
    seq: int
    timestamp: int
    ssrc: int
    marker: bool
    payload_type: int
    event: int
    end: bool
    duration: int

    @classmethod
    def parse(cls, data: bytes) -> Rtp:
        first, second, seq, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
        assert first >> 6 == 2, "not RTP version 2"
        assert len(data) == 16, "a telephone-event payload is 4 bytes"
        event, flags, duration = struct.unpack("!BBH", data[12:16])
        return cls(
            seq,
            timestamp,
            ssrc,
            bool(second & 0x80),
            second & 0x7F,
            event,
            bool(flags & 0x80),
            duration,
        )


def read_pcap(data: bytes) -> list[tuple[float, bytes]]:
    """(seconds, UDP payload) per packet of a classic little-endian Ethernet/IPv4 pcap."""
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4 and linktype == 1, "expected a microsecond pcap of Ethernet frames"
    packets, offset = [], 24
    while offset < len(data):
        seconds, micros, caplen, _ = struct.unpack("<IIII", data[offset : offset + 16])
        frame = data[offset + 16 : offset + 16 + caplen]
        offset += 16 + caplen
        assert struct.unpack("!H", frame[12:14])[0] == 0x0800, "not IPv4"
        ihl = (frame[14] & 0x0F) * 4
        assert frame[14 + 9] == 17, "not UDP"
        udp = frame[14 + ihl :]
        udp_len = struct.unpack("!H", udp[4:6])[0]
        packets.append((seconds + micros / 1e6, udp[8:udp_len]))
    return packets


def spelled(packets: list[Rtp]) -> str:
    """The keys a receiver sees: one per event (RTP timestamp), taken from its end packets."""
    keys: dict[int, int] = {}
    for p in packets:
        if p.end:
            keys.setdefault(p.timestamp, p.event)
    return "".join(KEYS[code] for _, code in sorted(keys.items()))


def sip_messages(trace: str) -> list[tuple[str, str]]:
    """("sent" | "received", first line) for each message in a sipp -trace_msg log."""
    found: list[tuple[str, str]] = []
    blocks = trace.split("----------------------------------------------- ")[1:]
    for block in blocks:
        lines = block.splitlines()
        direction = "sent" if "message sent" in lines[1] else "received"
        start = next(line for line in lines[2:] if line.strip())
        found.append((direction, start.strip()))
    return found


def stats_row(stats_csv: str) -> dict[str, str]:
    """The last row of a sipp -trace_stat file, by column name (cumulative counters end in (C))."""
    rows = [line.rstrip(";").split(";") for line in stats_csv.splitlines() if line.strip()]
    return dict(zip(rows[0], rows[-1], strict=False))


def free_udp_ports(count: int) -> int:
    """First of `count` consecutive free UDP ports on 127.0.0.1 (sipp binds media port and +2)."""
    for _ in range(200):
        base = random.randrange(20000, 60000, 2)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free UDP ports on 127.0.0.1")


@dataclass
class RtpSink:
    """Plays Asterisk's media port: collects every UDP datagram sent to it."""

    sock: socket.socket
    received: list[bytes] = field(default_factory=list)
    _thread: threading.Thread | None = None

    @classmethod
    def start(cls, port: int) -> RtpSink:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", port))
        sock.settimeout(0.2)
        sink = cls(sock)
        sink._thread = threading.Thread(target=sink._run, daemon=True)
        sink._thread.start()
        return sink

    def _run(self) -> None:
        while True:
            try:
                self.received.append(self.sock.recv(2048))
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return

    def stop(self) -> list[bytes]:
        self.sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return self.received


def sipp(args: list[str], cwd: Path, name: str) -> list[str]:
    """A bounded sipp command line on loopback with message trace, errors and stats in cwd."""
    return [
        "sipp",
        *args,
        "-i", "127.0.0.1",
        "-mi", "127.0.0.1",
        "-m", "1",
        "-timeout", "40s",
        "-nostdin",
        "-trace_msg", "-message_file", str(cwd / f"{name}-messages.log"),
        "-trace_err", "-error_file", str(cwd / f"{name}-errors.log"),
        "-trace_stat", "-stf", str(cwd / f"{name}-stats.csv"),
    ]  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    """Never leave a sipp behind, even when an assertion failed first."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
