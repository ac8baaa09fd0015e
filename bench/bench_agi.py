"""Dial-by-name over FastAGI: full sessions per second on one core at 1, 100 and 500 concurrent
calls, with the real database, against a bare FastAGI loop (same commands, no lookups) in the
same run; p50/p99 from the caller's last key to the Dial variables.

    python bench/bench_agi.py [--db sqlite|postgres] [--sessions 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import Seeded, reset_postgres_database  # noqa: E402
from bench.spawn import spawn  # noqa: E402
from bridge.agi.server import FastAgiServer  # noqa: E402
from bridge.agi.session import AgiSession  # noqa: E402
from phonebook.names import index_name, keypad_digits  # noqa: E402

PG_ADMIN = os.environ.get(
    "PHONEBRIDGE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
CALLERS = 500
ACCOUNTS = 20_000


def env_block(caller: str) -> bytes:
    lines = {
        "agi_network": "yes",
        "agi_network_script": "access",
        "agi_channel": "PJSIP/trunk-1",
        "agi_uniqueid": "1.1",
        "agi_callerid": caller,
        "agi_context": "phonebridge-access",
        "agi_extension": "s",
        "agi_priority": "4",
        # The carrier attested the caller ID (STIR/SHAKEN A), as the dialplan hands it over:
        # under the default trust setting an unattested caller would be asked for a PIN.
        "agi_arg_1": "success",
        "agi_arg_2": "A",
    }
    return "".join(f"{k}: {v}\n" for k, v in lines.items()).encode() + b"\n"


# -- the server side (a process of its own, pinned to one core) ----------------------------------


async def serve(url: str, mode: str, port_file: str) -> None:
    from bridge.access import AccessNumber
    from bridge.prompts import NameVoice
    from phonebook.app import Phonebook
    from phonebook.calls import CallLimits
    from phonebook.config import PhonebookConfig
    from phonebook.store.engine import make_engine

    if mode == "bridge":
        limits = CallLimits(
            per_minute=10**6, per_day=10**7, concurrent_per_caller=10**6, concurrent_total=10**7
        )
        pb = Phonebook.build(
            make_engine(url, pool_size=20), PhonebookConfig(lookups_per_minute=0), limits
        )
        handler = AccessNumber(pb, NameVoice(None))
    else:
        handler = bare  # type: ignore[assignment]
    server = FastAgiServer(
        {"access": handler},
        host="127.0.0.1",
        port=0,
        max_concurrent=2000,
        # 500 calls connect at once and one core reads their headers in turn: the default
        # bound on connections still waiting for a header (64, against idlers) would close them
        max_pending=2000,
        header_timeout_s=30,
    )
    await server.start()
    Path(port_file).write_text(str(server.bound_port))
    await asyncio.Event().wait()


async def bare(session: AgiSession) -> str:
    """The same command sequence as a unique-match call, with no phonebook behind it."""
    await session.answer()
    for prompt in ("pb-welcome", "pb-ask-name"):
        await session.stream_file(f"phonebridge/{prompt}", "0123456789*#")
    await session.get_data("silence/1", 6000, 20)
    for prompt in ("pb-calling",):
        await session.stream_file(f"phonebridge/{prompt}", "0123456789*#")
    await session.say_alpha("johnsmith", "0123456789*#")
    await session.stream_file("phonebridge/pb-star-to-cancel", "0123456789*#")
    await session.get_data("silence/1", 3000, 1)
    for name, value in (
        ("PB_DIAL_NUMBER", "12025550111"),
        ("PB_CALLEE_NAME", "John Smith"),
        ("PB_MAX_SECONDS", "3600"),
        ("PB_CALL_ID", "0" * 32),
    ):
        await session.set_variable(name, value)
    return "dial"


# -- the Asterisk side: scripted calls ----------------------------------------------------------


async def one_call(port: int, caller: str, keys: list[str]) -> tuple[float, bool]:
    """A whole call; returns (seconds from the last key to PB_DIAL_NUMBER, dialled?)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env_block(caller))
    last_key_at = 0.0
    took, dialled = 0.0, False
    pending = list(keys)
    try:
        while line := await reader.readline():
            if line.startswith(b"GET DATA"):
                key = pending.pop(0) if pending else ""
                last_key_at = time.perf_counter()
                writer.write(f"200 result={key}\n".encode() if key else b"200 result= (timeout)\n")
            elif line.startswith(b"SET VARIABLE PB_DIAL_NUMBER"):
                took, dialled = time.perf_counter() - last_key_at, True
                writer.write(b"200 result=1\n")
            elif line.startswith(b"SET VARIABLE"):
                writer.write(b"200 result=1\n")
            else:
                writer.write(b"200 result=0 endpos=8000\n")
            await writer.drain()
    finally:
        writer.close()
    return took, dialled


