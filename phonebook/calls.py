"""Placed calls: the status machine, the toll-fraud guards, and the caller's call log.

Transports place and track calls through ``Calls``; the destination number is only ever
produced by ``destination``, which re-checks the grant at the moment of connecting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.directory import Directory
from phonebook.errors import Forbidden, NotFound, RateLimited
from phonebook.ids import as_utc, new_id, utcnow
from phonebook.phones import country_code
from phonebook.store import queries
from phonebook.store.tables import CallRow


class CallStatus(StrEnum):
    QUEUED = "queued"
    RINGING = "ringing"  # the caller's phone rings (click-to-call) or the callee's
    CONNECTED = "connected"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED})
_STAGE = {CallStatus.QUEUED: 0, CallStatus.RINGING: 1, CallStatus.CONNECTED: 2}


UPDATE_ATTEMPTS = 10


def _changes(
    row: CallRow, status: CallStatus, reason: str | None, provider_ref: str | None
) -> dict[str, object]:
    """What a status report changes on a call row (nothing when it would go backwards)."""
    current = CallStatus(row.status)
    new = advance(current, status)
    reason = reason[:120] if reason is not None else None
    changes: dict[str, object] = {}
    if new != current:
        changes["status"] = new.value
        if reason is not None:
            changes["reason"] = reason
    elif reason is not None and not current.final and new == status and row.reason != reason:
        changes["reason"] = reason  # same stage, newer detail ("answered")
    if provider_ref is not None and row.provider_ref is None:
        changes["provider_ref"] = provider_ref[:64]
    if changes:
        changes["updated_at"] = utcnow()
    return changes


def advance(current: CallStatus, new: CallStatus) -> CallStatus:
    """Statuses only move forward, and a final one never changes: events may arrive late,
    twice or out of order (AMI and Twilio both do that)."""
    if current.final:
        return current
    if not new.final and _STAGE[new] < _STAGE[current]:
        return current
    if new == CallStatus.COMPLETED and current != CallStatus.CONNECTED:
        return CallStatus.FAILED  # it ended before anyone was connected
    return new


@dataclass(frozen=True, slots=True)
class CallLimits:
    """Toll-fraud guards, on by default."""

    per_minute: int = 3
    per_day: int = 50
    concurrent_per_caller: int = 1
    concurrent_total: int = 100
    max_seconds: int = 3600
    allowed_country_codes: frozenset[int] = frozenset({1})


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    caller_id: str
    callee_id: str
    entry_id: str
    callee_name: str
    entry_label: str
    provider: str
    provider_ref: str | None
    status: CallStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Destination:
    number: str  # E.164, for the switch only
    callee_name: str
    max_seconds: int


def _call(row: CallRow) -> Call:
    return Call(
        row.id,
        row.caller_id,
        row.callee_id,
        row.entry_id,
        row.callee_name,
        row.entry_label,
        row.provider,
        row.provider_ref,
        CallStatus(row.status),
        row.reason,
        as_utc(row.created_at),
        as_utc(row.updated_at),
    )


class Calls:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Directory,
        limits: CallLimits,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._limits = limits

    @property
    def limits(self) -> CallLimits:
        return self._limits

    async def place(
        self, caller_id: str, contact_id: str, entry_id: str | None, provider: str
    ) -> tuple[Call, str]:
        """Check everything and record a queued call. Returns it with the caller's own
        verified number, which the provider rings first. Nothing is dialled here."""
        call, ring, _ = await self._record(caller_id, contact_id, entry_id, provider)
        return call, ring

    async def dial_now(
        self, caller_id: str, contact_id: str, entry_id: str, provider: str
    ) -> tuple[Call, Destination]:
        """Record a call that is connected at once (the access number): the grant is checked
        as it is recorded, and that same check gives the destination."""
        call, _, number = await self._record(caller_id, contact_id, entry_id, provider)
        return call, Destination(number, call.callee_name, self._limits.max_seconds)

    async def _record(
        self, caller_id: str, contact_id: str, entry_id: str | None, provider: str
    ) -> tuple[Call, str, str]:
        contact, entry, number = await self._directory.callable_entry(
            caller_id, contact_id, entry_id
        )
        self._check_country(number)
        async with self._sessions.begin() as session:
            own = await queries.verified_phones(session, caller_id)
            if not own:
                raise Forbidden(
                    "Verify your phone number before placing calls.", code="phone_not_verified"
                )
            await self._check_limits(session, caller_id)
            now = utcnow()
            row = CallRow(
                id=new_id(),
                caller_id=caller_id,
                callee_id=contact_id,
                entry_id=entry.id,
                callee_name=contact.name,
                entry_label=entry.label,
                provider=provider,
                provider_ref=None,
                status=CallStatus.QUEUED.value,
                reason=None,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        return _call(row), own[0], number

    def _check_country(self, number: str) -> None:
        if country_code(number) not in self._limits.allowed_country_codes:
            raise Forbidden(
                "Calls to that country are not enabled here.", code="destination_not_allowed"
            )

    async def _check_limits(self, session: AsyncSession, caller_id: str) -> None:
        now = utcnow()
        active = [s.value for s in CallStatus if not s.final]
        # a call no provider reported on for longer than any call may last is not counted:
        # one lost status report must not lock its caller out
        live = CallRow.updated_at > now - timedelta(seconds=self._limits.max_seconds + 300)

        mine = CallRow.caller_id == caller_id
        busy = and_(CallRow.status.in_(active), live)
        minute, day = now - timedelta(minutes=1), now - timedelta(days=1)
        counts = (
            await session.execute(  # one round trip for the four guards
                select(
                    func.count().filter(mine, CallRow.created_at > minute),
                    func.count().filter(mine, CallRow.created_at > day),
                    func.count().filter(mine, busy),
                    func.count().filter(busy),
                ).where(or_(and_(mine, CallRow.created_at > day), busy))
            )
        ).one()
        lim = self._limits
        caps = (lim.per_minute, lim.per_day, lim.concurrent_per_caller, lim.concurrent_total)
        retry_after_s = (60, 3600, 30, 10)  # when trying again may work
        for count, limit, retry_after in zip(counts, caps, retry_after_s, strict=True):
            if int(count or 0) >= limit:
                raise RateLimited("Too many calls right now; try again later.", retry_after)

    async def destination(self, call_id: str) -> Destination:
        """Where call ``call_id`` may go now: the grant and the guards checked again."""
        async with self._sessions() as session:
            row = await session.get(CallRow, call_id)
        if row is None or CallStatus(row.status).final:
            raise NotFound("No such call in progress.", code="call_not_found")
        number = await self._directory.dialable(row.caller_id, row.callee_id, row.entry_id)
        self._check_country(number)
        return Destination(number, row.callee_name, self._limits.max_seconds)

    async def update(
        self,
        call_id: str,
        status: CallStatus,
        reason: str | None = None,
        provider_ref: str | None = None,
    ) -> Call | None:
        """Apply a status report; reports that would move a call backwards are ignored.

        Reports race (an AMI event and the dialplan's outcome handler, Twilio's callbacks), and
        SQLite has no row lock: the write only lands if the row is still what was read, else
        the report is applied again to what is there now."""
        for _ in range(UPDATE_ATTEMPTS):
            async with self._sessions.begin() as session:
                row = await session.get(CallRow, call_id, with_for_update=True)
                if row is None:
                    return None
                changes = _changes(row, status, reason, provider_ref)
                if not changes:
                    return _call(row)
                written = await session.execute(
                    update(CallRow)
                    .where(CallRow.id == call_id, CallRow.updated_at == row.updated_at)
                    .values(**changes)
                )
                session.expunge(row)
                if written.rowcount == 1:  # type: ignore[attr-defined]
                    for name, value in changes.items():
                        setattr(row, name, value)
                    return _call(row)
        raise RuntimeError(f"call {call_id} changed {UPDATE_ATTEMPTS} times while updating")

    async def get(self, caller_id: str, call_id: str) -> Call:
        async with self._sessions() as session:
            row = await session.get(CallRow, call_id)
        if row is None or row.caller_id != caller_id:
            raise NotFound("You placed no call with that id.", code="call_not_found")
        return _call(row)

    async def by_ref(self, provider: str, provider_ref: str) -> Call | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(CallRow).where(
                    CallRow.provider == provider, CallRow.provider_ref == provider_ref
                )
            )
        return _call(row) if row else None

    async def log(self, caller_id: str, limit: int = 100) -> list[Call]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(CallRow)
                .where(CallRow.caller_id == caller_id)
                .order_by(CallRow.created_at.desc(), CallRow.id)
                .limit(limit)
            )
            return [_call(r) for r in rows]

    async def count_by_status(self) -> dict[CallStatus, int]:
        """How many calls are in each status (every status, 0 included): for /metrics."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(CallRow.status, func.count()).group_by(CallRow.status)
            )
            counts = {CallStatus(status): int(n) for status, n in rows}
        return {status: counts.get(status, 0) for status in CallStatus}
