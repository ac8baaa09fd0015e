"""Lookup latency with 1k / 100k / 1M accounts (bench/seed.py: ~50 contacts each, 10 %
public), in process, cold (queries never asked before in this process) and warm (asked again),
and /v1/lookup over HTTP in one process against two baselines:
(a) the framework ceiling: a bare FastAPI endpoint returning a constant body of the same shape;
(b) the same app, middleware and bearer-token authentication as /v1/lookup, plus one indexed
    primary-key SELECT (bench/baseline_app.py).

    python bench/bench_lookup.py                          # 1k and 100k on PostgreSQL
    python bench/bench_lookup.py --sizes 1000000 --reuse  # a database seeded before, kept
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from api.auth import issue_token
from api.config import ApiConfig
from bench.seed import Seeded, reset_postgres_database
from bench.spawn import free_port, spawn
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.errors import NotFound
from phonebook.names import keypad_digits, normalize
from phonebook.store.engine import make_engine

PG_ADMIN = os.environ.get(
    "PHONEBRIDGE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-" + "x" * 32


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def fmt(samples: list[float]) -> str:
    median, p99 = statistics.median(samples) * 1e3, pct(samples, 0.99) * 1e3
    return f"median {median:7.2f} ms   p99 {p99:7.2f} ms"


def misspell(name: str, rng: random.Random) -> str:
    word = name.split()[-1]
    if len(word) < 4 or not word.isascii():
        return name
    i = rng.randrange(1, len(word) - 1)
    return name.replace(word, word[:i] + word[i + 1 :])  # drop one letter: "smth"


def queries(s: Seeded, rng: random.Random) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Query kinds → (viewer, query) pairs, each contact asked at most once."""
    out: dict[str, list[tuple[str, dict[str, str]]]] = {
        k: []
        for k in ("full name", "first name", "misspelt", "keypad", "public", "absent", "unshared")
    }
    publics = list(s.public)
    rng.shuffle(publics)
    for i, viewer in enumerate(s.viewers):
        contacts = list(s.contacts[viewer])
        rng.shuffle(contacts)
        if len(contacts) < 4:
            continue
        full, first, wrong, keyed = contacts[:4]
        out["full name"].append((viewer, {"name": full}))
        out["first name"].append((viewer, {"name": first.split()[0] if " " in first else first}))
        out["misspelt"].append((viewer, {"name": misspell(wrong, rng)}))
        last = normalize(keyed).split()[-1]
        digits = keypad_digits(last) if last.isascii() else keypad_digits(keyed)
        if len(digits) >= 3:
            out["keypad"].append((viewer, {"keys": digits}))
        if publics:
            out["public"].append((viewer, {"name": publics[i % len(publics)]}))
        out["absent"].append((viewer, {"name": f"Absent Person{i:05d}"}))
        out["unshared"].append((viewer, {"name": s.unshared[i % len(s.unshared)]}))
    return out


async def in_process(
    pb: Phonebook, qs: dict[str, list[tuple[str, dict[str, str]]]], rounds: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in qs}
    for _ in range(rounds):
        for kind, pairs in qs.items():
            for viewer, q in pairs:
                start = time.perf_counter()
                with contextlib.suppress(NotFound):
                    await pb.directory.lookup(viewer, name=q.get("name"), digits=q.get("keys"))
                times[kind].append(time.perf_counter() - start)
    return times


