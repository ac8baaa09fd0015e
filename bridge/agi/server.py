"""The FastAGI server. One connection is one unit of work with a guaranteed exit status:
whatever happens, the result variable is set (when the channel still takes commands) and our
side closes the socket, which is what ends the AGI on Asterisk's side."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping

from bridge.agi.errors import AgiError, ChannelHungUp
from bridge.agi.session import AgiSession
from bridge.agi.wire import MAX_LINE, read_environment
from bridge.contract import VAR_RESULT, Result

log = logging.getLogger(__name__)

Handler = Callable[[AgiSession], Awaitable[str]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[str, ...] = ("127.0.0.0/8", "::1/128")


class FastAgiServer:
    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        host: str = "127.0.0.1",
        port: int = 4573,
        allowed_peers: Collection[str] = (),
        max_concurrent: int = 200,
        call_deadline_s: float = 600.0,
        header_timeout_s: float = 5.0,
        result_variable: str = VAR_RESULT,
    ) -> None:
        self._handlers = dict(handlers)
        self._host, self._port = host, port
        # FastAGI has no authentication of its own: only listed peers are served
        self._allowed: list[Network] = [
            ipaddress.ip_network(p, strict=False) for p in (allowed_peers or LOOPBACK)
        ]
        self._max_concurrent = max_concurrent
        self._deadline = call_deadline_s
        self._header_timeout = header_timeout_s
        self._result_variable = result_variable
        self._active: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    @property
    def bound_port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_calls(self) -> int:
        return len(self._active)

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=MAX_LINE
        )
        log.info("FastAGI listening on %s:%d", self._host, self.bound_port)

    async def stop(self, drain_s: float = 10.0) -> None:
        """Stop accepting, give calls in progress ``drain_s`` to finish, then cancel them."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._active:
            _, pending = await asyncio.wait(set(self._active), timeout=drain_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _allowed_peer(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        try:
            address = ipaddress.ip_address(peer[0])
        except (TypeError, ValueError, IndexError):
            return False
        return any(address in network for network in self._allowed)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._allowed_peer(writer):
            log.warning("FastAGI connection from a peer not in the allowed list: closed unread")
            await _close(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        busy = len(self._active) >= self._max_concurrent
        self._active.add(task)
        try:
            await self._serve(reader, writer, busy)
        finally:
            self._active.discard(task)
            await _close(writer)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, busy: bool
    ) -> None:
        try:
            env = await asyncio.wait_for(read_environment(reader), self._header_timeout)
        except (AgiError, TimeoutError) as exc:
            log.warning("FastAGI peer sent no usable environment: %s", type(exc).__name__)
            return  # nothing to answer: closing is all Asterisk needs
        session = AgiSession(reader, writer, env)
        log.debug(
            "FastAGI call %s script=%s caller=%s",
            session.uniqueid,
            session.script,
            session.caller_id,
        )
        result = await self._run(session, busy)
        # the guaranteed exit status, when the channel still takes commands
        with contextlib.suppress(AgiError, TimeoutError, OSError):
            await session.command("SET VARIABLE", self._result_variable, result, timeout_s=5)
        log.info("FastAGI %s ended: %s", session.script or "?", result)

    async def _run(self, session: AgiSession, busy: bool) -> str:
        if busy:
            return Result.BUSY  # refuse fast: the dialplan apologises
        handler = self._handlers.get(session.script)
        if handler is None:
            return Result.UNKNOWN_SCRIPT
        try:
            return str(await asyncio.wait_for(handler(session), self._deadline))
        except TimeoutError:
            return Result.TIMEOUT
        except ChannelHungUp:
            return Result.HANGUP
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("FastAGI handler %s failed", session.script)
            return Result.ERROR


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 2)
