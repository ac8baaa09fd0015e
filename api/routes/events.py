"""Push: ``GET /v1/me/phonebook/events``, the viewer's phonebook changes as Server-Sent Events.

Each ``changes`` event carries the contacts that changed for this viewer and the ids removed,
with the sync token as its ``id:`` (the one ``GET /v1/me/phonebook?since=`` takes), so
``Last-Event-ID`` or ``?since=`` resumes without loss. A token too old to resume from gets
one ``reset`` event: fetch the whole phonebook again. Idle streams get a comment line every
``heartbeat_seconds``; the stream ends when the token expires or the account is gone."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from api.auth import BearerToken, ConfigDep, Me, PhonebookDep, token_expiry
from api.schemas import ContactOut
from phonebook.app import Phonebook
from phonebook.push import Stream
from phonebook.sync import Update

router = APIRouter(prefix="/v1", tags=["directory"])

EVENT_STREAM = "text/event-stream"
RETRY_MS = 3000  # how long a disconnected EventSource waits before it reconnects


def encode(update: Update) -> bytes:
    """One update as one SSE event."""
    if update.reset:
        return b'event: reset\ndata: {"full_sync": true}\n\n'
    contacts = sorted(update.contacts.values(), key=lambda c: (c.name.casefold(), c.id))
    data = {
        "contacts": [ContactOut.of(c).model_dump(mode="json") for c in contacts],
        "removed": sorted(update.removed),
        "full": update.full,
        "sync_token": update.token,
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {update.token}\nevent: changes\ndata: {body}\n\n".encode()


@router.get(
    "/me/phonebook/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: changes (their id is a sync token) and reset.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        }
    },
)
async def events(
    me: Me,
    pb: PhonebookDep,
    config: ConfigDep,
    token: BearerToken,
    since: Annotated[str | None, Query(max_length=40)] = None,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> StreamingResponse:
    assert token is not None  # Me checked it
    expires = token_expiry(config, token)
    stream = await pb.push.open(me, last_event_id or since)
    return StreamingResponse(
        _body(pb, stream, expires, config.heartbeat_seconds),
        media_type=EVENT_STREAM,
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _body(
    pb: Phonebook, stream: Stream, expires: float, heartbeat: float
) -> AsyncIterator[bytes]:
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        while True:
            left = expires - time.time()
            if left <= 0:
                return
            try:
                update = await asyncio.wait_for(stream.next(), min(heartbeat, left))
            except TimeoutError:  # (a deleted account's stream is ended by the hub's sweep)
                yield b": keep-alive\n\n"
                continue
            if update is None:
                return
            yield encode(update)
    finally:
        pb.push.close(stream)
