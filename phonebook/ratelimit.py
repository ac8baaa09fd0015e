"""Abuse limits shared by every bridge process.

``Limiter`` is the storage seam: two atomic counters per key, kept where every process sees
them (``phonebook.store.limiter.SqlLimiter`` in the database, ``RedisLimiter`` in Redis).
``Guard`` applies the rules: which keys a login, a registration, a lookup, a code or a PIN
counts against. Every check runs *before* the costly work (scrypt, the lookup), so a flood is
refused cheaply and cannot starve other users.

Two kinds of rule:

- ``Window``: at most ``limit`` hits per fixed window of ``seconds`` (lookups, registrations,
  codes sent). Only allowed hits count.
- ``Backoff``: guesses (passwords, codes, PINs). Each attempt is reserved atomically before
  it is checked, so concurrent guesses cannot all slip through before the first failure is
  recorded; after ``free`` attempts each one must wait twice as long as the last (``base_s``
  up to ``max_s``); ``forget_s`` of quiet starts over; a success forgives the account key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from phonebook.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Window:
    limit: int  # 0: no limit
    seconds: float


@dataclass(frozen=True, slots=True)
class Backoff:
    free: int
    base_s: float
    max_s: float
    forget_s: float

    def delay_ms(self, count: int) -> int:
        """The wait before the attempt after the ``count``-th one."""
        if count < self.free:
            return 0
        return int(min(self.max_s, self.base_s * 2 ** min(count - self.free, 40)) * 1000)


@dataclass(frozen=True, slots=True)
class Taken:
    """An answer of the limiter: ``retry_after`` 0 means allowed; ``count`` is the key's
    count after this hit (0 when refused)."""

    retry_after: int
    count: int

    @property
    def allowed(self) -> bool:
        return self.retry_after == 0


def retry_after(until_ms: int, now_ms: int) -> int:
    return max(1, math.ceil((until_ms - now_ms) / 1000))


class Limiter(Protocol):
    async def hit(self, key: str, rule: Window) -> Taken:
        """Count one hit against ``key`` unless its window is full."""
        ...

    async def hits(self, items: list[tuple[str, Window]]) -> list[Taken]:
        """``hit`` on several keys at once (one round trip where the backend allows)."""
        ...

    async def attempt(self, key: str, rule: Backoff) -> Taken:
        """Reserve one attempt on ``key`` unless it must still wait."""
        ...

    async def forgive(self, key: str) -> None:
        """Forget ``key`` (a success)."""
        ...

    async def refund(self, key: str) -> None:
        """Give one reserved attempt back (a success that should not count against a shared
        key, such as a client address behind which many people sign in)."""
        ...


@dataclass(frozen=True, slots=True)
class LimitRules:
    login_account: Backoff = Backoff(free=5, base_s=1, max_s=900, forget_s=3600)
    login_address: Backoff = Backoff(free=30, base_s=1, max_s=300, forget_s=900)
    register_address: Window = Window(10, 3600)
    lookup_account: Window = Window(30, 60)
    lookup_number: Window = Window(30, 60)
    lookup_address: Window = Window(120, 60)
    codes_sent_account: Window = Window(5, 3600)
    codes_sent_number: Window = Window(5, 3600)
    code_entry_account: Backoff = Backoff(free=5, base_s=2, max_s=3600, forget_s=3600)
    code_entry_address: Backoff = Backoff(free=20, base_s=1, max_s=900, forget_s=900)
    pin_account: Backoff = Backoff(free=3, base_s=60, max_s=86400, forget_s=86400)
    pin_number: Backoff = Backoff(free=10, base_s=60, max_s=86400, forget_s=86400)


class AllowAll:
    """A limiter that limits nothing (benchmarks of other things; never the default)."""

    async def hit(self, key: str, rule: Window) -> Taken:
        return Taken(0, 1)

    async def hits(self, items: list[tuple[str, Window]]) -> list[Taken]:
        return [Taken(0, 1) for _ in items]

    async def attempt(self, key: str, rule: Backoff) -> Taken:
        return Taken(0, 1)

    async def forgive(self, key: str) -> None:
        return None

    async def refund(self, key: str) -> None:
        return None


@dataclass
class Guard:
    """The rules, applied to a limiter. Keys name what they count; addresses and numbers in
    keys never reach a log."""

    limiter: Limiter
    rules: LimitRules = field(default_factory=LimitRules)

    async def _window(self, key: str, rule: Window, what: str) -> None:
        if rule.limit <= 0:
            return
        taken = await self.limiter.hit(key, rule)
        if not taken.allowed:
            raise RateLimited(f"Too many {what}; try again later.", taken.retry_after)

    async def _backoff(self, key: str, rule: Backoff, what: str) -> Taken:
        taken = await self.limiter.attempt(key, rule)
        if not taken.allowed:
            raise RateLimited(f"Too many {what}; try again later.", taken.retry_after)
        return taken

    # -- signing in -------------------------------------------------------------------------

    async def login(self, login: str, address: str | None) -> None:
        """Before the password is hashed: per login name (an account's number, known or not,
        so unknown accounts cost and answer the same) and per client address."""
        if address:
            await self._backoff(f"login:addr:{address}", self.rules.login_address, "sign-ins")
        await self._backoff(f"login:acct:{login}", self.rules.login_account, "sign-ins")

    async def login_succeeded(self, login: str, address: str | None) -> None:
        await self.limiter.forgive(f"login:acct:{login}")
        if address:
            await self.limiter.refund(f"login:addr:{address}")

    async def register(self, address: str | None) -> None:
        if address:
            await self._window(f"register:addr:{address}", self.rules.register_address, "sign-ups")

    # -- reading the directory -------------------------------------------------------------

    async def lookup(self, account_id: str, numbers: list[str], address: str | None) -> None:
        """Per account, per verified number (a number moved to a new account keeps its count),
        per client address (new accounts bring no fresh budget), in one round trip."""
        items = [(f"lookup:acct:{account_id}", self.rules.lookup_account)]
        items += [(f"lookup:num:{n}", self.rules.lookup_number) for n in numbers]
        if address:
            items.append((f"lookup:addr:{address}", self.rules.lookup_address))
        items = [(key, rule) for key, rule in items if rule.limit > 0]
        if not items:
            return
        refused = [t for t in await self.limiter.hits(items) if not t.allowed]
        if refused:
            wait = max(t.retry_after for t in refused)
            raise RateLimited("Too many lookups; try again later.", wait)

    # -- codes and PINs --------------------------------------------------------------------

    async def send_code(self, account_id: str, e164: str) -> None:
        """Codes sent: per account, and per number (nobody can make a number ring all day)."""
        await self._window(f"code:send:acct:{account_id}", self.rules.codes_sent_account, "codes")
        await self._window(f"code:send:num:{e164}", self.rules.codes_sent_number, "codes")

    async def enter_code(self, scope: str, address: str | None) -> None:
        """A code typed in: per account (or number), and per client address."""
        if address:
            await self._backoff(f"code:addr:{address}", self.rules.code_entry_address, "codes")
        await self._backoff(f"code:{scope}", self.rules.code_entry_account, "codes")

    async def code_accepted(self, scope: str) -> None:
        await self.limiter.forgive(f"code:{scope}")

    async def pin(self, account_id: str, number: str | None) -> Taken:
        """A PIN typed on a call: per account and per calling number."""
        if number:
            await self._backoff(f"pin:num:{number}", self.rules.pin_number, "PIN attempts")
        return await self._backoff(f"pin:acct:{account_id}", self.rules.pin_account, "PIN attempts")

    async def pin_accepted(self, account_id: str) -> None:
        await self.limiter.forgive(f"pin:acct:{account_id}")
