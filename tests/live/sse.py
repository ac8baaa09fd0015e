"""A small Server-Sent Events reader over httpx streaming, and API helpers for live tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Event:
    event: str = "message"
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """The events of an open text/event-stream response; comment lines ride on the next."""
    current = Event()
    async for line in response.aiter_lines():
        if line == "":
            if current.data or current.event != "message":
                yield current
                current = Event()
            continue
        if line.startswith(":"):
            current.comments.append(line[1:].strip())
            if current.comments[-1] == "keep-alive":
                yield Event(event="heartbeat")
                current.comments.clear()
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            current.event = value
        elif name == "id":
            current.id = value
        elif name == "data":
            current.data = f"{current.data}\n{value}" if current.data else value


async def register(http: httpx.AsyncClient, name: str, phone: str) -> dict[str, str]:
    r = await http.post(
        "/v1/accounts", json={"name": name, "phone": phone, "password": "correct horse"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return {"id": body["id"], "Authorization": f"Bearer {body['token']}"}


def auth(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": user["Authorization"]}


async def next_event(stream: AsyncIterator[Event], kind: str = "changes") -> Event:
    """The next event of ``kind`` (heartbeats and others skipped)."""
    async for event in stream:
        if event.event == kind:
            return event
    raise AssertionError("the stream ended")
