"""A scripted Asterisk for FastAGI, for tests and benchmarks: it connects to the server over
real TCP, sends an environment block, checks every command byte for byte and answers as the
script says. ``agi_scenarios`` reads the FastAGI sessions recorded from a real Asterisk 22, so
a script can replay them exactly.

It ships with the FastAGI server it stands in for, so the test suite and ``bench/`` share it
without importing each other. Nothing in the running bridge imports it (a lint-imports
contract says so).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

Answer = list[bytes] | Callable[[bytes], list[bytes] | Awaitable[list[bytes]]]

SESSION_CAPTURES = ("fastagi-session.txt", "fastagi-sipp-session.txt")
_WIRE_LINE = re.compile(r"^\+\s*[\d.]+\s+(<<<|>>>) (b'.*')$")


@dataclass
class Step:
    expect: bytes | None  # None: accept any command
    replies: Answer
    delay_s: float = 0.0


@dataclass
class Peer:
    environment: bytes
    steps: list[Step]
    received: list[bytes] = field(default_factory=list)
    mismatches: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    after_script: bytes = b"200 result=1\n"  # e.g. the server's closing SET VARIABLE
    closed_by_server: bool = False

    async def call(self, port: int, *, chunk: int | None = None) -> Peer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await _send(writer, self.environment, chunk)
        steps = iter(self.steps)
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 10)
                if not line:
                    self.closed_by_server = True
                    break
                self.received.append(line)
                step = next(steps, None)
                if step is None:
                    await _send(writer, self.after_script, chunk)
                    continue
                if step.expect is not None and step.expect != line:
                    self.mismatches.append((step.expect, line))
                await asyncio.sleep(step.delay_s)
                replies = step.replies(line) if callable(step.replies) else step.replies
                if inspect.isawaitable(replies):
                    replies = await replies
                for reply in replies:
                    await _send(writer, reply, chunk)
        finally:
            writer.close()
        return self


async def _send(writer: asyncio.StreamWriter, data: bytes, chunk: int | None) -> None:
    if chunk is None:
        writer.write(data)
        await writer.drain()
        return
    for i in range(0, len(data), chunk):  # split writes: UTF-8 may straddle TCP segments
        writer.write(data[i : i + chunk])
        await writer.drain()
        await asyncio.sleep(0.001)


def env_block(**values: str) -> bytes:
    """An environment block like Asterisk's (22 lines in the captures), with overrides."""
    base = {
        "agi_network": "yes",
        "agi_network_script": "access",
        "agi_request": "agi://127.0.0.1:4573/access",
        "agi_channel": "PJSIP/sipp-00000000",
        "agi_language": "en",
        "agi_type": "PJSIP",
        "agi_uniqueid": "1795463798.29",
        "agi_version": "22.10.1",
        "agi_callerid": "1001",
        "agi_calleridname": "Alice",
        "agi_callingpres": "0",
        "agi_callingani2": "0",
        "agi_callington": "0",
        "agi_callingtns": "0",
        "agi_dnid": "unknown",
        "agi_rdnis": "unknown",
        "agi_context": "phonebridge-access",
        "agi_extension": "s",
        "agi_priority": "4",
        "agi_enhanced": "0.0",
        "agi_accountcode": "",
        "agi_threadid": "140650995336896",
    }
    base.update(values)
    return "".join(f"{k}: {v}\n" for k, v in base.items()).encode() + b"\n"


# -- the captures ---------------------------------------------------------------------------------


@dataclass
class AgiExchange:
    command: bytes  # what the FastAGI server sent
    replies: list[bytes]  # what Asterisk sent back before the next command (may be HANGUP + reply)


@dataclass
class AgiScenario:
    name: str
    environment: bytes  # the agi_* block, with its empty line
    exchanges: list[AgiExchange] = field(default_factory=list)


def agi_scenarios(captures: Path) -> dict[str, AgiScenario]:
    """Every FastAGI scenario of the session transcripts in the folder ``captures``."""
    scenarios: dict[str, AgiScenario] = {}
    for name in SESSION_CAPTURES:
        text = (captures / name).read_text()
        for block in re.split(r"^SCENARIO ", text, flags=re.M)[1:]:
            title = block.split(":", 1)[0].strip()
            transcript = block.split("--- full FastAGI transcript ---", 1)[1]
            transcript = transcript.split("--- environment block", 1)[0]
            scenario = AgiScenario(title, b"")
            for line in transcript.splitlines():
                m = _WIRE_LINE.match(line)
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
