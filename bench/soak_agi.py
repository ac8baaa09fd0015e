"""Soak: N concurrent dial-by-name calls over FastAGI for M minutes against a real
`phonebridge serve` on a seeded phonebook, the server's RSS sampled every 10 s.

Each of the ``--calls`` scripted Asterisk channels places one call after another: the caller
keys the last name of one of their contacts, picks 1 if a menu comes, lets "calling …" run,
and the bridge hands over PB_DIAL_NUMBER. Prompts and key presses take time as on a real line
(``--pace 1`` ≈ 1 s per prompt, 2 s per key entry; 0.1 is ten times faster), so 200 calls at
once are about 20 new calls a second. At the end no new call starts, SIGTERM goes to the
server while the last calls are still running (they must all finish), and the server must
exit 0.

Reported: RSS first / after warm-up / last / max and the growth after warm-up (goal: ≤ 10 %),
errors (goal: 0: a connection failure, a call that ends without PB_RESULT, or PB_RESULT
error / timeout / busy), calls that ended without dialling for another reason, the server's
own FastAGI outcome counts from /metrics, its CPU time and the machine's load.

    python bench/soak_agi.py [--minutes 10] [--calls 200] [--pace 1.0] [--accounts 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_agi import env_block, plan_for  # noqa: E402
from bench.seed import Seeded  # noqa: E402
from bench.spawn import free_port  # noqa: E402

SAMPLE_S = 10.0
CALLERS = 500
SERVER_ERRORS = {"error", "timeout", "busy"}


@dataclass
class Tally:
    calls: int = 0
    active: int = 0
    dialled: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)  # ended without dialling, by result


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_call(port: int, caller: str, keys: list[str], pace: float, rng: random.Random) -> str:
    """One call as Asterisk plays it; returns PB_RESULT ('' when none came)."""

    async def takes(seconds: float) -> None:
        await asyncio.sleep(seconds * pace * rng.uniform(0.8, 1.2))

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env_block(caller))
    pending, result = list(keys), ""
    try:
        while line := await reader.readline():
            if line.startswith((b"STREAM FILE", b"SAY ")):
                await takes(1.0 if line.startswith(b"STREAM") else 1.5)
                writer.write(b"200 result=0 endpos=8000\n")
            elif line.startswith(b"GET DATA"):
                key = pending.pop(0) if pending else ""
                timeout_s = int(line.split()[3]) / 1000
                await takes(2.0 if key else min(timeout_s, 3.0))
                writer.write(f"200 result={key}\n".encode() if key else b"200 result= (timeout)\n")
            elif line.startswith(b"SET VARIABLE PB_RESULT "):
                result = line.split()[-1].decode().strip('"')
                writer.write(b"200 result=1\n")
            else:  # ANSWER, the other SET VARIABLEs
                writer.write(b"200 result=0\n")
            await writer.drain()
    finally:
        writer.close()
    return result


async def channel(
    port: int,
    plan: list[tuple[str, list[str]]],
    until: float,
    pace: float,
    tally: Tally,
    seed: int,
) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, 5 * pace))  # channels do not all start at once
    while time.monotonic() < until:
        caller, keys = rng.choice(plan)
        tally.active += 1
        try:
            result = await one_call(port, caller, keys, pace, rng)
        except OSError as exc:
            tally.errors[f"connection: {type(exc).__name__}"] += 1
            await asyncio.sleep(1)
            continue
        finally:
            tally.active -= 1
        tally.calls += 1
        if result == "dial":
            tally.dialled += 1
        elif not result or result in SERVER_ERRORS:
            tally.errors[f"PB_RESULT {result or 'missing'}"] += 1
        else:
            tally.other[result] += 1


def seed_database(url: str, accounts: int) -> Seeded:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = ["-m", "bench.seed", url, str(accounts), out.name, str(CALLERS), "50"]
        subprocess.run([sys.executable, *argv], cwd=ROOT, check=True)
        with open(out.name) as f:
            return Seeded(**json.load(f))


def start_server(
    folder: Path, url: str, calls: int, deadline_s: float
) -> tuple[subprocess.Popen[bytes], int, int]:
    http, agi = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEBRIDGE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PHONEBRIDGE_DATABASE_URL=url,
        PHONEBRIDGE_AGI_PORT=str(agi),
        PHONEBRIDGE_AGI_MAX_CONCURRENT=str(calls * 2),
        PHONEBRIDGE_LOOKUPS_PER_MINUTE="0",
        PHONEBRIDGE_CALLS_PER_MINUTE="1000000",
        PHONEBRIDGE_CALLS_PER_DAY="1000000",
        PHONEBRIDGE_CONCURRENT_CALLS_PER_CALLER="1000000",
        PHONEBRIDGE_CONCURRENT_CALLS_TOTAL="1000000",
        PHONEBRIDGE_LOG_LEVEL="warning",  # one info line per call would be the largest cost
        PHONEBRIDGE_SHUTDOWN_DEADLINE_SECONDS=str(deadline_s),
    )
    with (folder / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "phonebridge", "serve", "--port", str(http)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{http}/healthz", timeout=2).status_code == 200:
                return proc, http, agi
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"phonebridge serve did not start:\n{(folder / 'serve.log').read_text()}")


def agi_outcomes(http: int) -> dict[str, float] | str:
    try:  # a starved server may answer slowly; the soak's figures do not depend on it
        text = httpx.get(f"http://127.0.0.1:{http}/metrics", timeout=60).text
    except httpx.HTTPError as exc:
        return f"unavailable ({type(exc).__name__})"
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("phonebridge_agi_sessions_total{"):
            labels, value = line.rsplit(" ", 1)
            result = labels.split('result="')[1].split('"')[0]
            found[result] = found.get(result, 0) + float(value)
    return found


def logged_failures(log: Path) -> Counter[str]:
    """The exception types of the server's logged failures (their outlines name them)."""
    found: Counter[str] = Counter()
    lines = log.read_text(errors="replace").splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if "(message withheld" in line and not following.startswith("which led to"):
            found[line.split(" ", 1)[0]] += 1
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--calls", type=int, default=200, help="concurrent calls")
    parser.add_argument("--pace", type=float, default=1.0, help="1 = real-time prompts and keys")
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument(
        "--stop-deadline",
        type=float,
        default=60.0,
        help="PHONEBRIDGE_SHUTDOWN_DEADLINE_SECONDS: above the longest call, so all finish",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pb-soak-"))
    url = f"sqlite+aiosqlite:///{folder / 'soak.db'}"
    seeded = seed_database(url, args.accounts)
    plan = plan_for(seeded, 2_000, random.Random(1))
    proc, http, agi = start_server(folder, url, args.calls, args.stop_deadline)
    try:
        await soak(args, proc, http, agi, plan, folder)
    finally:
        if proc.poll() is None:  # the soak failed: never leave the server behind
            proc.kill()
            proc.wait()


async def soak(
    args: argparse.Namespace,
    proc: subprocess.Popen[bytes],
    http: int,
    agi: int,
    plan: list[tuple[str, list[str]]],
    folder: Path,
) -> None:
    load_before = os.getloadavg()
    print(
        f"phonebridge serve pid {proc.pid} (SQLite, {args.accounts:,} accounts, {CALLERS} "
        f"callers); {args.calls} concurrent calls for {args.minutes:g} min, pace {args.pace:g}; "
        f"load average {load_before[0]:.2f} on {os.cpu_count()} cores"
    )
    tally = Tally()
    start = time.monotonic()
    until = start + args.minutes * 60
    channels = [
        asyncio.create_task(channel(agi, plan, until, args.pace, tally, seed))
        for seed in range(args.calls)
    ]
    samples: list[tuple[float, int]] = []
    while time.monotonic() < until:
        await asyncio.sleep(SAMPLE_S)
        samples.append((time.monotonic() - start, rss_kb(proc.pid)))
        t, kb = samples[-1]
        print(
            f"  t={t:5.0f} s  RSS {kb / 1024:6.1f} MB  calls {tally.calls:6d}  "
            f"dialled {tally.dialled:6d}  errors {sum(tally.errors.values())}",
            flush=True,
        )
    outcomes = agi_outcomes(http)
    cpu = cpu_s(proc.pid)
    # the end: no new calls; SIGTERM while the last ones still run; all must finish
    await asyncio.sleep(2)  # calls started just before the end are connected by now
    in_flight, calls_at_stop = tally.active, tally.calls
    errors_at_stop = sum(tally.errors.values())
    proc.send_signal(signal.SIGTERM)
    await asyncio.gather(*channels)
    returncode = await asyncio.to_thread(proc.wait, 120)
    elapsed = time.monotonic() - start

    kb = [k for _, k in samples]
    warm = next((i for i, (t, _) in enumerate(samples) if t >= min(120, elapsed / 5)), 0)
    growth = (kb[-1] / kb[warm] - 1) * 100
    load_after = os.getloadavg()
    print(f"\n{tally.calls} calls in {elapsed:.0f} s ({tally.calls / elapsed:.1f}/s)")
    print(
        f"RSS first {kb[0] / 1024:.1f} MB, after warm-up (t={samples[warm][0]:.0f} s) "
        f"{kb[warm] / 1024:.1f} MB, last {kb[-1] / 1024:.1f} MB, max {max(kb) / 1024:.1f} MB; "
        f"growth after warm-up {growth:+.1f} % (goal ≤ 10 %)"
    )
    print(f"errors: {sum(tally.errors.values())} {dict(tally.errors) or ''}".rstrip())
    print(f"dialled {tally.dialled}; ended otherwise: {dict(tally.other) or 'none'}")
    print(f"server's own FastAGI outcomes (/metrics, before the stop): {outcomes}")
    print(f"failures in the server's log: {dict(logged_failures(folder / 'serve.log')) or 'none'}")
    print(
        f"stop: SIGTERM with {in_flight} calls in progress (deadline {args.stop_deadline:g} s): "
        f"{tally.calls - calls_at_stop} finished, {sum(tally.errors.values()) - errors_at_stop} "
        f"errors; server exit code {returncode}"
    )
    print(
        f"server CPU {cpu:.0f} s ({cpu / elapsed * 100:.0f} % of one core); load average "
        f"{load_before[0]:.2f} → {load_after[0]:.2f} on {os.cpu_count()} cores (a shared machine)"
    )
    print(f"(server log: {folder / 'serve.log'})")


if __name__ == "__main__":
    asyncio.run(main())
