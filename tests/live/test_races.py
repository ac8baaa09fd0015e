"""20 real clients at once against a running server, on SQLite and PostgreSQL: idempotent PUTs
are upserts, races with a delete answer 404 in the JSON error format, the entry cap and the name
search index hold. Never a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.live.conftest import new_phone
from tests.live.server import Served

CLIENTS = 20
Request = tuple[str, str, dict[str, Any]]


async def together(base: str, requests: list[Request]) -> list[httpx.Response]:
    """Each request from its own client (its own connection), all sent at the same moment."""
    clients = [httpx.AsyncClient(base_url=base, timeout=120) for _ in requests]
    try:
        await asyncio.gather(*(c.get("/healthz") for c in clients))  # connections are open
        return list(
            await asyncio.gather(
                *(
                    c.request(m, url, **kw)
                    for c, (m, url, kw) in zip(clients, requests, strict=True)
                )
            )
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def no_server_errors(responses: list[httpx.Response]) -> None:
    assert [r.text for r in responses if r.status_code >= 500] == []


def codes(responses: list[httpx.Response]) -> set[tuple[int, str]]:
    """(status, error code) of each failure; every failure is in the JSON error format."""
    return {(r.status_code, r.json()["error"]["code"]) for r in responses if r.status_code >= 400}


class Person:
    def __init__(self, http: httpx.AsyncClient, name: str) -> None:
        self.http, self.name, self.phone = http, name, new_phone()
        self.auth: dict[str, str] = {}

    async def register(self) -> Person:
        r = await self.http.post(
            "/v1/accounts", json={"name": self.name, "phone": self.phone, "password": "pw-" * 4}
        )
        assert r.status_code == 201, r.text
        self.auth = {"Authorization": f"Bearer {r.json()['token']}"}
        return self

    async def ok(self, method: str, url: str, **kw: Any) -> Any:
        r = await self.http.request(method, url, headers=self.auth, **kw)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def req(self, method: str, url: str, **kw: Any) -> Request:
        return (method, url, {"headers": self.auth, **kw})


@pytest.fixture
async def http(server: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        yield client


async def test_parallel_puts_of_one_member_make_one_member(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    circle = (await owner.ok("POST", "/v1/me/circles", json={"name": "family"}))["id"]
    member = new_phone()
    put = owner.req("PUT", f"/v1/me/circles/{circle}/members/{member}")
    responses = await together(server.base, [put] * CLIENTS)
    assert [r.status_code for r in responses] == [200] * CLIENTS, codes(responses)
    (listed,) = await owner.ok("GET", "/v1/me/circles")
    assert [m["phone"] for m in listed["members"]] == [member]


async def test_parallel_puts_of_different_members_lose_none(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    circle = (await owner.ok("POST", "/v1/me/circles", json={"name": "clients"}))["id"]
    members = [new_phone() for _ in range(CLIENTS)]
    responses = await together(
        server.base, [owner.req("PUT", f"/v1/me/circles/{circle}/members/{m}") for m in members]
    )
    assert [r.status_code for r in responses] == [200] * CLIENTS, codes(responses)
    (listed,) = await owner.ok("GET", "/v1/me/circles")
    assert sorted(m["phone"] for m in listed["members"]) == sorted(members)


async def test_parallel_puts_of_one_block_make_one_block(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    blocked = new_phone()
    responses = await together(
        server.base, [owner.req("PUT", f"/v1/me/blocks/{blocked}")] * CLIENTS
    )
    assert [r.status_code for r in responses] == [204] * CLIENTS, codes(responses)
    assert await owner.ok("GET", "/v1/me/blocks") == {"blocks": [blocked]}


async def test_parallel_puts_of_one_grant_make_one_grant(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    circle = (await owner.ok("POST", "/v1/me/circles", json={"name": "family"}))["id"]
    entry = (
        await owner.ok(
            "POST", "/v1/me/entries", json={"kind": "phone", "label": "m", "value": new_phone()}
        )
    )["id"]
    levels = ["visible", "callable"] * (CLIENTS // 2)
    puts = [
        owner.req("PUT", f"/v1/me/entries/{entry}/grants/{audience}", json={"level": level})
        for audience in (circle, "public")
        for level in levels[: CLIENTS // 2]
    ]
    responses = await together(server.base, puts)
    assert [r.status_code for r in responses] == [200] * CLIENTS, codes(responses)
    (stored,) = await owner.ok("GET", "/v1/me/entries")
    assert set(stored["grants"]) == {circle, "public"}  # one grant per audience, a level each
    assert set(stored["grants"].values()) <= {"visible", "callable"}


async def test_adding_members_while_the_circle_is_deleted(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    for round_ in range(3):
        circle = (await owner.ok("POST", "/v1/me/circles", json={"name": f"c{round_}"}))["id"]
        adds = [
            owner.req("PUT", f"/v1/me/circles/{circle}/members/{new_phone()}")
            for _ in range(CLIENTS - 1)
        ]
        delete = owner.req("DELETE", f"/v1/me/circles/{circle}")
        responses = await together(server.base, [*adds[:10], delete, *adds[10:]])
        no_server_errors(responses)
        assert responses[10].status_code == 204
        assert {r.status_code for r in responses} <= {200, 204, 404}
        assert codes(responses) <= {(404, "circle_not_found")}
        assert all(c["id"] != circle for c in await owner.ok("GET", "/v1/me/circles"))


async def test_editing_an_entry_while_it_is_deleted(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    circle = (await owner.ok("POST", "/v1/me/circles", json={"name": "family"}))["id"]
    for _ in range(3):
        body = {"kind": "phone", "label": "m", "value": new_phone()}
        entry = (await owner.ok("POST", "/v1/me/entries", json=body))["id"]
        edits = [
            owner.req("PATCH", f"/v1/me/entries/{entry}", json={"label": f"l{i}", "position": i})
            if i % 2
            else owner.req(
                "PUT", f"/v1/me/entries/{entry}/grants/{circle}", json={"level": "visible"}
            )
            for i in range(CLIENTS - 1)
        ]
        delete = owner.req("DELETE", f"/v1/me/entries/{entry}")
        responses = await together(server.base, [*edits[:10], delete, *edits[10:]])
        no_server_errors(responses)
        assert responses[10].status_code == 204
        assert codes(responses) <= {(404, "entry_not_found")}
        assert await owner.ok("GET", "/v1/me/entries") == []


async def test_the_entry_cap_holds_under_parallel_adds(
    server: Served, http: httpx.AsyncClient
) -> None:
    owner = await Person(http, "Olive Owner").register()
    for i in range(45):
        await owner.ok(
            "POST", "/v1/me/entries", json={"kind": "email", "label": "e", "value": f"a{i}@b.org"}
        )
    adds = [
        owner.req(
            "POST", "/v1/me/entries", json={"kind": "email", "label": "e", "value": f"n{i}@b.org"}
        )
        for i in range(CLIENTS)
    ]
    responses = await together(server.base, adds)
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [201] * 5 + [422] * 15
    assert codes(responses) == {(422, "invalid_input")}
    entries = await owner.ok("GET", "/v1/me/entries")
    assert len(entries) == 50
    assert sorted(e["position"] for e in entries) == list(range(50))  # no position twice


NAMES = ["Quimby", "Ravensworth", "Sandoval", "Thistlewood", "Underhill", "Vandermeer"]


async def test_the_name_index_never_loses_an_update(
    server: Served, http: httpx.AsyncClient
) -> None:
    """Half the clients rename the owner, half change the aliases, all at once; afterwards a
    lookup by the stored name and by the stored alias finds the owner (public search index)."""
    owner = await Person(http, "Ada Firstname").register()
    await owner.ok(
        "POST",
        "/v1/me/entries",
        json={
            "kind": "phone",
            "label": "m",
            "value": new_phone(),
            "grants": {"public": "callable"},
        },
    )
    viewer = await Person(http, "Vera Viewer").register()
    for round_, surname in enumerate(NAMES[:4]):
        patches = [
            owner.req("PATCH", "/v1/me", json={"name": f"Ada {surname}{'x' * (i % 3)}"})
            if i % 2
            else owner.req(
                "PATCH", "/v1/me", json={"aliases": [f"{NAMES[round_ + 1]}{'y' * (i % 3)}"]}
            )
            for i in range(CLIENTS)
        ]
        responses = await together(server.base, patches)
        assert [r.status_code for r in responses] == [200] * CLIENTS, codes(responses)
        me = await owner.ok("GET", "/v1/me")
        for query in (me["name"], me["aliases"][0]):
            found = await viewer.ok("GET", "/v1/lookup", params={"name": query})
            assert [m["name"] for m in found["matches"]][:1] == [me["name"]], (round_, query)
