"""The FastAGI server under faults seen in operation: idle sockets from an allowed peer, a reset
in the middle of the environment, a caller who drops mid-call, a handler that fails with a
phone number in its message. Real TCP, the server's own metrics."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from bridge.agi.server import FastAgiServer
from bridge.agi.session import AgiSession
from bridge.metrics import AgiMetrics
from tests.agi.peer import Peer, Step, env_block

Handler = Callable[[AgiSession], Awaitable[str]]


class Served:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.servers: list[FastAgiServer] = []

    async def start(self, handlers: dict[str, Handler], **options: Any) -> FastAgiServer:
        metrics = AgiMetrics(self.registry, scripts=handlers)
        server = FastAgiServer(handlers, host="127.0.0.1", port=0, metrics=metrics, **options)
        await server.start()
        self.servers.append(server)
        return server

    def value(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    s = Served()
    yield s
    for server in s.servers:
        await server.stop(drain_s=1)


async def ok(session: AgiSession) -> str:
    return "dial"


async def test_idle_sockets_do_not_take_call_slots(served: Served) -> None:
    """250 connections that never send an environment, then a real call: it is served, not
    answered busy, and the idlers beyond the pending bound were closed to make room."""
    server = await served.start(
        {"access": ok}, max_concurrent=5, max_pending=64, header_timeout_s=600
    )
    idle = [await asyncio.open_connection("127.0.0.1", server.bound_port) for _ in range(250)]
    try:
        while served.value("phonebridge_agi_connections_dropped_total", reason="evicted") < 186:
            await asyncio.sleep(0.01)  # the server accepts them one by one
        peer = await asyncio.wait_for(Peer(env_block(), []).call(server.bound_port), 10)
        assert peer.received == [b"SET VARIABLE PB_RESULT dial\n"]
        assert server.pending_connections <= 64
        closed = 0
        for reader, _ in idle[:186]:  # the oldest were closed by the server
            closed += await asyncio.wait_for(reader.read(), 5) == b""
        assert closed == 186
    finally:
        for _, writer in idle:
            writer.close()
    assert served.value("phonebridge_agi_sessions_total", script="access", result="dial") == 1
    assert served.value("phonebridge_agi_sessions_total", script="access", result="busy") == 0


async def test_a_reset_during_the_environment_is_a_debug_line(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    server = await served.start({"access": ok})
    caplog.set_level(logging.DEBUG)
    sock = socket.create_connection(("127.0.0.1", server.bound_port))
    sock.sendall(b"agi_network: yes\nagi_channel: PJSIP/x")
    while server.pending_connections < 1:
        await asyncio.sleep(0.01)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # linger 0: the kernel sends a reset
    while served.value("phonebridge_agi_connections_dropped_total", reason="reset") < 1:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # give an unhandled-exception report its chance to appear
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []
    assert any("before its environment: reset" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("how", ["eof", "reset"])
async def test_a_caller_dropping_mid_call_is_a_hangup(
    served: Served, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    async def playing(session: AgiSession) -> str:
        await session.answer()
        await session.stream_file("phonebridge/pb-welcome", "#")
        await session.stream_file("phonebridge/pb-ask-name", "#")
        return "finished"

    server = await served.start({"access": playing})
    reader, writer = await asyncio.open_connection("127.0.0.1", server.bound_port)
    writer.write(env_block())
    assert await reader.readline() == b"ANSWER\n"
    writer.write(b"200 result=0\n")
    assert (await reader.readline()).startswith(b"STREAM FILE")
    if how == "reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()  # mid-playback, the connection goes away
    while served.value("phonebridge_agi_sessions_total", script="access", result="hangup") < 1:
        await asyncio.sleep(0.01)
    assert served.value("phonebridge_agi_sessions_total", script="access", result="error") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert server.active_calls == 0


async def test_a_failing_handler_is_logged_without_its_message(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    number = "+1202555" + "0123"  # built at run time: source lines are logged, values never

    async def leaky(session: AgiSession) -> str:
        try:
            raise LookupError(f"no row for {number}")
        except LookupError as exc:
            raise RuntimeError(f"wrapped: {number}") from exc

    server = await served.start({"access": leaky})
    caplog.set_level(logging.INFO)
    peer = await Peer(env_block(), []).call(server.bound_port)
    assert peer.received == [b"SET VARIABLE PB_RESULT error\n"]
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    text = failure.getMessage()
    assert "+12025550123" not in caplog.text and failure.exc_info is None
    assert "builtins.LookupError" in text and "builtins.RuntimeError" in text
    assert 'raise LookupError(f"no row for {number}")' in text  # where it broke


async def test_calls_past_the_stop_deadline_still_get_a_result(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    async def endless(session: AgiSession) -> str:
        await session.answer()
        await asyncio.Event().wait()  # a caller who never finishes
        return "dial"

    server = await served.start({"access": endless})
    peer = asyncio.create_task(
        Peer(env_block(), [Step(b"ANSWER\n", [b"200 result=0\n"])]).call(server.bound_port)
    )
    while server.active_calls < 1:
        await asyncio.sleep(0.01)
    server.stop_accepting()
    assert await server.drain(0.1) == 1  # one call cut
    assert (await peer).received[-1] == b"SET VARIABLE PB_RESULT timeout\n"  # "sorry"
    assert served.value("phonebridge_agi_sessions_total", script="access", result="timeout") == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
