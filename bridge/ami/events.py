"""AMI event subscriptions, run off the socket reader.

The reader hands every event to ``Subscribers.publish``, which never waits: events that have
subscribers go into a bounded queue and one dispatcher task runs the subscribers, one event at
a time, in arrival order (the originator relies on that order). Subscribers write to the
database, and a slow database must not delay the Pong that keeps the AMI session alive. When
the queue is full the event is dropped and counted: stalling the reader would cost the whole
session instead, and the dialplan's outcome handler reports the same facts anyway."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bridge.ami.message import Message
from bridge.metrics import AmiMetrics
from phonebook.tracebacks import outline

log = logging.getLogger(__name__)

EventCallback = Callable[[Message], Awaitable[None] | None]


class Subscribers:
    def __init__(self, metrics: AmiMetrics, max_queued: int = 10_000) -> None:
        self._metrics = metrics
        self._callbacks: dict[str, list[EventCallback]] = {}
        self._queue: asyncio.Queue[tuple[Message, list[EventCallback]]] = asyncio.Queue(max_queued)
        self._dispatcher: asyncio.Task[None] | None = None

    def on(self, event: str, callback: EventCallback) -> None:
        self._callbacks.setdefault(event.lower(), []).append(callback)

    def start(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="ami-events")

    async def close(self, grace_s: float) -> None:
        """Let the subscribers finish the events already queued (at most ``grace_s``)."""
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace_s)
        dispatcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatcher

    async def settle(self) -> None:
        """Wait until every event published so far went through its subscribers."""
        await self._queue.join()

    def publish(self, name: str, message: Message) -> None:
        """Queue ``message`` for the subscribers of ``name`` (lower case) and of "*"."""
        callbacks = self._callbacks.get(name, []) + self._callbacks.get("*", [])
        if not callbacks:
            return
        try:
            self._queue.put_nowait((message, callbacks))
        except asyncio.QueueFull:
            self._metrics.events_dropped.inc()
            log.warning(
                "AMI event %s dropped: %d events wait for handlers", name, self._queue.qsize()
            )
            return
        self._metrics.events_queued.set(self._queue.qsize())

    async def _dispatch(self) -> None:
        while True:
            message, callbacks = await self._queue.get()
            try:
                for callback in callbacks:
                    try:  # one failing subscriber must not stop the others
                        result = callback(message)
                        if asyncio.iscoroutine(result):
                            await result
                    except Exception as exc:
                        name = message.get("Event")
                        log.error("AMI event callback failed for %s:\n%s", name, outline(exc))
                        log.debug("AMI event callback failed", exc_info=exc)
            finally:
                self._queue.task_done()
                self._metrics.events_queued.set(self._queue.qsize())
