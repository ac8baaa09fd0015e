#!/usr/bin/env python3
"""Write a pcap of RFC 4733 DTMF (RTP telephone-event) packets that spells DIGITS, for sipp's
play_pcap_audio.

Why not sipp's stock dtmf_2833_*.pcap files: each one restarts the same RTP timestamp, so when
they are replayed one after the other Asterisk takes the later digits for repeats of the first
and drops them. Here every digit is one event of a single RTP stream: one SSRC, sequence numbers
+1 per packet, and a new timestamp per event, so Asterisk receives each digit exactly once.

Usage: make_dtmf_pcap.py DIGITS OUT.pcap   (e.g. make_dtmf_pcap.py 262# bob.pcap)
Standard library only, so operators can run it next to sipp without installing anything.
"""

from __future__ import annotations

import argparse
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

EVENT_CODES = {
    **{str(d): d for d in range(10)},
    "*": 10,
    "#": 11,
    **{c: 12 + i for i, c in enumerate("ABCD")},
}

CLOCK_HZ = 8000  # telephone-event/8000, as offered in the scenario's SDP
PACKET_MS = 20  # one packet per 20 ms, like a phone (ptime 20)
END_REPEATS = 3  # RFC 4733 2.5.1.4: the end packet is sent three times

# sipp only uses the UDP payload and rewrites addresses and ports to the call's media
# addresses; these placeholders just make a well-formed Ethernet/IPv4/UDP frame.
SRC_IP, DST_IP = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])
SRC_PORT, DST_PORT = 6000, 6000
LINKTYPE_ETHERNET = 1


@dataclass(frozen=True)
class DtmfStream:
    """How the digits are sent; the defaults are what the scenario and Asterisk expect."""

    payload_type: int = 101  # telephone-event PT offered in the scenario's SDP
    ssrc: int = 0x50420001
    tone_ms: int = 160  # how long each key is "held"
    gap_ms: int = 240  # silence between keys (Asterisk needs a gap to see two equal keys)
    volume: int = 10  # -10 dBm0
    first_seq: int = 1000
    first_timestamp: int = 160_000


@dataclass(frozen=True)
class RtpPacket:
    at_ms: int  # send time relative to the first packet (sipp replays these gaps)
    seq: int
    timestamp: int
    marker: bool
    event: int
    end: bool
    volume: int
    duration: int  # in timestamp units since the event's timestamp
    payload_type: int
    ssrc: int

    def to_bytes(self) -> bytes:
        header = struct.pack(
            "!BBHII",
            0x80,  # version 2, no padding, no extension, no CSRC
            (0x80 if self.marker else 0) | self.payload_type,
            self.seq & 0xFFFF,
            self.timestamp & 0xFFFFFFFF,
            self.ssrc,
        )
        flags = (0x80 if self.end else 0) | (self.volume & 0x3F)
        return header + struct.pack("!BBH", self.event, flags, self.duration)


def event_code(digit: str) -> int:
    try:
        return EVENT_CODES[digit.upper()]
    except KeyError:
        raise ValueError(f"not a DTMF key: {digit!r} (use 0-9, *, #, A-D)") from None


def rtp_packets(digits: str, stream: DtmfStream = DtmfStream()) -> Iterator[RtpPacket]:
    """One telephone event per digit: progress packets every 20 ms until the key is released,
    then the end packet three times. Every packet gets the next sequence number; all packets
    of one event share its timestamp (RFC 4733 2.5.1.1), and each event starts later than the
    one before."""
    if not digits:
        raise ValueError("no digits to send")
    codes = [event_code(d) for d in digits]
    samples_per_ms = CLOCK_HZ // 1000
    steps = max(1, stream.tone_ms // PACKET_MS)
    seq, at_ms, timestamp = stream.first_seq, 0, stream.first_timestamp
    for code in codes:
        for step in range(1, steps + END_REPEATS):
            end = step >= steps  # the packet at full length is the first of the three ends
            duration = min(step, steps) * PACKET_MS * samples_per_ms
            yield RtpPacket(
                at_ms=at_ms + min(step, steps) * PACKET_MS,
                seq=seq,
                timestamp=timestamp,
                marker=step == 1,
                event=code,
                end=end,
                volume=stream.volume,
                duration=duration,
                payload_type=stream.payload_type,
                ssrc=stream.ssrc,
            )
            seq += 1
        at_ms += stream.tone_ms + stream.gap_ms
        timestamp += (stream.tone_ms + stream.gap_ms) * samples_per_ms


def _ipv4_checksum(header: bytes) -> int:
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet_frame(rtp: bytes) -> bytes:
    """Wrap an RTP packet in Ethernet/IPv4/UDP, the framing sipp's pcap player reads."""
    udp = struct.pack("!HHHH", SRC_PORT, DST_PORT, 8 + len(rtp), 0) + rtp  # UDP checksum optional
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, SRC_IP, DST_IP)
    ip = ip[:10] + struct.pack("!H", _ipv4_checksum(ip)) + ip[12:]
    ethernet = bytes(6) + bytes(6) + struct.pack("!H", 0x0800)
    return ethernet + ip + udp


def pcap_bytes(digits: str, stream: DtmfStream = DtmfStream()) -> bytes:
    """A classic (microsecond) pcap file holding the DTMF stream for digits."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for packet in rtp_packets(digits, stream):
        frame = ethernet_frame(packet.to_bytes())
        seconds, millis = divmod(packet.at_ms, 1000)
        out.append(struct.pack("<IIII", seconds, millis * 1000, len(frame), len(frame)) + frame)
    return b"".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("digits", help="keys to send, e.g. 262# (B-O-B then # to end)")
    parser.add_argument("out", type=Path, help="pcap file to write")
    parser.add_argument("--payload-type", type=int, default=DtmfStream.payload_type)
    parser.add_argument("--tone-ms", type=int, default=DtmfStream.tone_ms)
    parser.add_argument("--gap-ms", type=int, default=DtmfStream.gap_ms)
    args = parser.parse_args(argv)
    stream = DtmfStream(payload_type=args.payload_type, tone_ms=args.tone_ms, gap_ms=args.gap_ms)
    try:
        data = pcap_bytes(args.digits, stream)
    except ValueError as exc:
        parser.error(str(exc))
    args.out.write_bytes(data)
    print(f"wrote {args.out}: {len(args.digits)} key(s) {args.digits}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
