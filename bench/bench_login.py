"""Another user's sign-in latency while one account is brute-forced (issue 10).

Two real `phonebridge serve` processes on one PostgreSQL (or with Redis as the limiter) behind a
"proxy": the bench sends X-Forwarded-For and the bridges trust 127.0.0.1, so the 16 attackers
and the honest user come from different addresses, as they would. Prints the honest user's
p50/p95 sign-in time idle and during a 500-guess attack from 16 clients, and how many guesses
had their password checked (401) versus refused before hashing (429).

    python bench/bench_login.py [--db postgresql+asyncpg://postgres@127.0.0.1:5432/pb_bench]
                                [--redis redis://127.0.0.1:6379/1] [--guesses 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.spawn import serve_many  # noqa: E402


def start(db: str, redis: str) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    settings = {
        "database_url": db,
        "auto_verify_phones": "true",
        "secret_key": "k" * 40,
        "agi_port": "0",
        "trusted_proxies": "127.0.0.1/32",
        "registrations_per_hour": "0",
        "log_level": "warning",
    }
    if redis:
        settings["redis_url"] = redis
    return serve_many(2, ROOT, **settings)


async def sign_in(http: httpx.AsyncClient, base: str, phone: str, password: str, ip: str) -> float:
    t = time.perf_counter()
    r = await http.post(
        f"{base}/v1/auth/token",
        data={"username": phone, "password": password},
        headers={"X-Forwarded-For": ip},
    )
    assert r.status_code == 200, r.text
    return (time.perf_counter() - t) * 1000


async def honest(http: httpx.AsyncClient, bases: list[str], phone: str, n: int) -> list[float]:
    times = []
    for i in range(n):
        times.append(await sign_in(http, bases[i % 2], phone, "honest password", "198.51.100.7"))
        await asyncio.sleep(0.05)
    return times


async def main(db: str, redis: str, guesses: int) -> None:
    procs, bases = start(db, redis)
    try:
        async with httpx.AsyncClient(timeout=120) as http:
            victim = f"+1202555{random.randrange(10_000):04d}"
            other = f"+1202556{random.randrange(10_000):04d}"
            for phone, password in ((victim, "victims password"), (other, "honest password")):
                r = await http.post(
                    f"{bases[0]}/v1/accounts",
                    json={"name": "Bench", "phone": phone, "password": password},
                )
                assert r.status_code == 201, r.text
            idle = await honest(http, bases, other, 30)
            gate = asyncio.Semaphore(16)

            async def guess(i: int) -> int:
                async with gate:
                    r = await http.post(
                        f"{bases[i % 2]}/v1/auth/token",
                        data={"username": victim, "password": f"guess-{i}"},
                        headers={"X-Forwarded-For": f"203.0.113.{i % 16 + 1}"},
                    )
                    return r.status_code

            t = time.perf_counter()
            attack = asyncio.gather(*(guess(i) for i in range(guesses)))
            during = await honest(http, bases, other, 30)
            statuses = Counter(await attack)
            took = time.perf_counter() - t
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    limiter = "Redis" if redis else "the database"
    print(f"2 processes, limiter in {limiter}; {guesses} guesses from 16 clients in {took:.1f} s")
    print(f"guesses: {dict(statuses)} (401 = password checked, 429 = refused before hashing)")
    print(
        f"other user's sign-in: idle p50 {statistics.median(idle):.0f} ms p95 {p(idle, 95):.0f} ms"
        f" | during attack p50 {statistics.median(during):.0f} ms p95 {p(during, 95):.0f} ms"
        f" | ratio p50 {statistics.median(during) / statistics.median(idle):.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        default=os.environ.get(
            "PB_BENCH_DB", "postgresql+asyncpg://postgres@127.0.0.1:5432/pb_ident"
        ),
    )
    parser.add_argument("--redis", default="")
    parser.add_argument("--guesses", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.db, args.redis, args.guesses))
