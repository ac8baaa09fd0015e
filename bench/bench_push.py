"""Push latency and memory (issue 13): open SSE streams plus CardDAV pollers, changes at a
steady rate; prints change → event p50/p99 and the server's memory per open stream.

SQLite: one `phonebridge serve`. PostgreSQL: two, streams split between them and every change
made through the first, so half the events cross processes by LISTEN/NOTIFY. People and app
passwords are seeded through the domain (no password hashing); changes go through the API
(PATCH an entry's label, which every viewer of that owner sees).

    python bench/bench_push.py [--db postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
        [--streams 1000] [--pollers 100] [--rate 50] [--seconds 20] [--poll-seconds 5]
With --db, the bench makes (dropping it first) a database of its own on that server,
`phonebridge_bench_push`, as the other benchmarks do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import issue_token  # noqa: E402
from api.config import ApiConfig  # noqa: E402
from bench.seed import reset_postgres_database  # noqa: E402
from bench.spawn import serve_many  # noqa: E402
from phonebook.app import Phonebook  # noqa: E402
from phonebook.config import PhonebookConfig  # noqa: E402
from phonebook.store.engine import make_engine  # noqa: E402
from phonebook.store.migrate import upgrade  # noqa: E402

SECRET = "bench-secret-" + "k" * 32
VIEWERS_PER_OWNER = 20
SYNC = (
    '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token>'
    "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
)


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def seed(url: str, viewers: int) -> tuple[list[tuple[str, str, str]], list[str], dict]:
    """(owner id, entry id, token) per owner; viewer tokens; viewer → (phone, app password)."""
    engine = make_engine(url)
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True))
    config = ApiConfig(secret_key=SECRET)
    owners: list[tuple[str, str, str]] = []
    viewer_tokens: list[str] = []
    creds: dict[str, tuple[str, str]] = {}
    n_owners = max(1, viewers // VIEWERS_PER_OWNER)
    for o in range(n_owners):
        owner = (await pb.accounts.register(f"Owner {o}", f"+1202600{o:04d}", None)).id
        circle = await pb.circles.create(owner, "viewers")
        for v in range(VIEWERS_PER_OWNER):
            phone = f"+1202700{o * VIEWERS_PER_OWNER + v:04d}"
            viewer = (await pb.accounts.register(f"Viewer {o}-{v}", phone, None)).id
            await pb.circles.add_member(owner, circle.id, phone)
            viewer_tokens.append(issue_token(config, viewer))
            if len(creds) < 200:
                _, secret = await pb.app_passwords.create(viewer, "bench")
                creds[viewer] = (phone, secret)
        entry = await pb.cards.add(owner, "phone", "l0", f"+1202800{o:04d}", {circle.id: "visible"})
        owners.append((owner, entry.id, issue_token(config, owner)))
    await engine.dispose()
    return owners, viewer_tokens[:viewers], creds


def start(
    url: str, processes: int, folder: Path
) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    return serve_many(
        processes,
        folder,
        database_url=url,
        secret_key=SECRET,
        agi_port="0",
        log_level="warning",
        auto_migrate="false",
        push_heartbeat_seconds="15",
        lookups_per_minute="0",
    )


async def stream(
    client: httpx.AsyncClient, base: str, token: str, got: list[tuple[str, float]], opened: Any
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", f"{base}/v1/me/phonebook/events", headers=headers) as r:
        first = True
        async for line in r.aiter_lines():
            if not line.startswith("data:"):
                continue
            if first:
                first = False
                with opened.get_lock():
                    opened.value += 1
                continue
            now = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
            for contact in json.loads(line[5:])["contacts"]:
                got.append((contact["entries"][0]["label"], now))


def reader(pairs: list[tuple[str, str]], opened: Any, stop: Any, out: Any) -> None:
    """A process holding some of the streams (one client process would measure itself)."""
    asyncio.run(_reader(pairs, opened, stop, out))


async def _reader(pairs: list[tuple[str, str]], opened: Any, stop: Any, out: Any) -> None:
    got: list[tuple[str, float]] = []
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=None, limits=limits) as client:
        tasks = []
        for i, (base, token) in enumerate(pairs):
            tasks.append(asyncio.create_task(stream(client, base, token, got, opened)))
            if i % 25 == 24:
                await asyncio.sleep(0.2)
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    out.put(got)


async def poller(
    client: httpx.AsyncClient,
    base: str,
    cred: tuple[str, str],
    viewer: str,
    every: float,
    stop: asyncio.Event,
    count: list[int],
) -> None:
    token = ""
    path = f"{base}/dav/addressbooks/{viewer}/phonebook/"
    while not stop.is_set():
        r = await client.request("REPORT", path, content=SYNC.format(token), auth=cred)
        count[0] += 1
        if r.status_code == 207 and b"<d:sync-token>" in r.content:
            token = r.content.split(b"<d:sync-token>")[1].split(b"<")[0].decode()
        await asyncio.sleep(every)


async def timed(
    request: Awaitable[httpx.Response], took: list[float], done: dict[str, float], label: str
) -> httpx.Response:
    start = time.perf_counter()
    response = await request
    done[label] = time.perf_counter()
    took.append(done[label] - start)
    return response


async def run(args: argparse.Namespace) -> None:
    folder, url = args.folder, args.url
    processes = 2 if args.db else 1
    owners, tokens, creds = await seed(url, args.streams)
    procs, bases = start(url, processes, folder)
    mp = multiprocessing.get_context("spawn")
    opened, stop_readers, out = mp.Value("i", 0), mp.Event(), mp.Queue()
    readers: list[Any] = []
    try:
        before = [rss_kib(p.pid) for p in procs]
        pairs = [(bases[i % len(bases)], t) for i, t in enumerate(tokens)]
        for r in range(args.readers):
            readers.append(
                mp.Process(
                    target=reader, args=(pairs[r :: args.readers], opened, stop_readers, out)
                )
            )
            readers[-1].start()
        for _ in range(3000):  # bounded: a stream that failed never opens
            if opened.value >= len(tokens) or not any(r.is_alive() for r in readers):
                break
            await asyncio.sleep(0.2)
        refused = len(tokens) - opened.value
        await asyncio.sleep(2)
        after = [rss_kib(p.pid) for p in procs]
        per_stream = (sum(after) - sum(before)) / max(1, opened.value)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        sent: dict[str, float] = {}
        async with httpx.AsyncClient(timeout=None, limits=limits) as client:
            stop = asyncio.Event()
            count = [0]
            pollers = [
                asyncio.create_task(
                    poller(
                        client, bases[i % len(bases)], cred, viewer, args.poll_seconds, stop, count
                    )
                )
                for i, (viewer, cred) in enumerate(list(creds.items())[: args.pollers])
            ]
            cpu_before = [cpu_s(p.pid) for p in procs]
            wall = time.perf_counter()
            total = int(args.rate * args.seconds)
            changes: list[asyncio.Task[httpx.Response]] = []
            took: list[float] = []  # how long each change's PATCH took
            done: dict[str, float] = {}  # when each change's PATCH was answered (committed)
            start_t = time.perf_counter()
            for seq in range(1, total + 1):
                _, entry, token = owners[seq % len(owners)]
                label = f"l{seq}"
                sent[label] = time.perf_counter()
                request = client.patch(
                    f"{bases[0]}/v1/me/entries/{entry}",
                    json={"label": label},
                    headers={"Authorization": f"Bearer {token}"},
                )
                changes.append(asyncio.create_task(timed(request, took, done, label)))
                await asyncio.sleep(max(0.0, start_t + seq / args.rate - time.perf_counter()))
            await asyncio.gather(*changes, return_exceptions=True)
            await asyncio.sleep(args.settle)  # the last events arrive
            wall = time.perf_counter() - wall
            server_cpu = [(cpu_s(p.pid) - b) / wall for p, b in zip(procs, cpu_before, strict=True)]
            stop.set()
            failed = sum(1 for c in changes if c.exception() or c.result().status_code != 200)
            for t in pollers:
                t.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
        stop_readers.set()
        received = [item for _ in readers for item in out.get(timeout=120)]
        got = [t - sent[label] for label, t in received if label in sent]
        # the push path alone: from the answer to the PATCH (after its commit) to the event;
        # an event that came before the answer counts as 0
        pushed = sorted(max(0.0, t - done[label]) for label, t in received if label in done)
        qa = statistics.quantiles(pushed, n=100) if len(pushed) > 1 else [0.0] * 99
        expected = total * VIEWERS_PER_OWNER  # every viewer of the owner has a stream
        got.sort()
        q = statistics.quantiles(got, n=100) if len(got) > 1 else [0.0] * 99
        print(
            f"{'postgresql x2' if args.db else 'sqlite x1'}: {opened.value} streams "
            f"({refused} failed to open), "
            f"{len(pollers)} CardDAV pollers ({count[0]} sync-collection REPORTs), "
            f"{total} changes at {args.rate}/s ({failed} refused) → {len(got)}/{expected} events; "
            f"change→event p50 {q[49] * 1e3:.0f} ms, p99 {q[98] * 1e3:.0f} ms "
            f"(the PATCH itself: p50 {statistics.median(took) * 1e3:.0f} ms; PATCH answered → "
            f"event p50 {qa[49] * 1e3:.0f} ms, p99 {qa[98] * 1e3:.0f} ms); "
            f"server memory per open stream {per_stream:.1f} KiB; CPU busy during changes: "
            f"servers {', '.join(f'{c:.0%}' for c in server_cpu)}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
    finally:
        stop_readers.set()
        for r in readers:
            r.join(timeout=30)
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def prepare(args: argparse.Namespace) -> None:
    """A fresh, migrated database (outside the event loop: the migrations run their own)."""
    args.folder = Path(tempfile.mkdtemp(prefix="bench-push-"))
    if args.db:  # a database of its own on that server, never the test suite's
        args.url = asyncio.run(reset_postgres_database(args.db, "phonebridge_bench_push"))
        upgrade(args.url)
    else:
        args.url = f"sqlite+aiosqlite:///{args.folder / 'bench.db'}"
        upgrade(args.url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        default="",
        help="a PostgreSQL server URL (two processes, own database); default SQLite",
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--poll-seconds", type=float, default=5)
    parser.add_argument("--readers", type=int, default=4, help="processes holding the streams")
    parser.add_argument("--settle", type=float, default=5, help="seconds for the last events")
    args = parser.parse_args()
    prepare(args)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
