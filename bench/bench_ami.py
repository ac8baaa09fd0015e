"""AMI click-to-call: Originates per second through our AMI client at 1, 10 and 100 in flight,
with and without a flood of ~10,000 unrelated events per second (other calls' Newchannel,
Newstate, VarSet and Hangup), p50/p99 from Originate to its OriginateResponse, and the client's
CPU time per event and per Originate. The scripted Asterisk runs in a process of its own and
answers with the bytes of a real Asterisk 22
(tests/fixtures/asterisk-captures/ami-originate-success), so the client process is measured alone.

    python bench/bench_ami.py [--seconds 5] [--rate 10000] [--levels 1,10,100]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.spawn import spawn  # noqa: E402
from bridge.ami.client import AmiClient  # noqa: E402
from bridge.ami.testing import (  # noqa: E402
    ami_transcript,
    captured_originate_replies,
    for_action,
)

CAPTURES = ROOT / "tests" / "fixtures" / "asterisk-captures"  # read as data, not imported
CAPTURE = "ami-originate-success"
FLOODED = (
    b"Event: Newchannel\r\n",
    b"Event: Newstate\r\n",
    b"Event: VarSet\r\n",
    b"Event: Hangup\r\n",
)
ACTION_ID = re.compile(rb"ActionID: ([^\r\n]*)")
TICK_S = 0.01  # the flood is written in batches, 100 a second


# -- the Asterisk side (a process of its own) ----------------------------------------------------


def login_replies() -> tuple[bytes, bytes]:
    """The captured banner, and everything Asterisk sent between Login and the next action
    (the response, FullyBooted, SuccessfulAuth), with the capture's ActionID."""
    blocks = ami_transcript(CAPTURES, CAPTURE)
    banner = blocks[0].data
    after = list(itertools.dropwhile(lambda b: b"Action: Login" not in b.data, blocks))[1:]
    replies = itertools.takewhile(lambda b: b.direction == "RECV", after)
    return banner, b"".join(b.data for b in replies)


def other_calls(variants: int = 1000) -> list[bytes]:
    """The capture's channel events, renumbered as belonging to ``variants`` other calls:
    same bytes and lengths, other Uniqueids, Linkedids and channel names."""
    events = [
        b.data
        for b in ami_transcript(CAPTURES, CAPTURE)
        if b.direction == "RECV" and b.data.startswith(FLOODED)
    ]
    out = []
    for n in range(variants):
        call = str(1_800_000_000 + n).encode()  # as long as the captured 1795463683
        for event in events:
            out.append(event.replace(b"1795463683", call).replace(b"-0000000", b"-9999999"))
    return out


