"""A scripted Asterisk Manager, for tests and benchmarks: on a real socket it replays a
transcript recorded from a real Asterisk 22, sending the captured banner and messages and
checking what the client sends against the captured actions (ActionIDs aside, byte for byte).
``ami_transcript`` reads those transcripts from a captures folder.

It ships with the AMI client it stands in for, so the test suite and ``bench/`` share it
without importing each other. Nothing in the running bridge imports it (a lint-imports
contract says so).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

ORIGINATE_CAPTURE = "ami-originate-success"
_ACTION_ID = re.compile(rb"ActionID: ([^\r\n]*)")
_BLOCK_MARK = re.compile(rb"^### \+[\d.]+ (SEND|RECV) (\d+) bytes\n|^### \+[\d.]+ (EOF)", re.M)


@dataclass
class AmiBlock:
    direction: str  # "SEND" (client → Asterisk), "RECV" (Asterisk → client) or "EOF"
    data: bytes


def ami_transcript(captures: Path, name: str) -> list[AmiBlock]:
    """The transcript ``name`` (``captures/<name>.txt``) as blocks of exact bytes (CRLF kept)."""
    raw = (captures / f"{name}.txt").read_bytes()
    blocks = []
    for match in _BLOCK_MARK.finditer(raw):
        if match.group(3):
            blocks.append(AmiBlock("EOF", b""))
            continue
        size = int(match.group(2))  # the marker says how many exact bytes follow
        blocks.append(AmiBlock(match.group(1).decode(), raw[match.end() : match.end() + size]))
    return blocks


def normalise(data: bytes) -> bytes:
    return _ACTION_ID.sub(b"ActionID: *", data)


async def read_action(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


@dataclass
class ReplayPeer:
    blocks: list[AmiBlock]
    received: list[bytes] = field(default_factory=list)
    mismatches: list[tuple[bytes, bytes]] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ids: dict[bytes, bytes] = {}  # captured ActionID → the client's
        try:
            for block in self.blocks:
                if block.direction == "EOF":
                    break
                if block.direction == "SEND":
                    sent = await read_action(reader)
                    self.received.append(sent)
                    if normalise(sent) != normalise(block.data):
                        self.mismatches.append((block.data, sent))
                    captured, actual = _ACTION_ID.search(block.data), _ACTION_ID.search(sent)
                    if captured and actual:
                        ids[captured.group(1)] = actual.group(1)
                    continue
                data = _ACTION_ID.sub(
                    lambda m: b"ActionID: " + ids.get(m.group(1), m.group(1)), block.data
                )
                writer.write(data)
                await writer.drain()
            else:  # keep answering like Asterisk until the client leaves
                while True:
                    self.received.append(await read_action(reader))
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()


def captured_originate_replies(captures: Path) -> tuple[bytes, bytes]:
    """Asterisk's two answers to the captured Async Originate (ActionID t1), byte for byte:
    "Originate successfully queued", then the OriginateResponse event."""
    queued = outcome = b""
    for block in ami_transcript(captures, ORIGINATE_CAPTURE):
        if block.direction != "RECV" or b"ActionID: t1\r\n" not in block.data:
            continue
        if block.data.startswith(b"Response: Success\r\n"):
            queued = block.data
        elif block.data.startswith(b"Event: OriginateResponse\r\n"):
            outcome = block.data
    if not (queued and outcome):
        raise ValueError(f"{captures / ORIGINATE_CAPTURE} lacks the Originate answers")
    return queued, outcome


def for_action(captured: bytes, action_id: bytes) -> bytes:
    """A captured message answering ``action_id`` instead of the capture's own ActionID."""
    return _ACTION_ID.sub(lambda _: b"ActionID: " + action_id, captured, count=1)
