"""The push stream over real HTTP (httpx streaming) on real `phonebridge serve` processes:
one process on SQLite, two on one PostgreSQL where a change made through one reaches a stream
held on the other."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from phonebook.store.engine import make_engine
from tests.conftest import _empty
from tests.live.server import Served, serve
from tests.live.sse import auth, events, next_event, register

_numbers = itertools.count(300)
WAIT = 60  # bound on any one wait; nothing is asserted about time


def phone() -> str:
    return f"+1202555{next(_numbers):04d}"


def emptied(url: str) -> None:
    async def empty() -> None:
        engine = make_engine(url)
        await _empty(engine, url)
        await engine.dispose()

    asyncio.run(empty())


@pytest.fixture(scope="module")
def sqlite_one(
    migrated_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Served]]:
    url = migrated_urls["sqlite"]
    emptied(url)
    with serve(tmp_path_factory.mktemp("sse"), url, push_heartbeat_seconds="0.5") as one:
        yield [one]


@pytest.fixture(scope="module")
def postgres_two(
    migrated_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Served]]:
    if "postgres" not in migrated_urls:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    url = migrated_urls["postgres"]
    emptied(url)
    folder = Path(tmp_path_factory.mktemp("sse-pg"))
    with (
        serve(folder, url, push_heartbeat_seconds="0.5") as one,
        serve(folder, url, push_heartbeat_seconds="0.5") as two,
    ):
        yield [one, two]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def servers(request: pytest.FixtureRequest) -> list[Served]:
    """[where changes are made, where the stream is held]: one process, or two."""
    fixture = "sqlite_one" if request.param == "sqlite" else "postgres_two"
    served: list[Served] = request.getfixturevalue(fixture)
    return [served[0], served[-1]]


async def test_a_change_reaches_the_stream_resumes_and_hidden_changes_send_nothing(
    servers: list[Served],
) -> None:
    writer_base, stream_base = (s.base for s in servers)
    async with (
        httpx.AsyncClient(base_url=writer_base, timeout=WAIT) as w,
        httpx.AsyncClient(base_url=stream_base, timeout=WAIT) as r,
    ):
        alice_phone, bob_phone = phone(), phone()
        alice = await register(w, "Alice", alice_phone)
        bob = await register(w, "Bob", bob_phone)
        circle = await w.post("/v1/me/circles", json={"name": "family"}, headers=auth(alice))
        family = circle.json()["id"]
        await w.put(f"/v1/me/circles/{family}/members/{bob_phone}", headers=auth(alice))

        async with r.stream("GET", "/v1/me/phonebook/events", headers=auth(bob)) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            stream = events(resp)
            first = await next_event(stream)
            assert first.json()["full"] and first.json()["contacts"] == []
            await next_event(stream, "heartbeat")  # idle streams are kept alive

            # hidden, then callable: only the callable one is told, and without the number
            body = {"kind": "phone", "label": "mobile", "value": "+12025559911", "grants": {}}
            made = await w.post("/v1/me/entries", json=body, headers=auth(alice))
            entry = made.json()["id"]
            await w.put(
                f"/v1/me/entries/{entry}/grants/{family}",
                json={"level": "callable"},
                headers=auth(alice),
            )
            told = await next_event(stream)
            (contact,) = told.json()["contacts"]
            assert contact["id"] == alice["id"]
            assert "+12025559911" not in told.data and "2025559911" not in told.data
            assert told.id == told.json()["sync_token"]
            token = told.id

            # what the stream's id resumes is what the pull with that token gives
            pulled = await r.get(f"/v1/me/phonebook?since={token}", headers=auth(bob))
            assert pulled.status_code == 200 and pulled.json()["sync_token"] == token

        # while disconnected: Alice adds an e-mail for the family; Last-Event-ID resumes
        body = {"kind": "email", "label": "home", "value": "a@example.org"}
        body["grants"] = {family: "visible"}  # type: ignore[assignment]
        await w.post("/v1/me/entries", json=body, headers=auth(alice))
        headers = {**auth(bob), "Last-Event-ID": token}
        async with r.stream("GET", "/v1/me/phonebook/events", headers=headers) as resp:
            stream = events(resp)
            resumed = await next_event(stream)
            (contact,) = resumed.json()["contacts"]
            assert "a@example.org" in [e["value"] for e in contact["entries"]]
            assert not resumed.json()["full"]

            # removal: Bob leaves the circle and Alice is removed from his phonebook
            await w.delete(f"/v1/me/circles/{family}/members/{bob_phone}", headers=auth(alice))
            gone = await next_event(stream)
            assert gone.json()["removed"] == [alice["id"]] and gone.json()["contacts"] == []

        # a token the server never gave: one reset event, then the stream goes on
        headers = {**auth(bob), "Last-Event-ID": "r99999999"}
        async with r.stream("GET", "/v1/me/phonebook/events", headers=headers) as resp:
            reset = await next_event(events(resp), "reset")
            assert reset.json() == {"full_sync": True}


async def test_streams_need_a_valid_token(servers: list[Served]) -> None:
    async with httpx.AsyncClient(base_url=servers[-1].base, timeout=WAIT) as r:
        bad = {"Authorization": "Bearer not-a-token"}
        answer = await r.get("/v1/me/phonebook/events", headers=bad)
        assert answer.status_code == 401
        answer = await r.get("/v1/me/phonebook/events?since=xyz", headers=bad)
        assert answer.status_code == 401
