"""The FastAGI wire format, as a real Asterisk 22 speaks it (tests/fixtures/asterisk-captures).

Asterisk sends ``agi_name: value\\n`` lines and an empty line, then answers each command with
one line: ``200 result=<n>[ (<data>)][ endpos=<n>]``, ``510 Invalid or unknown command``,
``511 Command Not Permitted on a dead channel or intercept routine``, or a ``520-`` usage
block ending ``520 End of proper usage.``. When the channel hangs up it writes a bare
``HANGUP`` line before the next reply.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from bridge.agi.errors import AgiConnectionClosed, AgiProtocolError, UnsafeArgument

MAX_LINE = 8192  # also the StreamReader limit: an endless line is an error, not memory
MAX_ENV_BYTES = 16 * 1024
MAX_ENV_LINES = 200
HANGUP_NOTICE = "HANGUP"

_ENV_LINE = re.compile(r"^(agi_[a-z0-9_]+): ?(.*)$")
_REPLY = re.compile(r"^(\d{3})([ -])(.*)$")
_RESULT = re.compile(r"^result=(-?\d*|\S*)(?: \((.*)\))?(?: endpos=(\d+))?\s*$")
_NEEDS_QUOTES = re.compile(r'[\s"\\]')


@dataclass(frozen=True, slots=True)
class AgiReply:
    code: int
    result: str  # "" when Asterisk sent "result=" with nothing (timeout, or '#' alone)
    data: str | None  # the parenthesised part: "(bar)", "(timeout)"
    endpos: int | None
    raw: str

    @property
    def number(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None


async def read_line(reader: asyncio.StreamReader) -> str:
    """One LF-terminated line, decoded once whole (so UTF-8 split across reads survives)."""
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        raise AgiConnectionClosed("peer closed the connection") from exc
    except asyncio.LimitOverrunError as exc:
        raise AgiProtocolError("line too long") from exc
    try:
        return raw.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgiProtocolError("line is not UTF-8") from exc


async def read_environment(reader: asyncio.StreamReader) -> dict[str, str]:
    """The agi_* block up to its empty line; bounded in lines and bytes."""
    env: dict[str, str] = {}
    size = 0
    for _ in range(MAX_ENV_LINES):
        line = await read_line(reader)
        if line == "":
            if not env:
                raise AgiProtocolError("empty environment")
            return env
        size += len(line) + 1
        if size > MAX_ENV_BYTES:
            raise AgiProtocolError("environment too large")
        match = _ENV_LINE.match(line)
        if match is None:
            raise AgiProtocolError("not an AGI environment line")
        env[match.group(1)] = match.group(2)
    raise AgiProtocolError("environment has too many lines")


def env_args(env: dict[str, str]) -> list[str]:
    """agi_arg_1 … agi_arg_N in order (the AGI() URL's arguments)."""
    args = []
    for n in range(1, 128):
        value = env.get(f"agi_arg_{n}")
        if value is None:
            break
        args.append(value)
    return args


def parse_reply(line: str) -> tuple[int, bool, str]:
    """Code, whether more lines follow (``520-``), and the rest of the line."""
    match = _REPLY.match(line)
    if match is None:
        raise AgiProtocolError("not an AGI reply")
    return int(match.group(1)), match.group(2) == "-", match.group(3)


def parse_result(code: int, text: str, raw: str) -> AgiReply:
    match = _RESULT.match(text)
    if match is None:
        raise AgiProtocolError("200 reply without result=")
    endpos = match.group(3)
    return AgiReply(code, match.group(1), match.group(2), int(endpos) if endpos else None, raw)


def quote(argument: str) -> str:
    """An argument as Asterisk's AGI parser reads it: bare when safe, else double-quoted with
    backslash escapes. CR, LF and NUL would end or corrupt the command line: refused."""
    if any(ch in argument for ch in "\r\n\0"):
        raise UnsafeArgument("CR, LF and NUL are not allowed in AGI arguments")
    if argument and not _NEEDS_QUOTES.search(argument):
        return argument
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode(command: str, *arguments: str) -> bytes:
    """``command`` is fixed words of ours (``STREAM FILE``); only arguments are quoted."""
    if any(ch in command for ch in "\r\n\0"):
        raise UnsafeArgument("CR, LF and NUL are not allowed in AGI commands")
    return (" ".join([command, *(quote(a) for a in arguments)]) + "\n").encode("utf-8")