async def calls(
    port: int, plan: list[tuple[str, list[str]]], concurrency: int
) -> tuple[float, list[float], int]:
    queue = list(plan)
    latencies: list[float] = []
    dialled = 0

    async def worker() -> None:
        nonlocal dialled
        while queue:
            caller, keys = queue.pop()
            took, ok = await one_call(port, caller, keys)
            if ok:
                dialled += 1
                latencies.append(took)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, dialled


def start_server(url: str, mode: str) -> tuple[subprocess.Popen[bytes], int]:
    return spawn("bench.bench_agi", "--serve", url, mode)


def plan_for(seeded: Seeded, sessions: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """Each call: a caller keys the last name of one of their contacts, picks 1 if a menu
    comes, and lets 'calling …' run."""
    plan = []
    for i in range(sessions):
        viewer = seeded.viewers[i % len(seeded.viewers)]
        caller = f"+1202{2_000_000 + int(viewer, 16)}"
        # spelled as a caller would: Latin letters, or the pinyin of a Han name
        spelling = index_name(rng.choice(seeded.contacts[viewer])).spellings[0]
        plan.append((caller, ["0".join(keypad_digits(t) for t in spelling), "1", ""]))
    return plan


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sessions", type=int, default=600, help="calls per concurrency level")
    parser.add_argument("--serve", nargs=3, metavar=("URL", "MODE", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # the server process: one core of its own
        os.sched_setaffinity(0, {0})
        await serve(*args.serve)
        return
    os.sched_setaffinity(0, {1})  # the scripted Asterisk on the other core
    if args.db == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='pb-agi-')}/bench.db"
    else:
        url = await reset_postgres_database(PG_ADMIN, "phonebridge_bench_agi")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = ["-m", "bench.seed", url, str(ACCOUNTS), out.name, str(CALLERS), "50"]
        subprocess.run([sys.executable, *argv], cwd=ROOT, check=True)
        with open(out.name) as f:
            seeded = Seeded(**json.load(f))
    print(f"{args.db}: {ACCOUNTS:,} accounts, {CALLERS} callers, 50 contacts each; server: 1 core")
    results: dict[str, dict[int, tuple[float, list[float], int]]] = {}
    for mode in ("bare", "bridge"):
        proc, port = start_server(url, mode)
        try:
            results[mode] = {}
            for concurrency in (1, 100, 500):
                sessions = min(args.sessions, 100) if concurrency == 1 else args.sessions
                plan = plan_for(seeded, sessions, random.Random(concurrency))
                await calls(port, plan[:20], min(concurrency, 20))  # warm up
                results[mode][concurrency] = await calls(port, plan, concurrency)
        finally:
            proc.terminate()
            proc.wait()
    for concurrency in (1, 100, 500):
        line = [f"  {concurrency:>3} concurrent:"]
        for mode in ("bare", "bridge"):
            elapsed, lat, dialled = results[mode][concurrency]
            sessions = min(args.sessions, 100) if concurrency == 1 else args.sessions
            p50 = statistics.median(lat) * 1e3 if lat else float("nan")
            p99 = sorted(lat)[int(0.99 * (len(lat) - 1))] * 1e3 if lat else float("nan")
            line.append(
                f"{mode} {sessions / elapsed:7.1f} sessions/s (last key → Dial vars "
                f"p50 {p50:6.2f} ms, p99 {p99:7.2f} ms, dialled {dialled}/{sessions})"
            )
        bare_rate = (
            min(args.sessions, 100 if concurrency == 1 else args.sessions)
            / results["bare"][concurrency][0]
        )
        bridge_rate = (
            min(args.sessions, 100 if concurrency == 1 else args.sessions)
            / results["bridge"][concurrency][0]
        )
        print("\n    ".join(line) + f"\n    ratio bridge/bare: {bridge_rate / bare_rate:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
