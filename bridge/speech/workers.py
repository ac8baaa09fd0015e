"""Recognition in worker processes. pocketsphinx holds the GIL while it decodes: in the
server's own process every decode would stall every other call on it (measured: during a
650 ms decode a 1 ms timer in another thread ticked 7 times, not 650)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from bridge.speech.grammar import Grammar
from bridge.speech.recognizer import Recognition

if TYPE_CHECKING:
    from bridge.speech.sphinx import SphinxRecognizer

log = logging.getLogger(__name__)

WORKERS = 2
TIMEOUT_S = 3.0  # longer than this and the caller is asked again rather than kept waiting

_engine: SphinxRecognizer | None = None  # one per worker process
_WARM_UP = Grammar(("warm up",))


class ProcessRecognizer:
    def __init__(self, *, workers: int = WORKERS, timeout_s: float = TIMEOUT_S) -> None:
        # spawn, not fork: the server process has threads (aiosqlite, the event loop)
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start)
        self._timeout_s = timeout_s
        for _ in range(workers):  # start the workers and load their models before any caller
            self._pool.submit(_recognize, b"\0\0" * 1600, _WARM_UP)

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._pool, _recognize, sln8, grammar)
        try:
            return await asyncio.wait_for(job, self._timeout_s)
        except TimeoutError:
            log.warning(
                "speech recognition took over %.1f s; the caller is asked again", self._timeout_s
            )
            return Recognition()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _start() -> None:
    from bridge.speech.sphinx import SphinxRecognizer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it shuts us down
    global _engine
    _engine = SphinxRecognizer()


def _recognize(sln8: bytes, grammar: Grammar) -> Recognition:
    assert _engine is not None, "worker not started"
    return _engine.recognize_sync(sln8, grammar)
