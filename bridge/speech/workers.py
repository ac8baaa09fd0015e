"""Recognition in worker processes. pocketsphinx holds the GIL while it decodes: in the
server's own process every decode would stall every other call on it (measured: during a
650 ms decode a 1 ms timer in another thread ticked 7 times, not 650).

Each worker is one process with one pipe. A decode that overruns its time limit is
abandoned and its worker killed and replaced: a decoder cannot be interrupted, and a worker
still busy with an abandoned utterance would hold up every caller queued behind it. Workers
die with the server (PR_SET_PDEATHSIG on Linux), so a killed server leaves no orphans.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import signal
import sys
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from bridge.speech.grammar import Grammar
from bridge.speech.recognizer import Recognition

log = logging.getLogger(__name__)

WORKERS = 2
TIMEOUT_S = 3.0  # longer than this and the caller is asked again rather than kept waiting
START_TIMEOUT_S = 120.0  # loading the models, once per worker
PR_SET_PDEATHSIG = 1
Engine = Literal["cascade", "sphinx"]


class _Worker:
    def __init__(self, engine: Engine) -> None:
        context = multiprocessing.get_context("spawn")  # the server has threads: never fork
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, engine), name="speech-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False  # the worker says "ready" once its models are loaded

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessRecognizer:
    """A pool of worker processes decoding one utterance each at a time."""

    def __init__(
        self, *, workers: int = WORKERS, timeout_s: float = TIMEOUT_S, engine: Engine = "cascade"
    ) -> None:
        self.timeout_s = timeout_s
        self._engine: Engine = engine
        self._idle = [_Worker(engine) for _ in range(workers)]  # they load their models now
        self._all = list(self._idle)
        self._free: asyncio.Semaphore | None = None  # made on the serving loop, on first use
        self.recycled = 0

    @property
    def pids(self) -> list[int | None]:
        return [w.process.pid for w in self._all]

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        if self._free is None:
            self._free = asyncio.Semaphore(len(self._all))
        async with self._free:
            worker = self._idle.pop()
            try:
                if not worker.ready:
                    await _reply(worker.conn, START_TIMEOUT_S)
                    worker.ready = True
                worker.conn.send((sln8, grammar))
                status, value = await _reply(worker.conn, self.timeout_s)
            except TimeoutError:
                log.warning(
                    "speech recognition took over %.1f s; the worker is replaced and the "
                    "caller asked again",
                    self.timeout_s,
                )
                worker = self._replace(worker)
                return Recognition()
            except asyncio.CancelledError:  # the call is gone: its late reply must reach nobody
                worker = self._replace(worker)
                raise
            except (EOFError, OSError):  # the worker died (out of memory, a crash)
                log.warning("a speech worker died; it is replaced and the caller asked again")
                worker = self._replace(worker)
                return Recognition()
            finally:
                self._idle.append(worker)
        if status != "ok":
            log.warning("speech recognition failed in a worker: %s", value)
            return Recognition()
        assert isinstance(value, Recognition)
        return value

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = _Worker(self._engine)
        self._all[self._all.index(worker)] = fresh
        self.recycled += 1
        return fresh

    def close(self) -> None:
        for worker in self._all:
            worker.kill()


async def _reply(conn: Connection, timeout_s: float) -> tuple[str, Any]:
    """The worker's next message, waited for on the event loop (no thread blocked in recv)."""
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(conn.fileno(), ready)
    try:
        await asyncio.wait_for(readable, timeout_s)
    finally:
        loop.remove_reader(conn.fileno())
    message: tuple[str, Any] = conn.recv()  # small and complete: the worker sends it whole
    return message


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve(conn: Connection, engine: Engine) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it shuts us down
    recognizer = _load(engine)
    recognizer.recognize_sync(b"\0\0" * 1600, Grammar(("warm up",)))
    conn.send(("ready", None))
    while True:
        try:
            sln8, grammar = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe
        try:
            conn.send(("ok", recognizer.recognize_sync(sln8, grammar)))
        except Exception as exc:  # one bad utterance must not take the worker down
            conn.send(("error", repr(exc)))


def _load(engine: Engine) -> Any:
    if engine == "cascade":
        from bridge.speech.cascade import CascadeRecognizer

        return CascadeRecognizer()
    from bridge.speech.sphinx import SphinxRecognizer

    return SphinxRecognizer()