class Asterisk:
    """Answers Login and Originate as captured; BenchFlood sets the unrelated-event rate and
    reports how many events were written so far."""

    def __init__(self) -> None:
        self.banner, self.login = login_replies()
        self.queued, self.outcome = captured_originate_replies(CAPTURES)
        self.events = itertools.cycle(other_calls())
        self.rate = 0
        self.sent = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(self.banner)
        flooding = asyncio.create_task(self._flood(writer))
        loop = asyncio.get_running_loop()
        try:
            while True:
                action = await reader.readuntil(b"\r\n\r\n")
                match = ACTION_ID.search(action)
                action_id = match.group(1) if match else b""
                if action.startswith(b"Action: Originate\r\n"):
                    writer.write(for_action(self.queued, action_id))
                    # the outcome comes later, as its own write, like Asterisk's
                    loop.call_soon(writer.write, for_action(self.outcome, action_id))
                elif action.startswith(b"Action: Login\r\n"):
                    writer.write(ACTION_ID.sub(b"ActionID: " + action_id, self.login))
                elif action.startswith(b"Action: BenchFlood\r\n"):
                    self.rate = int(action.split(b"Rate: ")[1].split(b"\r\n")[0])
                    writer.write(
                        b"Response: Success\r\nActionID: "
                        + action_id
                        + f"\r\nSent: {self.sent}\r\n\r\n".encode()
                    )
                else:  # Ping, Logoff: a plain Success is all the client needs here
                    writer.write(b"Response: Success\r\nActionID: " + action_id + b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            flooding.cancel()
            writer.close()

    async def _flood(self, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += TICK_S
            if self.rate:
                batch = max(1, round(self.rate * TICK_S))
                writer.write(b"".join(itertools.islice(self.events, batch)))
                self.sent += batch
                await writer.drain()  # a client that cannot keep up slows the flood down
            else:
                due = loop.time() + TICK_S
            await asyncio.sleep(max(0.0, due - loop.time()))


async def serve(port_file: str) -> None:
    asterisk = Asterisk()
    server = await asyncio.start_server(asterisk.serve, "127.0.0.1", 0)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    await asyncio.Event().wait()


def start_asterisk() -> tuple[subprocess.Popen[bytes], int]:
    return spawn("bench.bench_ami", "--serve")


# -- the bridge side: our client, measured ---------------------------------------------------------


@dataclass
class Run:
    originates: int
    seconds: float
    latencies: list[float]
    cpu_s: float
    events: int

    def line(self) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1e3 if lat else float("nan")
        p99 = lat[int(0.99 * (len(lat) - 1))] * 1e3 if lat else float("nan")
        cpu_us = self.cpu_s / max(self.originates, 1) * 1e6
        return (
            f"{self.originates / self.seconds:7.0f} originates/s, p50 {p50:6.2f} ms, "
            f"p99 {p99:6.2f} ms, {self.events / self.seconds:6.0f} events/s, "
            f"client CPU {cpu_us:5.0f} µs/originate"
        )


async def flood(client: AmiClient, rate: int) -> int:
    """Set the peer's flood rate; returns how many events it has written so far. The answer
    comes after every event written before it, so those have been read by then."""
    return int((await client.action("BenchFlood", {"Rate": str(rate)}))["Sent"])


async def originates(client: AmiClient, in_flight: int, seconds: float) -> Run:
    """``in_flight`` callers originating back to back, each waiting for its outcome."""
    latencies: list[float] = []
    ids = itertools.count()
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        while time.perf_counter() < deadline:
            call_id = f"bench-{next(ids)}"
            began = time.perf_counter()
            handle = await client.originate(
                "PJSIP/+12025550100@phonebridge-trunk",
                context="phonebridge-connect",
                exten="s",
                priority=1,
                timeout_ms=30_000,
                caller_id='"PhoneBridge" <>',
                variables={"PB_CALL_ID": call_id},
                action_id=call_id,
            )
            await handle.result
            latencies.append(time.perf_counter() - began)

    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    elapsed = time.perf_counter() - began
    return Run(len(latencies), elapsed, latencies, time.process_time() - cpu, 0)


async def measured(client: AmiClient, rate: int, in_flight: int, seconds: float) -> Run:
    await flood(client, rate)
    await asyncio.sleep(0.2)  # let the flood reach its pace
    before = await flood(client, rate)
    run = await originates(client, in_flight, seconds)
    run.events = await flood(client, 0) - before
    return run


async def flood_alone(client: AmiClient, rate: int, seconds: float) -> tuple[float, float]:
    """Events per second received and client CPU µs per event, with nothing else running."""
    before = await flood(client, rate)
    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    events = await flood(client, 0) - before
    elapsed, cpu_s = time.perf_counter() - began, time.process_time() - cpu
    return events / elapsed, cpu_s / max(events, 1) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rate", type=int, default=10_000, help="unrelated events per second")
    parser.add_argument("--levels", default="1,10,100", help="Originates in flight")
    parser.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # the scripted Asterisk: one core of its own
        os.sched_setaffinity(0, {0})
        await serve(args.serve)
        return
    os.sched_setaffinity(0, {1})  # the client on the other core, measured alone
    levels = [int(n) for n in args.levels.split(",")]
    proc, port = start_asterisk()
    client = AmiClient("127.0.0.1", port, "bridge", "bridgesecret", max_pending=max(levels) + 10)
    client.start()
    try:
        if not await client.wait_connected(10):
            raise RuntimeError("AMI client did not log in")
        await originates(client, 10, 0.5)  # warm up
        print(
            f"AMI client alone on core 1, scripted Asterisk (captured bytes) on core 0, "
            f"{args.seconds:g} s per figure; load average {os.getloadavg()[0]:.2f} at start"
        )
        rate, cpu_us = await flood_alone(client, args.rate, args.seconds)
        print(f"  flood alone: {rate:,.0f} events/s read, client CPU {cpu_us:.1f} µs/event")
        for in_flight in levels:
            quiet = await measured(client, 0, in_flight, args.seconds)
            flooded = await measured(client, args.rate, in_flight, args.seconds)
            print(
                f"  {in_flight:>3} in flight:\n    no flood   {quiet.line()}\n"
                f"    with flood {flooded.line()}"
            )
    finally:
        await client.close()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
