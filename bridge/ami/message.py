"""AMI framing, as a real Asterisk 22 speaks it (tests/fixtures/asterisk-captures/ami-*): a one-line
banner ``Asterisk Call Manager/11.0.0\\r\\n``, then messages of ``Key: Value\\r\\n`` lines ended by
an empty ``\\r\\n`` line, both ways."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bridge.ami.errors import AmiProtocolError, UnsafeHeader

MAX_LINE = 16 * 1024  # also the StreamReader limit: an endless line is an error, not memory
MAX_HEADERS = 500


@dataclass(frozen=True, slots=True)
class Message:
    """One AMI message: headers in order, repeated keys kept, lookup case-insensitive."""

    headers: tuple[tuple[str, str], ...]

    def get(self, key: str, default: str | None = None) -> str | None:
        wanted = key.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), default)

    def getall(self, key: str) -> list[str]:
        wanted = key.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")


def _check(text: str, what: str) -> str:
    if any(ch in text for ch in "\r\n\0"):
        raise UnsafeHeader(f"CR, LF and NUL are not allowed in an AMI {what}")
    return text


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """An action as bytes. Every key and value is checked before anything is built."""
    lines = []
    for key, value in headers:
        if ":" in key or not key:
            raise UnsafeHeader("an AMI header name is non-empty and has no ':'")
        lines.append(f"{_check(key, 'header name')}: {_check(value, 'header value')}\r\n")
    return ("".join(lines) + "\r\n").encode("utf-8")


async def _line(reader: asyncio.StreamReader) -> str:
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        raise EOFError("AMI peer closed the connection") from exc
    except asyncio.LimitOverrunError as exc:
        raise AmiProtocolError("AMI line too long") from exc
    try:  # decoded once the whole line is in: UTF-8 split across reads stays intact
        return raw.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AmiProtocolError("AMI line is not UTF-8") from exc


async def read_banner(reader: asyncio.StreamReader) -> str:
    banner = await _line(reader)
    if not banner.startswith("Asterisk Call Manager/"):
        raise AmiProtocolError("not an Asterisk Manager Interface")
    return banner


async def read_message(reader: asyncio.StreamReader) -> Message:
    headers: list[tuple[str, str]] = []
    while True:
        line = await _line(reader)
        if line == "":
            if headers:
                return Message(tuple(headers))
            continue  # stray empty lines between messages
        key, sep, value = line.partition(":")
        if not sep:
            raise AmiProtocolError("AMI line without ':'")
        headers.append((key.strip(), value.strip()))
        if len(headers) > MAX_HEADERS:
            raise AmiProtocolError("AMI message has too many headers")
