"""The lookup audit is written off the request path, in batches: a real `phonebridge serve`
stopped with SIGTERM right after a burst of lookups has written every one of them."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.store.tables import LookupRow
from tests.test_cli import clean_env, free_port, run

LOOKUPS = 300
IN_FLIGHT = 30


async def test_sigterm_after_a_burst_of_lookups_loses_no_audit_row(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    unlimited = {"lookups_per_minute": "100000", "lookups_per_address_per_minute": "100000"}
    settings = {"database_url": url, **unlimited}
    assert (await asyncio.to_thread(run, tmp_path, "demo", **settings)).returncode == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(agi_port=str(free_port()), **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            form = {"username": "+12025550101", "password": "demo-password"}
            token = (await client.post("/v1/auth/token", data=form)).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def lookup(query: dict[str, str]) -> int:
                async with gate:
                    r = await client.get("/v1/lookup", params=query, headers=auth)
                    assert r.status_code == 200, r.text
                    return len(r.json()["matches"])

            queries = [{"name": "bob"}, {"keys": "94264"}, {"name": "carol"}] * (LOOKUPS // 3)
            found = sum(await asyncio.gather(*(lookup(q) for q in queries)))
        proc.send_signal(signal.SIGTERM)  # at once: rows may still be queued
        output = await asyncio.to_thread(lambda: proc.communicate(timeout=60)[0])
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    async with engine.connect() as conn:
        written = await conn.scalar(select(func.count()).select_from(LookupRow))
    assert found >= LOOKUPS and written == found


@pytest.fixture(autouse=True)
def _posix_only() -> None:
    if sys.platform == "win32":
        pytest.skip("SIGTERM")
