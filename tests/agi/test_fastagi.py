"""The FastAGI server and session against a scripted Asterisk on a real TCP socket: the
captured scenarios byte for byte, and the faults a real peer produces."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bridge.agi.errors import AgiCommandError, AgiProtocolError, ChannelHungUp, UnsafeArgument
from bridge.agi.server import FastAgiServer
from bridge.agi.session import AgiSession
from bridge.agi.wire import encode, parse_reply, parse_result
from tests.agi.peer import Peer, Step, env_block
from tests.captures import agi_scenarios

SCENARIOS = agi_scenarios()
Handler = Callable[[AgiSession], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[FastAgiServer]]]:
    servers: list[FastAgiServer] = []

    async def start(handlers: dict[str, Handler], **options: Any) -> FastAgiServer:
        server = FastAgiServer(handlers, host="127.0.0.1", port=0, **options)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop(drain_s=1)


async def replay(session: AgiSession, commands: list[bytes], outcomes: list[object]) -> str:
    """Send the captured commands through the typed API (not raw writes)."""
    for command in commands:
        text = command.decode().rstrip("\n")
        try:
            if text == "ANSWER":
                outcomes.append(await session.answer())
            elif text == "HANGUP":
                outcomes.append(await session.hangup())
            elif text.startswith("STREAM FILE "):
                name, escape = shlex.split(text[len("STREAM FILE ") :])
                outcomes.append(await session.stream_file(name, escape))
            elif text.startswith("GET DATA "):
                prompt, timeout, digits = text[len("GET DATA ") :].split()
                outcomes.append(await session.get_data(prompt, int(timeout), int(digits)))
            elif text.startswith("SET VARIABLE "):
                name, value = text[len("SET VARIABLE ") :].split(" ", 1)
                outcomes.append(await session.set_variable(name, value))
            elif text.startswith("GET VARIABLE "):
                outcomes.append(await session.get_variable(text[len("GET VARIABLE ") :]))
            elif text.startswith("EXEC "):
                app, args = text[len("EXEC ") :].split(" ", 1)
                outcomes.append((await session.exec(app, *args.split(","))).result)
            else:
                raise AssertionError(f"no typed command for {text!r}")
        except ChannelHungUp:
            outcomes.append("hung up")
    return "replayed"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_every_captured_scenario_replays_byte_for_byte(serve: Any, name: str) -> None:
    scenario = SCENARIOS[name]
    commands = [x.command for x in scenario.exchanges]
    outcomes: list[object] = []
    server = await serve({"access": lambda s: replay(s, commands, outcomes)})
    peer = Peer(scenario.environment, [Step(x.command, x.replies) for x in scenario.exchanges])
    await asyncio.wait_for(peer.call(server.bound_port), 20)
    assert peer.mismatches == []
    assert peer.received == [*commands, b"SET VARIABLE PB_RESULT replayed\n"]
    assert peer.closed_by_server  # Asterisk keeps the socket: ending the AGI is ours to do


async def test_the_brief_scenario_means_what_asterisk_meant(serve: Any) -> None:
    """INDEX: '#' ended GET DATA at 646, Dial returned -1 because the caller hung up, then
    HANGUP arrived inline and dead-channel commands answer 511 while GET VARIABLE works."""
    scenario = SCENARIOS["brief"]
    outcomes: list[object] = []
    sessions: list[AgiSession] = []

    async def handler(session: AgiSession) -> str:
        sessions.append(session)
        return await replay(session, [x.command for x in scenario.exchanges], outcomes)

    server = await serve({"access": handler})
    await Peer(scenario.environment, [Step(x.command, x.replies) for x in scenario.exchanges]).call(
        server.bound_port
    )
    assert outcomes == [None, "", "646", None, "bar", "1001", "-1", "hung up", "bar", "hung up"]
    (session,) = sessions
    assert session.hung_up and session.caller_id == "1001" and session.script == "access"
    assert session.env["agi_channel"] == "Local/s@access-0000000e;2"


def test_reply_forms_seen_on_the_wire() -> None:
    def result(line: str) -> tuple[str, str | None, int | None]:
        code, more, text = parse_reply(line)
        assert (code, more) == (200, False)
        reply = parse_result(code, text, line)
        return reply.result, reply.data, reply.endpos

    assert result("200 result=0") == ("0", None, None)
    assert result("200 result=0 endpos=3404") == ("0", None, 3404)
    assert result("200 result=1 (bar)") == ("1", "bar", None)
    assert result("200 result= (timeout)") == ("", "timeout", None)
    assert result("200 result=") == ("", None, None)
    assert result("200 result=-1") == ("-1", None, None)
    assert result("200 result=5646") == ("5646", None, None)
    assert parse_reply("520-Invalid command syntax.  Proper usage follows:")[:2] == (520, True)
    assert parse_reply("511 Command Not Permitted on a dead channel or intercept routine")[0] == 511


def test_arguments_are_quoted_as_asterisk_parses_them() -> None:
    assert encode("STREAM FILE", "beep", "") == b'STREAM FILE beep ""\n'
    assert encode("GET DATA", "beep", "3000", "4") == b"GET DATA beep 3000 4\n"
    assert encode("EXEC", "Dial", "Local/5550000@sink,20") == b"EXEC Dial Local/5550000@sink,20\n"
    assert (
        encode("SET VARIABLE", "PB_CALLEE_NAME", 'Zoë "Z" Müller')
        == 'SET VARIABLE PB_CALLEE_NAME "Zoë \\"Z\\" Müller"\n'.encode()
    )
    for bad in ("a\rb", "a\nEXEC Dial PJSIP/900@trunk", "a\0"):
        with pytest.raises(UnsafeArgument):
            encode("SET VARIABLE", "X", bad)


async def test_unsafe_arguments_never_reach_the_socket(serve: Any) -> None:
    async def handler(session: AgiSession) -> str:
        try:
            await session.set_variable("PB_CALLEE_NAME", "Eve\nEXEC Dial PJSIP/19005550100@trunk")
        except UnsafeArgument:
            return "refused"
        return "sent"

    server = await serve({"access": handler})
    peer = await Peer(env_block(), []).call(server.bound_port)
    assert peer.received == [b"SET VARIABLE PB_RESULT refused\n"]


async def test_utf8_split_across_reads_survives(serve: Any) -> None:
    names: list[str] = []

    async def handler(session: AgiSession) -> str:
        names.append(session.env["agi_calleridname"])
        names.append(await session.get_variable("CALLERID(name)") or "")
        return "ok"

    server = await serve({"access": handler})
    peer = Peer(
        env_block(agi_calleridname="Zoë 张伟"),
        [Step(b"GET VARIABLE CALLERID(name)\n", ["200 result=1 (Zoë 张伟)\n".encode()])],
    )
    await peer.call(server.bound_port, chunk=1)
    assert names == ["Zoë 张伟", "Zoë 张伟"]


async def test_hangup_mid_command_then_511(serve: Any) -> None:
    seen: list[object] = []

    async def handler(session: AgiSession) -> str:
        seen.append((await session.exec("Wait", "10")).result)
        try:
            await session.stream_file("phonebridge/pb-goodbye")
        except ChannelHungUp:
            seen.append("hung up")
        seen.append(await session.get_variable("FOO"))  # still works on a dead channel
        return "done"

    server = await serve({"access": handler})
    dead = b"511 Command Not Permitted on a dead channel or intercept routine\n"
    peer = Peer(
        env_block(),
        [
            Step(b"EXEC Wait 10\n", [b"200 result=-1\n"]),
            Step(b'STREAM FILE phonebridge/pb-goodbye ""\n', [b"HANGUP\n", dead]),
            Step(b"GET VARIABLE FOO\n", [b"200 result=1 (bar)\n"]),
        ],
    )
    await peer.call(server.bound_port)
    assert seen == ["-1", "hung up", "bar"] and peer.mismatches == []


async def test_510_and_520_are_command_errors(serve: Any) -> None:
    errors: list[int] = []

    async def handler(session: AgiSession) -> str:
        for command in ("FROB NICATE", "STREAM FILE"):
            try:
                await session.command(command)
            except AgiCommandError as exc:
                errors.append(exc.code)
        await session.answer()  # the stream is still in step after a multi-line 520
        return "ok"

    server = await serve({"access": handler})
    usage = [
        b"520-Invalid command syntax.  Proper usage follows:\n",
        b" Usage: STREAM FILE <filename> <escape_digits> [<sample offset>]\n",
        b"520 End of proper usage.\n",
    ]
    peer = Peer(
        env_block(),
        [
            Step(None, [b"510 Invalid or unknown command\n"]),
            Step(None, usage),
            Step(b"ANSWER\n", [b"200 result=0\n"]),
        ],
    )
    await peer.call(server.bound_port)
    assert errors == [510, 520] and peer.received[-1] == b"SET VARIABLE PB_RESULT ok\n"


async def _raw(port: int, data: bytes, *, close: bool) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if close:
        writer.write_eof()
    try:
        got = await asyncio.wait_for(reader.read(), 5)  # the server must close its side
    except ConnectionResetError:
        got = b""  # closed with our bytes unread: the kernel answers with a reset
    writer.close()
    return got


@pytest.mark.parametrize(
    "data",
    [
        b"agi_network: yes\nagi_channel: Loc",  # early close inside the header
        b"",  # connect and close
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # garbage
        b"agi_network: yes\n" + b"x" * 20_000,  # an endless line
        b"".join(b"agi_x%d: %s\n" % (i, b"y" * 100) for i in range(300)) + b"\n",  # oversized block
    ],
)
async def test_bad_peers_are_closed_promptly_without_a_handler(serve: Any, data: bytes) -> None:
    ran: list[str] = []

    async def handler(session: AgiSession) -> str:
        ran.append("ran")
        return "ok"

    server = await serve({"access": handler}, header_timeout_s=2)
    assert await _raw(server.bound_port, data, close=True) == b""
    await asyncio.sleep(0.05)
    assert ran == [] and server.active_calls == 0


async def test_a_slow_header_is_cut_off(serve: Any) -> None:
    server = await serve({"access": lambda s: asyncio.sleep(0, "ok")}, header_timeout_s=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.bound_port)
    writer.write(b"agi_network: yes\n")  # and then nothing
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_peers_outside_the_allowed_list_are_closed_unread(serve: Any) -> None:
    ran: list[str] = []

    async def handler(session: AgiSession) -> str:
        ran.append("ran")
        return "ok"

    server = await serve({"access": handler}, allowed_peers=["192.0.2.0/24"])
    assert await _raw(server.bound_port, env_block(), close=False) == b""
    assert ran == []


async def test_the_result_variable_is_always_set(serve: Any) -> None:
    async def boom(session: AgiSession) -> str:
        raise RuntimeError("bug")

    async def slow(session: AgiSession) -> str:
        await asyncio.sleep(30)
        return "never"

    async def hung(session: AgiSession) -> str:
        raise ChannelHungUp("511")

    server = await serve({"boom": boom, "slow": slow, "hung": hung}, call_deadline_s=0.3)
    for script, result in [
        ("boom", b"error"),
        ("slow", b"timeout"),
        ("hung", b"hangup"),
        ("nope", b"unknown-script"),
    ]:
        peer = await Peer(env_block(agi_network_script=script), []).call(server.bound_port)
        assert peer.received == [b"SET VARIABLE PB_RESULT " + result + b"\n"], script


async def test_over_the_cap_calls_are_refused_fast(serve: Any) -> None:
    release = asyncio.Event()

    async def held(session: AgiSession) -> str:
        await release.wait()
        return "ok"

    server = await serve({"access": held}, max_concurrent=1)
    first = asyncio.create_task(Peer(env_block(), []).call(server.bound_port))
    while server.active_calls < 1:
        await asyncio.sleep(0.01)
    second = await asyncio.wait_for(Peer(env_block(), []).call(server.bound_port), 5)
    assert second.received == [b"SET VARIABLE PB_RESULT busy\n"]
    release.set()
    assert (await first).received == [b"SET VARIABLE PB_RESULT ok\n"]


async def test_garbage_reply_is_a_protocol_error(serve: Any) -> None:
    errors: list[str] = []

    async def handler(session: AgiSession) -> str:
        try:
            await session.answer()
        except AgiProtocolError:
            errors.append("protocol")
        return "ok"

    server = await serve({"access": handler})
    await Peer(env_block(), [Step(b"ANSWER\n", [b"ok cool\n"])]).call(server.bound_port)
    assert errors == ["protocol"]
