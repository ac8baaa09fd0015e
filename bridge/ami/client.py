"""The AMI client: one connection, actions matched to responses by ActionID (never by
arrival order), event subscriptions run off the socket reader (bridge.ami.events, so a slow
subscriber never delays the Pong), a keepalive ping, and reconnection with back-off.

Hard rule from trials of existing libraries: an action is written at most once. Nothing is
queued across a reconnect; an Originate whose connection dropped after it was written fails
with AmiOriginateOutcomeUnknown, so the caller marks the call failed instead of ringing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from bridge.ami.errors import (
    AmiActionFailed,
    AmiAuthError,
    AmiBusy,
    AmiDisconnected,
    AmiError,
    AmiOriginateOutcomeUnknown,
    AmiProtocolError,
)
from bridge.ami.events import EventCallback, Subscribers
from bridge.ami.message import MAX_LINE, Message, encode, read_banner, read_message
from bridge.metrics import AmiMetrics

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    future: asyncio.Future[Message]
    originate: bool
    listing: bool = False  # answered by EventList: start … Complete
    start: Message | None = None  # the EventList's response, kept until Complete
    events: list[Message] = field(default_factory=list)


@dataclass
class OriginateHandle:
    """An Originate Asterisk accepted ("successfully queued"); ``result`` is its
    OriginateResponse event (Response: Success/Failure, Reason, Uniqueid, Channel)."""

    action_id: str
    queued: Message
    result: asyncio.Future[Message]


class AmiClient:
    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        events: bool = True,
        ping_interval_s: float = 20.0,
        ping_timeout_s: float = 5.0,
        connect_timeout_s: float = 5.0,
        action_timeout_s: float = 10.0,
        backoff: tuple[float, float] = (0.5, 30.0),
        max_pending: int = 200,
        max_queued_events: int = 10_000,
        metrics: AmiMetrics | None = None,
    ) -> None:
        self._address = (host, port)
        self._username, self._secret = username, secret
        self._events = events
        self._ping_interval, self._ping_timeout = ping_interval_s, ping_timeout_s
        self._connect_timeout, self._action_timeout = connect_timeout_s, action_timeout_s
        self._backoff = backoff
        self._max_pending = max_pending
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._originates: dict[str, asyncio.Future[Message]] = {}  # awaiting OriginateResponse
        self._metrics = metrics if metrics is not None else AmiMetrics()
        self._subscribers = Subscribers(self._metrics, max_queued_events)
        self._writer: asyncio.StreamWriter | None = None
        self._connected = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._leaving = False  # Logoff sent: the server's close is expected, not reconnected
        self.auth_failed = False

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def closed(self) -> bool:
        """Logged off (or closed) and the connection is gone for good: no reconnect follows."""
        return self._leaving and (self._runner is None or self._runner.done())

    async def wait_connected(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        return self.connected

    def start(self) -> None:
        self._subscribers.start()
        if self._runner is None:
            self._leaving = False
            self._runner = asyncio.create_task(self._maintain(), name="ami-client")

    async def close(self, events_grace_s: float = 5.0) -> None:
        """Log off, then let the handlers finish the events already read (at most
        ``events_grace_s``): they record how calls ended."""
        self._leaving = True
        if self.connected:
            with contextlib.suppress(AmiError, TimeoutError, OSError):
                await asyncio.wait_for(self.logoff(), 1)
        await self._stop(grace_s=0)
        await self._subscribers.close(events_grace_s)

    async def settle(self) -> None:
        """Wait until every event read so far went through its handlers."""
        await self._subscribers.settle()

    async def logoff(self) -> Message:
        """Say goodbye: Asterisk answers "Response: Goodbye" and closes the connection; the
        client then stays closed instead of reconnecting."""
        self._leaving = True
        try:
            goodbye = await self.action("Logoff")
        except BaseException:  # no Goodbye (or cancelled): end the session ourselves, now
            await self._stop(grace_s=0)
            raise
        await self._stop(grace_s=self._connect_timeout)
        return goodbye

    async def _stop(self, grace_s: float) -> None:
        """Let the session end on its own (Asterisk closes after Goodbye), else end it."""
        runner = self._runner
        if runner is None:
            return
        if grace_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(runner), grace_s)
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        self._runner = None

    async def _maintain(self) -> None:
        delay = self._backoff[0]
        while not self._leaving:
            try:
                await self._session()
                delay = self._backoff[0]  # a session that logged in resets the back-off
            except AmiAuthError:
                self.auth_failed = True
                log.error("AMI login refused: check the AMI username and secret; not retrying")
                return
            except (OSError, EOFError, AmiError, TimeoutError) as exc:
                if self._leaving:  # Asterisk closes after "Response: Goodbye": we asked for it
                    log.info("AMI logged off from %s:%d", *self._address)
                    return
                log.warning(
                    "AMI connection lost (%s); reconnecting in %.1f s", type(exc).__name__, delay
                )
            if self._leaving:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff[1])

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(*self._address, limit=MAX_LINE), self._connect_timeout
        )
        self._writer = writer
        reading: asyncio.Task[None] | None = None
        try:
            await asyncio.wait_for(read_banner(reader), self._connect_timeout)
            reading = asyncio.create_task(self._read(reader))
            login = [
                ("Username", self._username),
                ("Secret", self._secret),
                ("Events", "on" if self._events else "off"),
            ]
            try:
                await self._send("Login", login, login=True)
            except AmiActionFailed as exc:
                raise AmiAuthError(exc.message) from None
            self._connected.set()
            self._metrics.connected.set(1)
            log.info("AMI connected to %s:%d", *self._address)
            await self._keepalive(reading)
        finally:
            if self._connected.is_set() and not self._leaving:
                self._metrics.reconnects.inc()
            self._connected.clear()
            self._metrics.connected.set(0)
            self._writer = None
            if reading is not None:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reading
            self._fail_all()
            writer.close()

    async def _keepalive(self, reading: asyncio.Task[None]) -> None:
        """Idle is never fatal: a Ping every interval; a missed Pong ends the session."""
        while not reading.done():
            done, _ = await asyncio.wait({reading}, timeout=self._ping_interval)
            if done:
                break
            await asyncio.wait_for(self.action("Ping"), self._ping_timeout)
        reading.result()  # re-raise why the reader stopped

    def _fail_all(self) -> None:
        for action_id, pending in list(self._pending.items()):
            if not pending.future.done():
                error = AmiOriginateOutcomeUnknown if pending.originate else AmiDisconnected
                pending.future.set_exception(
                    error(f"AMI connection lost with action {action_id} in flight")
                )
        self._pending.clear()
        for action_id, future in list(self._originates.items()):
            if not future.done():
                future.set_exception(
                    AmiOriginateOutcomeUnknown(
                        f"AMI connection lost before the outcome of {action_id}"
                    )
                )
        self._originates.clear()

    # -- actions ----------------------------------------------------------------------------

    async def events(self, mask: bool | str) -> bool:
        """Turn events on or off, or pick classes (``"call,user"``); True if they are now on
        (Asterisk answers ``Events: On`` / ``Events: Off``)."""
        value = mask if isinstance(mask, str) else ("on" if mask else "off")
        response = await self.action("Events", [("EventMask", value)])
        return (response.get("Events") or "").lower() == "on"

    async def action(
        self,
        name: str,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        *,
        action_id: str | None = None,
    ) -> Message:
        """Send one action and wait for its response (an EventList's events are in
        ``action_list``). ``Response: Error`` raises AmiActionFailed."""
        items = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
        return await self._send(name, items, action_id=action_id)

    async def action_list(
        self, name: str, headers: Mapping[str, str] = {}
    ) -> tuple[Message, list[Message]]:
        """An action answered by ``EventList: start`` … ``EventList: Complete``."""
        action_id = f"pb-{next(self._ids)}"
        pending = self._register(action_id, originate=False)
        pending.listing = True
        await self._write(name, list(headers.items()), action_id)
        response = await asyncio.wait_for(pending.future, self._action_timeout)
        return response, pending.events

    async def originate(
        self,
        channel: str,
        *,
        context: str | None = None,
        exten: str | None = None,
        priority: int | None = None,
        caller_id: str | None = None,
        timeout_ms: int | None = None,
        variables: Mapping[str, str] | None = None,
        action_id: str | None = None,
        asynchronous: bool = True,
    ) -> OriginateHandle:
        """Originate, headers in the order the captures show. Asynchronous (the default) is
        answered "queued" at once and by an OriginateResponse event later."""
        headers = [("Channel", channel)]
        for key, value in (("Context", context), ("Exten", exten), ("Priority", priority)):
            if value is not None:
                headers.append((key, str(value)))
        if timeout_ms is not None:
            headers.append(("Timeout", str(timeout_ms)))
        if asynchronous:
            headers.append(("Async", "true"))
        if caller_id is not None:
            headers.append(("CallerID", caller_id))
        headers += [("Variable", f"{k}={v}") for k, v in (variables or {}).items()]
        action_id = action_id or f"pb-{next(self._ids)}"
        result: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._originates[action_id] = result
        try:
            queued = await self._send("Originate", headers, action_id=action_id, originate=True)
        except BaseException:
            self._originates.pop(action_id, None)
            raise
        return OriginateHandle(action_id, queued, result)

    def _register(self, action_id: str, originate: bool) -> _Pending:
        if not self.connected:
            raise AmiDisconnected("AMI is not connected")
        if len(self._pending) >= self._max_pending:
            raise AmiBusy("too many AMI actions in flight")
        if action_id in self._pending:
            raise ValueError(f"ActionID {action_id} is already in flight")
        pending = _Pending(asyncio.get_running_loop().create_future(), originate)
        self._pending[action_id] = pending
        return pending

    async def _send(
        self,
        name: str,
        headers: list[tuple[str, str]],
        *,
        action_id: str | None = None,
        originate: bool = False,
        login: bool = False,
    ) -> Message:
        action_id = action_id or ("login" if login else f"pb-{next(self._ids)}")
        if login:  # before the connection counts as up
            pending = _Pending(asyncio.get_running_loop().create_future(), False)
            self._pending[action_id] = pending
        else:
            pending = self._register(action_id, originate)
        try:
            await self._write(name, headers, action_id)
            response = await asyncio.wait_for(pending.future, self._action_timeout)
        except TimeoutError:
            if not originate:
                raise
            # written but unanswered: Asterisk may still queue it, so it must not be resent
            raise AmiOriginateOutcomeUnknown(
                f"no response to Originate {action_id} within {self._action_timeout:g} s"
            ) from None
        finally:
            self._pending.pop(action_id, None)
        return response

    async def _write(self, name: str, headers: list[tuple[str, str]], action_id: str) -> None:
        data = encode([("Action", name), *headers, ("ActionID", action_id)])  # refuses CR/LF/NUL
        writer = self._writer
        if writer is None:
            self._pending.pop(action_id, None)
            raise AmiDisconnected("AMI is not connected")
        writer.write(data)
        await writer.drain()

    # -- events -----------------------------------------------------------------------------

    def on(self, event: str, callback: EventCallback) -> None:
        """Call ``callback`` for every event named ``event`` ("*" for all)."""
        self._subscribers.on(event, callback)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            message = await read_message(reader)
            # Event first: an OriginateResponse event carries a "Response:" header too
            if "Event" in message:
                self._on_event(message)
            elif "Response" in message:
                self._on_response(message)
            else:
                raise AmiProtocolError("AMI message is neither a response nor an event")

    def _on_response(self, message: Message) -> None:
        pending = self._pending.get(message.action_id or "")
        if pending is None or pending.future.done():
            return  # a response to nothing we wait for (late, after a timeout)
        if (message.get("Response") or "").lower() in ("success", "goodbye"):
            if pending.listing and (message.get("EventList") or "").lower() == "start":
                pending.start = message  # resolved at EventList: Complete
                return
            pending.future.set_result(message)
        else:
            if pending.originate:
                self._originates.pop(message.action_id or "", None)
            pending.future.set_exception(
                AmiActionFailed(message.get("Message", "AMI error") or "AMI error")
            )

    def _on_event(self, message: Message) -> None:
        name = (message.get("Event") or "").lower()
        action_id = message.action_id or ""
        pending = self._pending.get(action_id)
        if pending is not None and pending.listing:
            if (message.get("EventList") or "").lower() == "complete":
                if not pending.future.done():
                    pending.future.set_result(pending.start or message)
            else:
                pending.events.append(message)
            return
        if name == "originateresponse":
            future = self._originates.pop(action_id, None)
            if future is not None and not future.done():
                future.set_result(message)
        self._subscribers.publish(name, message)
