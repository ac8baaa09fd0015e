"""`phonebridge serve` (and `agi`) from start to stop, in one ordered sequence.

Start: claim the ports (a busy one is a single clear line, before anything else runs), run
the self-check (fatal problems stop here), migrate, start the provider's listeners (FastAGI),
its background connections (AMI), then HTTP.
Stop, on SIGTERM (systemd, Docker, Kubernetes) or SIGINT: every listener closes at once (new
calls and requests are refused), calls and requests in progress get up to
PHONEBRIDGE_SHUTDOWN_DEADLINE_SECONDS, then the provider (AMI, the speech workers) and the
database pool are closed, and the process exits 0. A second signal cuts the wait short.

uvicorn installs signal handlers of its own and re-raises the signal once it has stopped,
which killed the process before any cleanup ran: here uvicorn gets none, and this module owns
both signals for the whole sequence."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
from collections.abc import Iterator, Sequence
from types import TracebackType

import uvicorn

from api.limits import UVICORN_LIMITS
from bridge.provider import Listener
from phonebridge import doctor
from phonebridge.runtime import Runtime

log = logging.getLogger("phonebridge")


class CannotStart(Exception):
    """A problem already explained in one line: the CLI prints it, no traceback."""


async def serve(runtime: Runtime, host: str, port: int, *, http: bool = True) -> None:
    """Start, serve until SIGTERM/SIGINT, stop: the numbered steps run in this order."""
    s = runtime.settings
    deadline = s.shutdown_deadline_seconds
    with StopSignals() as stop, contextlib.ExitStack() as sockets:
        # 1. claim the ports
        http_sock = None
        housekeeping: asyncio.Task[None] | None = None
        if http:
            http_sock = sockets.enter_context(listen(host, port, "HTTP API", "PHONEBRIDGE_PORT"))
        inbound = [
            sockets.enter_context(listen(p.host, p.port, p.what, p.setting))
            for p in runtime.provider.ports()
        ]
        try:
            # 2. self-check
            await self_check(runtime)
            # 3. migrate
            if s.auto_migrate:
                await runtime.migrate()
            # 4. start: the provider's listeners (FastAGI) and connections (AMI connects in
            #    the background; click-to-call answers 503 until it is up), then HTTP
            listeners = runtime.listeners()
            for listener, sock in zip(listeners, inbound, strict=True):
                await listener.start(sock)
            runtime.provider.start(runtime.parts)
            # other processes' changes reach this one's push streams (PostgreSQL)
            runtime.listen_to_other_processes()
            # old webhook deliveries are forgotten hourly
            housekeeping = asyncio.create_task(runtime.phonebook.deliveries.purge_periodically())
            server = None
            if http_sock is not None:
                server = HttpServer(runtime, deadline)
                await server.start(http_sock)
            # 5. serve until a stop signal (or the HTTP server ends on its own)
            log.info("phonebridge is ready")
            await stop.requested_or(server.task if server is not None else None)
            # 6. drain: refuse new work, let what runs finish within the deadline
            runtime.phonebook.push.end_streams()  # streams never end on their own
            await drain(listeners, server, stop, deadline)
            if not stop.requested.is_set():
                raise CannotStart("the HTTP server stopped on its own (see above)")
        finally:
            # 7. close: housekeeping, the provider (AMI, speech workers), database pool
            if housekeeping is not None:
                housekeeping.cancel()
            await runtime.close()
    log.info("phonebridge stopped")


async def self_check(runtime: Runtime) -> None:
    findings = await doctor.check(runtime.settings)
    for finding in findings:
        if finding.fatal:
            log.error("self-check: %s", finding.line())
        elif not finding.ok:
            log.warning("self-check: %s", finding.line())
        else:
            log.debug("self-check: %s", finding.line())
    fatal = sum(f.fatal for f in findings)
    if fatal:
        raise CannotStart(f"not starting: {fatal} problem(s) above need fixing first")


async def drain(
    listeners: Sequence[Listener], server: HttpServer | None, stop: StopSignals, deadline: float
) -> None:
    for listener in listeners:
        listener.stop_accepting()
    if server is not None:
        server.stop_accepting()
    log.info(
        "stopping: new calls and requests are refused; %d call(s) and %d request(s) in "
        "progress get up to %g s",
        sum(listener.active_calls for listener in listeners),
        server.in_flight if server is not None else 0,
        deadline,
    )
    calls_done = [asyncio.create_task(listener.drain(deadline)) for listener in listeners]
    waits = [*calls_done, *([server.task] if server else [])]

    async def everything() -> None:
        await asyncio.gather(*waits, return_exceptions=True)

    finished = asyncio.create_task(everything())
    forced = asyncio.create_task(stop.forced.wait())
    await asyncio.wait([finished, forced], return_when=asyncio.FIRST_COMPLETED)
    forced.cancel()
    if not finished.done():  # a second signal: end it all now
        for listener in listeners:
            listener.cut()
        if server is not None:
            server.cut()
    await finished
    cut = sum(t.result() for t in calls_done if not t.cancelled() and t.exception() is None)
    if cut:
        log.warning("%d call(s) still running at the deadline were cut", cut)


class HttpServer:
    """uvicorn on a socket we bound, without its signal handling."""

    def __init__(self, runtime: Runtime, deadline: float) -> None:
        config = uvicorn.Config(
            runtime.api(),
            log_level=runtime.settings.log_level,
            log_config=None,  # our handlers and formatter (tracebacks without messages)
            lifespan="off",
            access_log=False,  # uvicorn logs raw paths; api.metrics logs route templates
            timeout_graceful_shutdown=max(1, round(deadline)),
            **UVICORN_LIMITS,  # the request head's size
        )
        self._server = _Uvicorn(config)
        self.task: asyncio.Task[object]

    @property
    def in_flight(self) -> int:
        return len(self._server.server_state.tasks)

    async def start(self, sock: socket.socket) -> None:
        self.task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not self.task.done():
            await asyncio.sleep(0.02)
        if self.task.done():
            self.task.result()  # why it ended
        name = sock.getsockname()
        log.info("HTTP API listening on http://%s:%d", name[0], name[1])

    def stop_accepting(self) -> None:
        for listener in self._server.servers:  # now, not at uvicorn's next tick
            listener.close()
        # uvicorn then ends idle keep-alive connections, waits for requests in progress up
        # to timeout_graceful_shutdown, and cancels what is left
        self._server.should_exit = True

    def cut(self) -> None:
        self._server.force_exit = True


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the lifecycle owns SIGTERM and SIGINT


class StopSignals:
    """The first SIGTERM or SIGINT asks for a graceful stop; a second one forces it."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.forced = asyncio.Event()

    def __enter__(self) -> StopSignals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._received, sig)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)

    def _received(self, sig: signal.Signals) -> None:
        if self.requested.is_set():
            log.warning("%s again: cutting calls and requests in progress now", sig.name)
            self.forced.set()
        else:
            log.info("%s received", sig.name)
            self.requested.set()

    async def requested_or(self, task: asyncio.Task[object] | None) -> None:
        waiting = asyncio.create_task(self.requested.wait())
        await asyncio.wait([waiting, *([task] if task else [])], return_when="FIRST_COMPLETED")
        waiting.cancel()


@contextlib.contextmanager
def listen(host: str, port: int, what: str, setting: str) -> Iterator[socket.socket]:
    """A listening socket on ``host:port``; a port in use is a CannotStart naming the
    setting to change."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CannotStart(f"{what}: cannot listen on {host!r} ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts need no wait
        sock.bind(address)
        sock.listen(128)  # at once: a bound but idle port could still be taken by another
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotStart(
                f"{what}: port {port} on {host} is in use (another phonebridge serve?): "
                f"stop it or set {setting}"
            ) from None
        raise CannotStart(f"{what}: cannot listen on {host}:{port} ({exc.strerror})") from None
    try:
        yield sock
    finally:
        sock.close()
