"""Twilio webhook response times with 100k accounts in the store: the access-number call as
Twilio drives it, over real HTTP against `phonebridge serve` (the production composition root,
PHONEBRIDGE_CALL_PROVIDER=twilio) in a subprocess, one uvicorn process.

    python bench/bench_twilio.py [--db sqlite|postgres] [--accounts 100000] [--calls 300]

Each simulated call posts what Twilio posts, each with a real X-Twilio-Signature from the
library's RequestValidator (for the public URL) and an I-Twilio-Idempotency-Token:
  voice   /twilio/voice                      -> <Gather>, the caller's ~200 names as hints
  gather  /twilio/gather SpeechResult=<name> -> confirm ("calling …") or a menu; every
          other call spells the last name on the keypad instead (Digits=<keys>#)
  menu    /twilio/gather Digits=1            -> confirm (only after a menu or "did you say")
  dial    /twilio/gather Digits=""           -> <Dial>: the call placed, the grant re-checked
Prints p50/p99 per step against the budget: a caller notices silence after about a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import Seeded, reset_postgres_database  # noqa: E402
from bench.spawn import free_port  # noqa: E402
from phonebook.names import keypad_digits, normalize  # noqa: E402

PG_ADMIN = os.environ.get(
    "PHONEBRIDGE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TOKEN = "bench-twilio-auth-token"
PUBLIC = "https://bridge.example.com"
ACCESS = "+12025550199"
SILENCE_BUDGET_MS = 1000.0  # about when a caller starts wondering whether anyone is there
STEPS = ("voice", "gather speech", "gather keypad", "menu", "dial")
_ACTION = re.compile(r'action="([^"]+)"')


@dataclass
class Webhooks:
    """Posts to the bridge like Twilio: signed for the public URL, one idempotency token each."""

    http: httpx.AsyncClient
    validator: RequestValidator

    async def post(self, path: str, form: dict[str, str]) -> tuple[str, float]:
        headers = {
            "X-Twilio-Signature": self.validator.compute_signature(PUBLIC + path, form),
            # unique per delivery: a repeated token would get the stored first answer back
            "I-Twilio-Idempotency-Token": uuid.uuid4().hex,
        }
        start = time.perf_counter()
        r = await self.http.post(path, data=form, headers=headers)
        took = time.perf_counter() - start
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r.text, took


def next_path(twiml: str) -> str:
    """The path and query of the <Gather action> Twilio would post to next."""
    found = _ACTION.search(twiml)
    assert found, twiml[:300]
    url = urlparse(found.group(1).replace("&amp;", "&"))
    return f"{url.path}?{url.query}"


def caller_phone(viewer: str) -> str:
    return f"+1202{2_000_000 + int(viewer, 16)}"  # bench/seed.py's numbering


def keys_for(name: str) -> str:
    """What a caller keys for a name: the last name's letters (the whole Han name's pinyin
    has no keys without pypinyin here, so Han names are spoken instead)."""
    last = normalize(name).split()[-1]
    return keypad_digits(last) if last.isascii() else ""


async def one_call(
    hooks: Webhooks, viewer: str, name: str, keypad: bool, n: int
) -> dict[str, float]:
    """A whole access-number call; returns seconds per step."""
    sid = f"CA{n:032x}"
    base = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": caller_phone(viewer)}
    base["To"] = ACCESS
    times: dict[str, float] = {}
    twiml, times["voice"] = await hooks.post("/twilio/voice", base)
    digits = keys_for(name) if keypad else ""
    answer = {"Digits": digits + "#"} if digits else {"SpeechResult": name, "Confidence": "0.95"}
    step = "gather keypad" if digits else "gather speech"
    twiml, times[step] = await hooks.post(next_path(twiml), {**base, **answer})
    if "Several people match" in twiml or "Did you say" in twiml:  # a menu or a check: 1
        twiml, times["menu"] = await hooks.post(next_path(twiml), {**base, "Digits": "1"})
    assert ">Calling<" in twiml, twiml[:400]
    twiml, times["dial"] = await hooks.post(next_path(twiml), {**base, "Digits": ""})
    assert "<Dial" in twiml, twiml[:400]
    return times


async def run_calls(
    url: str, seeded: Seeded, calls: int, concurrency: int, rng: random.Random
) -> tuple[dict[str, list[float]], float]:
    plan = [
        (viewer, rng.choice(seeded.contacts[viewer]), i % 2 == 1, i)
        for i, viewer in enumerate(seeded.viewers[i % len(seeded.viewers)] for i in range(calls))
    ]
    samples: dict[str, list[float]] = defaultdict(list)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        hooks = Webhooks(http, RequestValidator(TOKEN))

        async def worker() -> None:
            while plan:
                viewer, name, keypad, n = plan.pop()
                for step, took in (await one_call(hooks, viewer, name, keypad, n)).items():
                    samples[step].append(took)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, time.perf_counter() - start


def start_bridge(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`phonebridge serve` as Twilio's webhook target; toll-fraud guards opened wide, since
    every simulated caller places hundreds of calls in minutes."""
    port = free_port()
    env = {
        **os.environ,
        "PHONEBRIDGE_DATABASE_URL": db_url,
        "PHONEBRIDGE_SECRET_KEY": "bench-secret-" + "x" * 32,
        "PHONEBRIDGE_AUTO_MIGRATE": "false",
        "PHONEBRIDGE_LOG_LEVEL": "warning",
        "PHONEBRIDGE_LOOKUPS_PER_MINUTE": "0",
        "PHONEBRIDGE_CALL_PROVIDER": "twilio",
        "PHONEBRIDGE_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "PHONEBRIDGE_TWILIO_AUTH_TOKEN": TOKEN,
        "PHONEBRIDGE_TWILIO_PUBLIC_BASE_URL": PUBLIC,
        "PHONEBRIDGE_TWILIO_ACCESS_NUMBER": ACCESS,
        "PHONEBRIDGE_CALLS_PER_MINUTE": str(10**6),
        "PHONEBRIDGE_CALLS_PER_DAY": str(10**7),
        "PHONEBRIDGE_CONCURRENT_CALLS_PER_CALLER": str(10**6),
        "PHONEBRIDGE_CONCURRENT_CALLS_TOTAL": str(10**7),
    }
    argv = [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("phonebridge serve did not start")


def seed_elsewhere(url: str, accounts: int) -> Seeded:
    """Seed in a subprocess (bench/seed.py): the measured server starts on a settled store."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [sys.executable, "-m", "bench.seed", url, str(accounts), out.name]
        subprocess.run(argv, cwd=ROOT, check=True)
        with open(out.name) as f:
            return Seeded(**json.load(f))


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def report(samples: dict[str, list[float]], elapsed: float, calls: int) -> None:
    worst = 0.0
    for step in STEPS:
        if not samples.get(step):
            continue
        p50, p99 = statistics.median(samples[step]) * 1e3, pct(samples[step], 0.99) * 1e3
        worst = max(worst, p99)
        print(f"  {step:<14} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   (n={len(samples[step])})")
    print(f"  {calls} calls in {elapsed:.1f} s ({calls / elapsed:.1f} calls/s)")
    verdict = "within" if worst < SILENCE_BUDGET_MS else "OVER"
    print(
        f"  target: every webhook well under ~{SILENCE_BUDGET_MS:.0f} ms, when a caller notices "
        f"silence; worst p99 {worst:.1f} ms: {verdict}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=300, help="access-number calls to measure")
    parser.add_argument(
        "--concurrency", default="1,8", help="comma-separated calls in flight at once"
    )
    args = parser.parse_args()
    if args.db == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='pb-twilio-')}/bench.db"
    else:
        url = await reset_postgres_database(PG_ADMIN, "phonebridge_bench_twilio")
    seeded = seed_elsewhere(url, args.accounts)
    print(
        f"{args.db}: {args.accounts:,} accounts, {len(seeded.viewers)} callers with ~200 names "
        f"each; seeded {seeded.rows:,} rows in {seeded.seconds:.1f} s"
    )
    proc, base = start_bridge(url)
    try:
        await run_calls(base, seeded, 20, 2, random.Random(1))  # warm up: caches, connections
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            samples, elapsed = await run_calls(
                base, seeded, args.calls, concurrency, random.Random(concurrency)
            )
            print(
                f"webhook response times over HTTP (phonebridge serve, 1 process, "
                f"{concurrency} calls in flight):"
            )
            report(samples, elapsed, args.calls)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
