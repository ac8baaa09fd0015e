"""The shared limiter's backends: a table every process on the database sees (SQLite and
PostgreSQL), and Redis when one is configured. Each operation is one atomic statement (an
upsert with a condition, or one Lua script), so concurrent processes never both take the last
slot."""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.ratelimit import Backoff, Taken, Window, retry_after
from phonebook.store.tables import RateLimitRow


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ms(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def _delay(rule: Backoff, count: ColumnElement[int]) -> ColumnElement[int]:
    """``rule.delay_ms(count)`` as SQL that SQLite and PostgreSQL both run: a CASE over the
    doubling steps until the longest wait."""
    ladder = [(count < rule.free, _ms(0))]
    longest = int(rule.max_s * 1000)
    for k in range(40):
        step = rule.delay_ms(rule.free + k)
        if step >= longest:
            break
        ladder.append((count == rule.free + k, _ms(step)))
    return case(*ladder, else_=_ms(longest))


def _until(now: int, rule: Backoff, count: int) -> int:
    delay = rule.delay_ms(count)
    return now + delay if delay else 0


class SqlLimiter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def _insert(self, session: AsyncSession) -> Any:
        dialect = session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RateLimitRow)

    async def _refused(self, session: AsyncSession, key: str, column: Any, now: int) -> Taken:
        until = await session.scalar(select(column).where(RateLimitRow.key == key))
        return Taken(retry_after(int(until or now), now), 0)

    async def hit(self, key: str, rule: Window) -> Taken:
        return (await self.hits([(key, rule)]))[0]

    async def hits(self, items: list[tuple[str, Window]]) -> list[Taken]:
        """Several windows in one transaction (a lookup counts against three keys)."""
        now = _now_ms()
        t = RateLimitRow.__table__.c
        expired = t.window_ends <= _ms(now)
        taken: list[Taken] = []
        async with self._sessions.begin() as session:
            for key, rule in items:
                ends = now + int(rule.seconds * 1000)
                stmt = self._insert(session).values(
                    key=key, count=1, window_ends=ends, blocked_until=0
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["key"],
                    set_={
                        "count": case((expired, 1), else_=t.count + 1),
                        "window_ends": case((expired, _ms(ends)), else_=t.window_ends),
                    },
                    where=expired | (t.count < rule.limit),
                ).returning(t.count)
                count = (await session.execute(stmt)).scalar()
                if count is None:
                    taken.append(await self._refused(session, key, RateLimitRow.window_ends, now))
                else:
                    taken.append(Taken(0, int(count)))
            if random.random() < 0.001:  # now and then, forget long-idle keys
                await session.execute(
                    delete(RateLimitRow).where(
                        RateLimitRow.window_ends < now - 86_400_000,
                        RateLimitRow.blocked_until < now,
                    )
                )
        return taken

    async def attempt(self, key: str, rule: Backoff) -> Taken:
        now = _now_ms()
        forget = int(rule.forget_s * 1000)
        t = RateLimitRow.__table__.c
        count = case((t.window_ends <= _ms(now), 1), else_=t.count + 1)
        async with self._sessions.begin() as session:
            stmt = self._insert(session).values(
                key=key, count=1, window_ends=now + forget, blocked_until=_until(now, rule, 1)
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": count,
                    "window_ends": _ms(now + forget),
                    # no wait yet: 0, not "now" (a concurrent try stamped a moment
                    # earlier would find itself blocked until this one's stamp)
                    "blocked_until": case(
                        (count < rule.free, _ms(0)), else_=_ms(now) + _delay(rule, count)
                    ),
                },
                where=t.blocked_until <= _ms(now),
            ).returning(t.count)
            taken = (await session.execute(stmt)).scalar()
            if taken is None:
                return await self._refused(session, key, RateLimitRow.blocked_until, now)
        return Taken(0, int(taken))

    async def forgive(self, key: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(RateLimitRow).where(RateLimitRow.key == key))

    async def refund(self, key: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(RateLimitRow)
                .where(RateLimitRow.key == key, RateLimitRow.count > 0)
                .values(count=RateLimitRow.count - 1)
            )


# Both scripts read the clock of the Redis server: with the callers' clocks, two attempts sent
# at once could arrive in the other order, and the later one, stamped earlier, found itself
# "blocked until" the first one's stamp (a concurrent test got 3 tries instead of 5).
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

_HIT = (
    _NOW
    + """
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[1], 'c', 'w')
local c, w = tonumber(h[1]) or 0, tonumber(h[2]) or 0
if w <= now then c, w = 0, now + window end
if c >= limit then return {0, w, now} end
redis.call('HSET', KEYS[1], 'c', c + 1, 'w', w)
redis.call('PEXPIREAT', KEYS[1], w + 1000)
return {c + 1, w, now}
"""
)

_ATTEMPT = (
    _NOW
    + """
local forget = tonumber(ARGV[1])
local free, base, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', KEYS[1], 'c', 'w', 'b')
local c, w, b = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
if b > now then return {0, b, now} end
if w <= now then c = 1 else c = c + 1 end
local delay = 0
if c >= free then delay = math.min(max, base * 2 ^ math.min(c - free, 40)) end
delay = math.floor(delay)
local blocked = 0
if delay > 0 then blocked = now + delay end
redis.call('HSET', KEYS[1], 'c', c, 'w', now + forget, 'b', blocked)
redis.call('PEXPIRE', KEYS[1], math.max(forget, delay) + 1000)
return {c, now + delay, now}
"""
)

_REFUND = """
local c = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
if c > 0 then redis.call('HSET', KEYS[1], 'c', c - 1) end
return c
"""


class RedisLimiter:
    """The same counters in Redis (``pip install 'phonebridge[redis]'``): one Lua script per
    operation, so each is atomic on the server."""

    def __init__(self, url: str, prefix: str = "pb:limit:") -> None:
        import redis.asyncio as aioredis

        self._redis: Any = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._hit = self._redis.register_script(_HIT)
        self._attempt = self._redis.register_script(_ATTEMPT)
        self._refund = self._redis.register_script(_REFUND)

    async def hits(self, items: list[tuple[str, Window]]) -> list[Taken]:
        return [await self.hit(key, rule) for key, rule in items]

    async def hit(self, key: str, rule: Window) -> Taken:
        count, until, now = await self._hit(
            keys=[self._prefix + key], args=[int(rule.seconds * 1000), rule.limit]
        )
        if int(count) == 0:
            return Taken(retry_after(int(until), int(now)), 0)
        return Taken(0, int(count))

    async def attempt(self, key: str, rule: Backoff) -> Taken:
        args = [int(rule.forget_s * 1000), rule.free, rule.base_s * 1000, rule.max_s * 1000]
        count, until, now = await self._attempt(keys=[self._prefix + key], args=args)
        if int(count) == 0:
            return Taken(retry_after(int(until), int(now)), 0)
        return Taken(0, int(count))

    async def forgive(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def refund(self, key: str) -> None:
        await self._refund(keys=[self._prefix + key], args=[])

    async def close(self) -> None:
        await self._redis.aclose()
