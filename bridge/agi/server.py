"""The FastAGI server. One connection is one unit of work with a guaranteed exit status:
whatever happens, the result variable is set (when the channel still takes commands) and our
side closes the socket, which is what ends the AGI on Asterisk's side.

A connection becomes a call only once its environment arrived: that is when it takes one of
``max_concurrent`` call slots (over the cap it is answered ``busy``). Until then it is
*pending*, and pending connections are bounded on their own (``max_pending``, the oldest is
closed to make room) and in time (``header_timeout_s``): Asterisk sends the environment at
once, so idle sockets from an allowed peer can never make real calls ``busy``."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Collection, Mapping

from bridge.agi.errors import AgiConnectionClosed, AgiError, AgiProtocolError, ChannelHungUp
from bridge.agi.session import AgiSession
from bridge.agi.wire import MAX_LINE, read_environment
from bridge.contract import VAR_RESULT, Result
from bridge.metrics import AgiMetrics
from phonebook.tracebacks import outline

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
        max_pending: int = 64,
        call_deadline_s: float = 600.0,
        header_timeout_s: float = 5.0,
        result_variable: str = VAR_RESULT,
        metrics: AgiMetrics | None = None,
    ) -> None:
        self._handlers = dict(handlers)
        self._host, self._port = host, port
        # FastAGI has no authentication of its own: only listed peers are served
        self._allowed: list[Network] = [
            ipaddress.ip_network(p, strict=False) for p in (allowed_peers or LOOPBACK)
        ]
        self._max_concurrent = max_concurrent
        self._max_pending = max_pending
        self._deadline = call_deadline_s
        self._header_timeout = header_timeout_s
        self._result_variable = result_variable
        self._metrics = metrics if metrics is not None else AgiMetrics(scripts=handlers)
        self._connections: set[asyncio.Task[None]] = set()  # every allowed connection
        self._pending: dict[asyncio.StreamWriter, None] = {}  # oldest first
        self._evicted: set[asyncio.StreamWriter] = set()  # closed to make room, not yet seen
        self._calls = 0  # connections whose environment arrived
        self._cutting = False  # stopping, past the deadline: cancelled calls still get a result
        self._server: asyncio.Server | None = None

    @property
    def bound_port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_calls(self) -> int:
        return self._calls

    @property
    def pending_connections(self) -> int:
        return len(self._pending)

    async def start(self, sock: socket.socket | None = None) -> None:
        """Listen on ``host:port``, or on ``sock`` when the caller bound it already."""
        if sock is not None:
            self._server = await asyncio.start_server(self._accept, sock=sock, limit=MAX_LINE)
        else:
            self._server = await asyncio.start_server(
                self._accept, self._host, self._port, limit=MAX_LINE
            )
        name = self._server.sockets[0].getsockname()
        log.info("FastAGI listening on %s:%d", name[0], name[1])

    def stop_accepting(self) -> None:
        """Close the listening socket: new connections are refused, calls go on."""
        if self._server is not None:
            self._server.close()

    async def drain(self, deadline_s: float) -> int:
        """Wait up to ``deadline_s`` for the calls in progress (and connections still sending
        their environment) to end; cut the rest. Returns how many calls were cut."""
        cut = 0
        if self._connections:
            _, unfinished = await asyncio.wait(set(self._connections), timeout=deadline_s)
            cut = self._calls
            self.cut()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        return cut

    def cut(self) -> None:
        """End every connection now; a call still gets PB_RESULT=timeout (the dialplan
        apologises) if its channel answers within a second."""
        self._cutting = True
        for task in self._connections:
            task.cancel()

    async def stop(self, drain_s: float = 10.0) -> None:
        """Stop accepting, give calls in progress ``drain_s`` to finish, then cancel them."""
        self.stop_accepting()
        await self.drain(drain_s)

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
            self._metrics.dropped.labels("not-allowed").inc()
            await _close(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            env = await self._environment(reader, writer)
            if env is not None:
                await self._call(AgiSession(reader, writer, env))
        except asyncio.CancelledError:
            if not self._cutting:
                raise
            _uncancel()  # cut on purpose: the connection ends here, as any other
        finally:
            self._connections.discard(task)
            await _close(writer)

    async def _environment(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> dict[str, str] | None:
        """The environment block, or None (logged and counted) when none came."""
        if len(self._pending) >= self._max_pending:  # make room: close the oldest idler
            oldest = next(iter(self._pending))
            del self._pending[oldest]
            self._evicted.add(oldest)
            oldest.close()  # its reader sees the end of the stream
        self._pending[writer] = None
        self._metrics.pending.set(len(self._pending))
        reason = ""
        try:
            return await asyncio.wait_for(read_environment(reader), self._header_timeout)
        except AgiConnectionClosed:
            reason = "closed"  # a port probe, or Asterisk gave up
        except TimeoutError:
            reason = "timeout"
        except AgiProtocolError as exc:
            reason = "garbage"
            log.warning("FastAGI peer sent no usable environment: %s", exc)
        except OSError:
            reason = "reset"
        finally:
            self._pending.pop(writer, None)
            evicted = writer in self._evicted
            self._evicted.discard(writer)
            self._metrics.pending.set(len(self._pending))
        reason = "evicted" if evicted else reason
        self._metrics.dropped.labels(reason).inc()
        if reason != "garbage":  # probes, resets and idlers are no news
            log.debug("FastAGI connection ended before its environment: %s", reason)
        return None

    async def _call(self, session: AgiSession) -> None:
        busy = self._calls >= self._max_concurrent
        self._calls += 1
        self._metrics.in_progress.set(self._calls)
        log.debug(
            "FastAGI call %s script=%s caller=%s",
            session.uniqueid,
            session.script,
            session.caller_id,
        )
        try:
            try:
                result = await self._run(session, busy)
            except asyncio.CancelledError:
                if not self._cutting:
                    raise
                _uncancel()
                result = Result.TIMEOUT  # the stop deadline passed
            # the guaranteed exit status, when the channel still takes commands
            with contextlib.suppress(AgiError, TimeoutError, OSError):
                await session.command(
                    "SET VARIABLE",
                    self._result_variable,
                    result,
                    timeout_s=1 if self._cutting else 5,
                )
        finally:
            self._calls -= 1
            self._metrics.in_progress.set(self._calls)
        self._metrics.ended(session.script, result)
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
        except ChannelHungUp:  # includes the connection dropping: the caller is gone
            return Result.HANGUP
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # messages can hold numbers (SQL parameters): the outline leaves them out
            log.error("FastAGI handler %s failed:\n%s", session.script, outline(exc))
            log.debug("FastAGI handler %s failed", session.script, exc_info=exc)
            return Result.ERROR


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 2)


def _uncancel() -> None:
    """Take back a cancellation that was caught on purpose, so later awaits and timeouts in
    this task behave (Python 3.11 also logs a cancelled connection task as an error)."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