def start_server(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server did not start: {argv}")


async def drive(
    url: str,
    requests: list[tuple[dict[str, str], dict[str, str]]],
    concurrency: int,
    path: str = "/v1/lookup",
) -> tuple[list[float], float]:
    """Send every (params, headers) request with ``concurrency`` in flight; latencies and req/s."""
    latencies: list[float] = []
    queue = list(requests)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def worker() -> None:
            while queue:
                params, headers = queue.pop()
                start = time.perf_counter()
                r = await client.get(path, params=params, headers=headers)
                latencies.append(time.perf_counter() - start)
                assert r.status_code in (200, 404), r.text

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return latencies, len(latencies) / elapsed


async def over_http(
    url: str,
    s: Seeded,
    qs: dict[str, list[tuple[str, dict[str, str]]]],
    total: int,
    concurrency: int,
) -> dict[str, tuple[list[float], float]]:
    tokens = {v: issue_token(ApiConfig(secret_key=SECRET), v) for v in s.viewers}
    pairs = [
        (q, {"Authorization": f"Bearer {tokens[v]}"})
        for kind in ("full name", "keypad", "absent")
        for v, q in qs[kind]
    ]
    requests = [pairs[i % len(pairs)] for i in range(total)]
    env = {
        **os.environ,
        "PHONEBRIDGE_DATABASE_URL": url,
        "PHONEBRIDGE_SECRET_KEY": SECRET,
        "PHONEBRIDGE_LOOKUPS_PER_MINUTE": "0",
        "PHONEBRIDGE_LOOKUPS_PER_ADDRESS_PER_MINUTE": "0",
        "PHONEBRIDGE_AUTO_MIGRATE": "false",
        "PHONEBRIDGE_LOG_LEVEL": "warning",
        "PHONEBRIDGE_AGI_PORT": str(free_port()),
    }
    results = {}
    port = free_port()
    proc = start_server(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)], env, port
    )
    try:
        await drive(f"http://127.0.0.1:{port}", requests[:100], concurrency)  # warm up
        results["phonebridge /v1/lookup"] = await drive(
            f"http://127.0.0.1:{port}", requests, concurrency
        )
    finally:
        proc.terminate()
        proc.wait()
    proc, port = spawn("bench.baseline_app", env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        await drive(base, requests[:100], concurrency, "/bench/pk")
        results["(b) same auth + 1 PK SELECT"] = await drive(
            base, requests, concurrency, "/bench/pk"
        )
    finally:
        proc.terminate()
        proc.wait()
    port = free_port()
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = start_server(
        bare, {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, port
    )
    try:
        await drive(f"http://127.0.0.1:{port}", requests[:100], concurrency)
        results["(a) bare FastAPI constant"] = await drive(
            f"http://127.0.0.1:{port}", requests, concurrency
        )
    finally:
        proc.terminate()
        proc.wait()
    return results


def seed_elsewhere(url: str, size: int, out: str) -> Seeded:
    """Seed in a subprocess: this process stays as lean as a serving one."""
    import json

    root = str(Path(__file__).resolve().parents[1])
    subprocess.run([sys.executable, "-m", "bench.seed", url, str(size), out], cwd=root, check=True)
    with open(out) as f:
        return Seeded(**json.load(f))


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run(db: str, size: int, args: argparse.Namespace) -> None:
    import json

    described = f"{tempfile.gettempdir()}/phonebridge_bench_{size}.json"
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="pb-bench-")
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        seeded = seed_elsewhere(url, size, described)
    elif args.reuse and os.path.exists(described):
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/phonebridge_bench_{size}"
        with open(described) as f:
            seeded = Seeded(**json.load(f))
    else:
        url = await reset_postgres_database(PG_ADMIN, f"phonebridge_bench_{size}")
        seeded = seed_elsewhere(url, size, described)
    print(
        f"\n== {db}, {size:,} accounts: seeded {seeded.rows:,} rows in {seeded.seconds:.1f} s "
        f"({seeded.rows / seeded.seconds:,.0f} rows/s; {seeded.phases}); {load()}"
    )
    qs = queries(seeded, random.Random(11))
    engine = make_engine(url)
    pb = Phonebook.build(engine, PhonebookConfig(lookups_per_minute=0))
    with contextlib.suppress(NotFound):  # opens a pooled connection; a name in no query
        await pb.directory.lookup(seeded.viewers[0], name="Warmup Nobody")
    cold = await in_process(pb, qs, 1)  # each query asked for the first time in this process
    warm = await in_process(pb, qs, args.rounds)
    if hasattr(pb.directory, "close"):  # older code (A/B runs) writes its audit inline
        await pb.directory.close()
    await engine.dispose()
    print("in process (Directory.lookup), per query kind:   cold | warm")
    for kind in qs:
        print(f"  {kind:<11} {fmt(cold[kind])} | {fmt(warm[kind])}   (n={len(cold[kind])})")
    every = [t for v in cold.values() for t in v], [t for v in warm.values() for t in v]
    print(f"  {'all':<11} {fmt(every[0])} | {fmt(every[1])}")
    absent, unshared = statistics.median(warm["absent"]), statistics.median(warm["unshared"])
    print(
        f"  not-found timing, absent vs unshared: {absent * 1e3:.2f} ms vs {unshared * 1e3:.2f} ms"
    )
    if args.http:
        results = await over_http(url, seeded, qs, args.requests, args.concurrency)
        print(
            f"over HTTP (uvicorn, 1 process each, {args.concurrency} in flight, "
            f"{args.requests} requests; {load()}):"
        )
        for label, (samples, rps) in results.items():
            print(f"  {label:<28} {fmt(samples)}   {rps:8.0f} req/s")
        ours = results["phonebridge /v1/lookup"][1]
        for label in ("(a) bare FastAPI constant", "(b) same auth + 1 PK SELECT"):
            print(f"  /v1/lookup throughput / {label}: {ours / results[label][1]:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated account counts")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--rounds", type=int, default=2, help="warm passes over the query set")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded before")
    args = parser.parse_args()
    print("command: python " + " ".join(sys.argv))
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for size in (int(s) for s in args.sizes.split(",")):
        for db in dbs:
            await run(db, size, args)


if __name__ == "__main__":
    asyncio.run(main())
