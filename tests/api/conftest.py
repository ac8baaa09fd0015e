from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from phonebook.app import Phonebook


@dataclass
class User:
    id: str
    name: str
    phone: str
    headers: dict[str, str]


class Api:
    """A thin test client that speaks the v1 contract."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def register(self, name: str, phone: str, password: str = "correct horse") -> User:
        r = await self.http.post(
            "/v1/accounts", json={"name": name, "phone": phone, "password": password}
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return User(body["id"], name, body["phone"], {"Authorization": f"Bearer {body['token']}"})

    async def call(self, user: User | None, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, url, headers=user.headers if user else {}, **kw)

    async def ok(self, user: User, method: str, url: str, **kw: Any) -> Any:
        r = await self.call(user, method, url, **kw)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    async def circle(self, owner: User, name: str, *members: User | str) -> str:
        circle_id: str = (await self.ok(owner, "POST", "/v1/me/circles", json={"name": name}))["id"]
        for m in members:
            phone = m.phone if isinstance(m, User) else m
            await self.ok(owner, "PUT", f"/v1/me/circles/{circle_id}/members/{phone}")
        return circle_id

    async def entry(self, owner: User, kind: str, label: str, value: str, **grants: str) -> str:
        body = {"kind": kind, "label": label, "value": value, "grants": grants}
        entry_id: str = (await self.ok(owner, "POST", "/v1/me/entries", json=body))["id"]
        return entry_id


@pytest.fixture
def api_config() -> ApiConfig:
    return ApiConfig(secret_key="test-secret-" + "x" * 32, max_body_bytes=16 * 1024)


@pytest.fixture
async def api(pb: Phonebook, engine: AsyncEngine, api_config: ApiConfig) -> AsyncIterator[Api]:
    app = create_app(pb, engine, api_config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client)
