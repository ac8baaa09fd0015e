"""Unexpected errors and /metrics: a database error carrying a phone number in its SQL
parameters answers the JSON error format, is counted in the access log and in /metrics, and
the number never reaches an info-level log; made-up methods and paths cannot grow /metrics;
calls by status come from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.model import PUBLIC

NUMBER = "+1202555" + "0123"  # built at run time: logged source lines must not contain it


@pytest.fixture
def app(pb: Phonebook, engine: AsyncEngine, api_config: ApiConfig) -> FastAPI:
    app = create_app(pb, engine, api_config)

    async def broken(phone: str) -> dict[str, str]:  # a bug that reaches the database
        async with engine.connect() as conn:
            await conn.execute(
                text("SELECT no_such_column FROM accounts WHERE id = :p"), {"p": phone}
            )
        return {}

    app.add_api_route("/v1/broken/{phone}", broken)
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_an_unexpected_error_is_json_counted_and_logged_without_the_number(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    r = await client.get(f"/v1/broken/{NUMBER}")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert NUMBER not in r.text
    metrics = (await client.get("/metrics")).text
    counted = samples(metrics, "phonebridge_http_requests_total")
    key = (("method", "GET"), ("route", "/v1/broken/{phone}"), ("status", "500"))
    assert counted[key] == 1
    assert any(
        r.name == "phonebridge.http" and r.getMessage().startswith("GET /v1/broken/{phone} 500")
        for r in caplog.records
    )
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "sqlalchemy.exc." in error.getMessage() and error.exc_info is None
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]  # the test client's
    assert not [r for r in ours if NUMBER in r.getMessage()]


async def test_debug_logs_keep_the_whole_exception(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="phonebridge.errors")
    await client.get(f"/v1/broken/{NUMBER}")
    (debug,) = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert debug.exc_info is not None


async def test_made_up_methods_and_paths_do_not_grow_metrics(client: httpx.AsyncClient) -> None:
    for i in range(100):
        await client.request(f"FOO{i}", "/healthz")
        await client.request(f"BAR{i}", f"/nowhere/{i}")
        await client.get(f"/v1/lookup/{i}/x")
    metrics = (await client.get("/metrics")).text
    series = samples(metrics, "phonebridge_http_requests_total")
    assert set(series) == {
        (("method", "other"), ("route", "/healthz"), ("status", "405")),
        (("method", "other"), ("route", "unmatched"), ("status", "404")),
        (("method", "GET"), ("route", "unmatched"), ("status", "404")),
    }
    assert series[(("method", "other"), ("route", "unmatched"), ("status", "404"))] == 100
    assert "FOO" not in metrics and "nowhere" not in metrics


async def test_calls_by_status_come_from_the_database(
    client: httpx.AsyncClient, pb: Phonebook
) -> None:
    caller = await pb.accounts.register("Cara Caller", "+12025550181", None)
    callee = await pb.accounts.register("Dan Callee", "+12025550182", None)
    entry = await pb.cards.add(callee.id, "phone", "mobile", "+12025550183", {PUBLIC: "callable"})
    call, _ = await pb.calls.place(caller.id, callee.id, entry.id, "asterisk")
    await pb.calls.update(call.id, CallStatus.RINGING)
    metrics = (await client.get("/metrics")).text
    calls = {dict(k)["status"]: v for k, v in samples(metrics, "phonebridge_calls").items()}
    assert calls == {s.value: (1.0 if s is CallStatus.RINGING else 0.0) for s in CallStatus}
