"""The byte-exact transcripts recorded from a real Asterisk 22, kept in the repository under
tests/fixtures/asterisk-captures (a copy of ../shared/asterisk-captures, byte for byte)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

CAPTURES = Path(__file__).resolve().parent / "fixtures" / "asterisk-captures"


@dataclass
class AgiExchange:
    command: bytes  # what the FastAGI server sent
    replies: list[bytes]  # what Asterisk sent back before the next command (may be HANGUP + reply)


@dataclass
class AgiScenario:
    name: str
    environment: bytes  # the agi_* block, with its empty line
    exchanges: list[AgiExchange] = field(default_factory=list)


def agi_scenarios() -> dict[str, AgiScenario]:
    """Every FastAGI scenario of fastagi-session.txt and fastagi-sipp-session.txt."""
    scenarios: dict[str, AgiScenario] = {}
    for name in ("fastagi-session.txt", "fastagi-sipp-session.txt"):
        text = (CAPTURES / name).read_text()
        for block in re.split(r"^SCENARIO ", text, flags=re.M)[1:]:
            title = block.split(":", 1)[0].strip()
            transcript = block.split("--- full FastAGI transcript ---", 1)[1]
            transcript = transcript.split("--- environment block", 1)[0]
            scenario = AgiScenario(title, b"")
            for line in transcript.splitlines():
                m = re.match(r"^\+\s*[\d.]+\s+(<<<|>>>) (b'.*')$", line)
                if not m:
                    continue
                data = ast.literal_eval(m.group(2))
                if m.group(1) == ">>>":
                    scenario.exchanges.append(AgiExchange(data, []))
                elif scenario.exchanges:
                    scenario.exchanges[-1].replies.append(data)
                else:
                    scenario.environment += data
            scenarios[title] = scenario
    return scenarios


@dataclass
class AmiBlock:
    direction: str  # "SEND" (client → Asterisk), "RECV" (Asterisk → client) or "EOF"
    data: bytes


def ami_transcript(name: str) -> list[AmiBlock]:
    """An ami-*.txt transcript as blocks of exact bytes (CRLF kept)."""
    raw = (CAPTURES / f"{name}.txt").read_bytes()
    blocks = []
    for match in re.finditer(
        rb"^### \+[\d.]+ (SEND|RECV) (\d+) bytes\n|^### \+[\d.]+ (EOF)", raw, re.M
    ):
        if match.group(3):
            blocks.append(AmiBlock("EOF", b""))
            continue
        size = int(match.group(2))  # the marker says how many exact bytes follow
        blocks.append(AmiBlock(match.group(1).decode(), raw[match.end() : match.end() + size]))
    return blocks
