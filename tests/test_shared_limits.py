"""Limits that hold everywhere: two real `phonebridge serve` processes on one PostgreSQL (its
table) or with Redis share one count. A brute force of 500 guesses at one account, spread over
both processes, has its password checked exactly as often as the setting allows."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from phonebook.store.engine import make_engine
from tests.conftest import PG_URL
from tests.storage.test_limits import REDIS_URL
from tests.test_cli import clean_env, free_port, wait_healthy

FREE = 5


@pytest.fixture(params=["postgres", "redis"])
def bridges(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_urls: dict[str, str]
) -> Iterator[list[str]]:
    if not PG_URL:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    settings = {
        "database_url": PG_URL,
        "auto_verify_phones": "true",
        "secret_key": "k" * 40,
        "agi_port": "0",
        "login_free_attempts": str(FREE),
        "login_first_wait_seconds": "600",  # after the free tries, nothing within the test
        "lookups_per_minute": "10",
        "lookups_per_address_per_minute": "0",
    }
    if request.param == "redis":
        settings["redis_url"] = REDIS_URL
    asyncio.run(_forget_addresses(request.param))
    procs, bases = [], []
    for _ in range(2):
        port = free_port()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
                cwd=tmp_path,
                env={**clean_env(**settings), "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            wait_healthy(base)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


async def _forget_addresses(backend: str) -> None:
    """Earlier runs' counts for 127.0.0.1 (every test client's address) start over."""
    if backend == "redis":
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter("pb:limit:*:addr:127.0.0.1")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    engine = make_engine(PG_URL)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM rate_limits WHERE key LIKE '%:addr:%'"))
    await engine.dispose()


async def test_limits_hold_across_two_processes(bridges: list[str]) -> None:
    phone = f"+1202555{random.randrange(10_000):04d}"  # a fresh number: fresh limiter keys
    async with httpx.AsyncClient(timeout=60) as http:
        r = await http.post(
            f"{bridges[0]}/v1/accounts",
            json={"name": "Victim", "phone": phone, "password": "the real password"},
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        gate = asyncio.Semaphore(16)  # 16 clients at once, alternating between the processes

        async def guess(i: int) -> int:
            async with gate:
                reply = await http.post(
                    f"{bridges[i % 2]}/v1/auth/token",
                    data={"username": phone, "password": f"guess-{i}"},
                )
                if reply.status_code == 429:
                    assert int(reply.headers["Retry-After"]) >= 1
                    assert reply.json()["error"]["code"] == "rate_limited"
                return reply.status_code

        statuses = Counter(await asyncio.gather(*(guess(i) for i in range(500))))
        assert statuses == Counter({401: FREE, 429: 500 - FREE})  # checked FREE times, no more

        headers = {"Authorization": f"Bearer {token}"}
        lookups = [
            (
                await http.get(
                    f"{bridges[i % 2]}/v1/lookup", params={"name": "nobody"}, headers=headers
                )
            ).status_code
            for i in range(14)
        ]
        assert lookups == [404] * 10 + [429] * 4  # 10 per minute, across both processes
