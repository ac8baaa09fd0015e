"""The provider seam: one object per telephony route (Asterisk, Twilio, the in-memory test
provider) that hands the composition root everything the route adds to the service.

```
                 phonebridge/providers.py  {name: factory(settings) -> Provider}
                                │ builds one, from its settings section
                                ▼
  ┌─────────────────────────── Provider ───────────────────────────┐
  │ name          the call log's provider column                   │
  │ ports()       inbound listeners' addresses (claimed first)     │
  │ listeners()   inbound servers to start, drain, cut (FastAGI)   │
  │ routes()      HTTP routes (Twilio's webhooks)                  │
  │ originator()  click-to-call's outbound leg (or None)           │
  │ code_sender() verification codes to a number (or None)         │
  │ start/close   background connections (AMI), in lifecycle order │
  │ health()      `phonebridge doctor` findings for this route     │
  └────────────────────────────────────────────────────────────────┘
```

A provider is built from its settings section alone (no I/O: `doctor` builds one too); the
parts it serves with (the phonebook, the metrics registry, the signing key) arrive with each
call as ``Parts``. Like wazo-calld's plugins, each provider builds its own services and routes
explicitly; nothing happens at import time."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter
from prometheus_client import CollectorRegistry

from bridge.codes import CodeSender
from bridge.identity import CallerIdTrust
from bridge.originator import Originator
from phonebook.app import Phonebook


@dataclass(frozen=True, slots=True)
class Parts:
    """What the composition root lends every provider."""

    phonebook: Phonebook
    registry: CollectorRegistry  # the one /metrics shows
    signing_key: str  # the API's key; a webhook transport signs its state with it
    trust: CallerIdTrust = CallerIdTrust.ATTESTED


@dataclass(frozen=True, slots=True)
class Port:
    """An inbound listener's address; ``setting`` is named when the port is taken."""

    what: str  # e.g. "FastAGI"
    host: str
    port: int
    setting: str  # e.g. "PHONEBRIDGE_AGI_PORT"


class Listener(Protocol):
    """An inbound server on a socket the lifecycle bound (the FastAGI server is one)."""

    @property
    def active_calls(self) -> int: ...

    async def start(self, sock: socket.socket) -> None: ...

    def stop_accepting(self) -> None: ...

    async def drain(self, deadline_s: float) -> int:
        """Wait for the calls in progress, up to ``deadline_s``; how many were cut."""
        ...

    def cut(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of `phonebridge doctor`: what was checked, and if it is wrong, how to fix it."""

    check: str
    problem: str = ""  # empty: all is well, and ``detail`` says what was seen
    fix: str = ""
    fatal: bool = False
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self) -> str:
        if self.ok:
            return f"{self.check}: {self.detail}"
        return f"{self.check}: {self.problem}; fix: {self.fix}"


def ok(check: str, detail: str) -> Finding:
    return Finding(check, detail=detail)


@contextlib.contextmanager
def quiet(logger: str) -> Iterator[None]:
    """A check's own chatter (a library's retries, its banner) silenced while it runs: the
    finding says what matters."""
    quieted = logging.getLogger(logger)
    level = quieted.level
    quieted.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        quieted.setLevel(level)


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    def ports(self) -> Sequence[Port]: ...

    def listeners(self, parts: Parts) -> Sequence[Listener]:
        """Built once the database is ready; one per ``ports()``, in the same order."""
        ...

    def routes(self, parts: Parts) -> Sequence[APIRouter]: ...

    def originator(self, parts: Parts) -> Originator | None: ...

    def code_sender(self, parts: Parts) -> CodeSender | None: ...

    def start(self, parts: Parts) -> None:
        """Start background work (connections); called once listeners run."""
        ...

    async def close(self, grace_s: float) -> None:
        """Release what ``start`` and the builders made; before the database pool closes."""
        ...

    async def health(self) -> Sequence[Finding]: ...


__all__ = ["Finding", "Listener", "Parts", "Port", "Provider", "ok"]
