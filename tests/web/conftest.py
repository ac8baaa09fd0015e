"""The page over ASGI (no browser): a person is an httpx client with their own cookies, who
reads the CSRF token from the page they were shown, as a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from bridge.originator import ClickToCall
from phonebook.app import Phonebook
from phonebook.calls import Call
from tests.web.browser import launch
from web import app as web

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@dataclass
class RecordingOriginator:
    provider: str = "test"
    available: bool = True
    rung: list[tuple[str, str]] = field(default_factory=list)

    async def originate(self, call: Call, ring: str) -> str | None:
        self.rung.append((call.id, ring))
        return f"ref-{len(self.rung)}"


class Person:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client
        self.csrf = ""

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        r = await self.http.get(url, **kw)
        if found := _CSRF.search(r.text):
            self.csrf = found.group(1)
        return r

    async def post(self, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        if not self.csrf:
            await self.get("/signin")
        r = await self.http.post(url, data={"csrf": self.csrf, **(data or {})})
        if found := _CSRF.search(r.text):
            self.csrf = found.group(1)
        return r

    async def register(self, name: str, phone: str, password: str = "a long password") -> str:
        r = await self.post("/register", {"name": name, "phone": phone, "password": password})
        assert r.status_code == 200 and r.url.path == "/card", r.text
        me = await self.http.get("/card")
        assert "Sign out" in me.text
        return phone


class Site:
    def __init__(self, app: Any, base_url: str) -> None:
        self.app = app
        self.base_url = base_url
        self._clients: list[httpx.AsyncClient] = []

    def person(self, **headers: str) -> Person:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url=self.base_url,
            follow_redirects=True,
            headers=headers,
        )
        self._clients.append(client)
        return Person(client)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
def originator() -> RecordingOriginator:
    return RecordingOriginator()


def build(pb: Phonebook, engine: AsyncEngine, calls: ClickToCall | None) -> Any:
    app = create_app(pb, engine, ApiConfig(secret_key="web-test-" + "x" * 32), calls)
    web.install(app)
    return app


@pytest.fixture
async def site(pb: Phonebook, engine: AsyncEngine) -> AsyncIterator[Site]:
    s = Site(build(pb, engine, None), "http://test")
    yield s
    await s.close()


@pytest.fixture
async def calling_site(
    pb: Phonebook, engine: AsyncEngine, originator: RecordingOriginator
) -> AsyncIterator[Site]:
    s = Site(build(pb, engine, ClickToCall(pb.calls, originator)), "https://test")
    yield s
    await s.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium per browser-test module (its tests are all synchronous: Playwright's
    sync API runs its own event loop)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
