"""The shared limiter's backends, on SQLite, PostgreSQL and the real Redis: windows, growing
waits, and that concurrent callers never get more than the rule allows."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.ratelimit import Backoff, Limiter, Window
from phonebook.store.engine import make_sessionmaker
from phonebook.store.limiter import RedisLimiter, SqlLimiter

REDIS_URL = os.environ.get("PHONEBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(params=["sql", "redis"])
async def limiter(request: pytest.FixtureRequest, engine: AsyncEngine) -> AsyncIterator[Limiter]:
    if request.param == "sql":
        yield SqlLimiter(make_sessionmaker(engine))
        return
    if "sqlite" not in str(engine.url):  # Redis once is enough: skip it on the second backend
        pytest.skip("the Redis backend runs once, beside SQLite")
    redis = RedisLimiter(REDIS_URL, prefix=f"pb-test:{uuid.uuid4().hex}:")
    yield redis
    await redis.close()


async def test_a_window_allows_its_limit_then_says_how_long_to_wait(limiter: Limiter) -> None:
    rule = Window(3, 60)
    taken = [await limiter.hit("k", rule) for _ in range(4)]
    assert [t.allowed for t in taken] == [True, True, True, False]
    assert [t.count for t in taken[:3]] == [1, 2, 3]
    assert 1 <= taken[3].retry_after <= 60
    assert (await limiter.hit("other", rule)).allowed  # keys are independent


async def test_a_short_window_opens_again(limiter: Limiter) -> None:
    rule = Window(1, 0.2)
    assert (await limiter.hit("k", rule)).allowed
    assert not (await limiter.hit("k", rule)).allowed
    await asyncio.sleep(0.3)
    assert (await limiter.hit("k", rule)).allowed


async def test_backoff_gives_free_tries_then_growing_waits(limiter: Limiter) -> None:
    rule = Backoff(free=3, base_s=30, max_s=100, forget_s=3600)
    assert [(await limiter.attempt("k", rule)).allowed for _ in range(3)] == [True] * 3
    refused = await limiter.attempt("k", rule)  # the third set a 30 s wait
    assert not refused.allowed and 25 <= refused.retry_after <= 30
    assert rule.delay_ms(3) == 30_000 and rule.delay_ms(4) == 60_000 and rule.delay_ms(9) == 100_000
    await limiter.forgive("k")  # a success starts over
    assert (await limiter.attempt("k", rule)).count == 1


async def test_refund_gives_a_try_back(limiter: Limiter) -> None:
    rule = Backoff(free=2, base_s=30, max_s=100, forget_s=3600)
    assert (await limiter.attempt("k", rule)).count == 1
    await limiter.refund("k")
    assert (await limiter.attempt("k", rule)).count == 1


async def test_concurrent_guesses_never_exceed_the_rule(limiter: Limiter) -> None:
    rule = Backoff(free=5, base_s=60, max_s=600, forget_s=3600)
    window = Window(7, 60)
    guesses = await asyncio.gather(*(limiter.attempt("guess", rule) for _ in range(40)))
    hits = await asyncio.gather(*(limiter.hit("hit", window) for _ in range(40)))
    assert sum(t.allowed for t in guesses) == 5
    assert sum(t.allowed for t in hits) == 7
