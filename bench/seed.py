"""Bulk-seed a phonebook for benchmarks: N accounts with realistic names (~5 % Han), each with
a phone entry, a "friends" circle of 50 other accounts' numbers granted that phone (so every
account has ~50 contacts), 10 % of accounts sharing their phone publicly; name keys and stored
name indexes precomputed as the use cases write them. Bypasses the use cases on purpose.

PostgreSQL: COPY (asyncpg ``copy_records_to_table``) in chunks, streamed (memory stays flat at
1M accounts), generating the next chunk while the last one is copied, FK triggers off for the
load (``session_replication_role = replica``) and secondary indexes built after it.

    python -m bench.seed postgresql+asyncpg://postgres@127.0.0.1:5432/pb_scale_big 1000000 out.json
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from bench.seed_names import FIRST, HAN_GIVEN, HAN_SURNAMES, LAST
from phonebook.names import encode_index, index_name, search_keys
from phonebook.store.engine import is_sqlite, make_engine
from phonebook.store.migrate import upgrade
from phonebook.store.tables import (
    AccountRow,
    CircleRow,
    EntryRow,
    GrantRow,
    MemberRow,
    NameKeyRow,
    PhoneRow,
)

CHUNK = 25_000  # accounts per generated chunk
CONTACTS = 50  # members of each account's circle
PUBLIC_SHARE = 0.10
UNSHARED = 50  # accounts named "Unshared PersonNNNNN": public nowhere, in no measured circle
TABLES = [AccountRow, PhoneRow, EntryRow, NameKeyRow, CircleRow, MemberRow, GrantRow]


@dataclass
class Seeded:
    accounts: int
    viewers: list[str]  # measured viewers' account ids
    contacts: dict[str, list[str]]  # viewer → names of their contacts
    unshared: list[str]  # unique names of accounts sharing with nobody
    public: list[str]  # names of (some) accounts with a public entry
    seconds: float = 0.0
    rows: int = 0
    phases: dict[str, float] = field(default_factory=dict)


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.05:
        given = "".join(rng.choice(HAN_GIVEN) for _ in range(rng.randint(1, 2)))
        return rng.choice(HAN_SURNAMES) + given
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def account_id(i: int) -> str:
    return f"{i:032x}"


def phone(i: int) -> str:
    return f"+1202{2_000_000 + i}"  # bench_twilio and soak_agi derive callers' numbers so


async def reset_postgres_database(admin_url: str, name: str) -> str:
    """A database of its own for the benchmark: never the test suite's."""
    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


class Generator:
    """Rows in column order (the tables' own), one chunk of accounts at a time."""

    def __init__(self, n: int, viewers: int, rng_seed: int) -> None:
        self.n, self.rng = n, random.Random(rng_seed)
        self.now = datetime.now(UTC)
        self.names: dict[str, tuple[str, list[str]]] = {}  # name → (stored index, keys)
        self.viewers = set(range(viewers))
        self.unshared = set(range(viewers, viewers + UNSHARED))
        self.phones = [phone(i) for i in range(n)]
        self.seeded = Seeded(n, [account_id(v) for v in range(viewers)], {}, [], [])
        for v in self.seeded.viewers:
            self.seeded.contacts[v] = []

    def _name(self, name: str) -> tuple[str, list[str]]:
        if name not in self.names:
            index = index_name(name)
            keys = sorted(k for k in search_keys(index) if len(k) <= 80)
            self.names[name] = (encode_index(index), keys)
        return self.names[name]

    def chunk(self, start: int, stop: int) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {t.__tablename__: [] for t in TABLES}
        rng, now, phones = self.rng, self.now, self.phones
        accounts, phone_rows, entries, keys, circles, members, grants = rows.values()
        for i in range(start, stop):
            unshared = i in self.unshared
            name = f"Unshared Person{i:05d}" if unshared else person_name(rng)
            stored, name_keys = self._name(name)
            aid, eid, cid = account_id(i), f"e{i:031x}", f"c{i:031x}"
            public = not unshared and i not in self.viewers and rng.random() < PUBLIC_SHARE
            # columns in table order (see TABLES / phonebook.store.tables)
            accounts.append((aid, name, "[]", "x", "en", 1, now, None, stored))
            phone_rows.append((phones[i], aid, True, now))
            entries.append((eid, aid, "phone", "mobile", f"+1{3_000_000_000 + i}", 0))
            keys.extend((k, aid, public) for k in name_keys)
            circles.append((cid, aid, "friends"))
            grants.append((eid, cid, 2 if rng.random() < 0.5 else 1))
            if public:
                grants.append((eid, "public", 1))
                if len(self.seeded.public) < 1000:
                    self.seeded.public.append(name)
            picked = set(rng.choices(range(self.n), k=CONTACTS)) - {i}
            if unshared:
                picked -= self.viewers
            for j in picked:
                members.append((cid, phones[j]))
                if j in self.viewers:
                    self.seeded.contacts[account_id(j)].append(name)
            if unshared:
                self.seeded.unshared.append(name)
        self.seeded.rows += sum(len(r) for r in rows.values())
        return rows


def columns(table: Any) -> list[str]:
    return [c.name for c in table.__table__.columns]


async def _copy_chunk(pool: asyncpg.Pool, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    async def one(table: Any) -> None:
        async with pool.acquire() as conn:
            await conn.execute("SET session_replication_role = replica")  # no FK triggers
            name = table.__tablename__
            await conn.copy_records_to_table(name, records=rows[name], columns=columns(table))

    await asyncio.gather(*(one(t) for t in TABLES))


_SECONDARY = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY($1::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
# primary keys of tables no foreign key points at: cheaper built once than kept during COPY
_KEYS = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint k
WHERE contype IN ('p', 'u') AND conrelid = ANY($1::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = k.conrelid)
"""


async def seed_postgres(url: str, gen: Generator) -> dict[str, float]:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    names = [t.__tablename__ for t in TABLES]
    phases: dict[str, float] = {}
    start = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    pool = await asyncpg.create_pool(dsn, min_size=len(TABLES), max_size=len(TABLES))
    try:
        indexes = await conn.fetch(_SECONDARY, names)
        keys = await conn.fetch(_KEYS, names)
        for index, _ in indexes:
            await conn.execute(f"DROP INDEX {index}")
        for table, constraint, _ in keys:
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[dict[str, list[tuple[Any, ...]]]] | None = None
        copying: asyncio.Task[None] | None = None
        for begin in range(0, gen.n, CHUNK):
            # generate the next chunk in a thread while the previous one is copied
            pending = loop.run_in_executor(None, gen.chunk, begin, min(begin + CHUNK, gen.n))
            rows = await pending
            if copying is not None:
                await copying
            copying = asyncio.create_task(_copy_chunk(pool, rows))
        if copying is not None:
            await copying
        phases["copy"] = time.perf_counter() - start
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for table, constraint, definition in keys:
            await conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}")
        for _, definition in indexes:
            await conn.execute(definition)
        phases["indexes"] = time.perf_counter() - start - phases["copy"]
        # as autovacuum would have by then: the visibility map lets index-only scans skip the
        # table (the partial index of public name keys)
        await conn.execute("VACUUM (ANALYZE)")
        phases["vacuum analyze"] = time.perf_counter() - start - phases["copy"] - phases["indexes"]
    finally:
        await pool.close()
        await conn.close()
    return phases


async def seed_sqlite(url: str, gen: Generator) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        for begin in range(0, gen.n, CHUNK):
            rows = gen.chunk(begin, min(begin + CHUNK, gen.n))
            for table in TABLES:
                cols = columns(table)
                dicts = [dict(zip(cols, r, strict=True)) for r in rows[table.__tablename__]]
                if table is AccountRow:
                    for d in dicts:
                        d["aliases"] = []  # the JSON column encodes it itself
                for part in _parts(dicts):
                    await conn.execute(insert(table), part)
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


def _parts(rows: list[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    for begin in range(0, len(rows), size):
        yield rows[begin : begin + size]


async def seed(url: str, n: int, *, viewers: int = 50, rng_seed: int = 7) -> Seeded:
    """Migrate ``url`` (an empty database) and fill it. Returns what the benchmark needs."""
    await asyncio.to_thread(upgrade, url)
    gen = Generator(n, viewers, rng_seed)
    start = time.perf_counter()
    if is_sqlite(url):
        await seed_sqlite(url, gen)
    else:
        gen.seeded.phases = await seed_postgres(url, gen)
    gen.seeded.seconds = time.perf_counter() - start
    return gen.seeded


def main() -> None:
    """``python -m bench.seed URL N OUT.json [VIEWERS]``: seed in a process of its own, describe
    the result in OUT (what bench_lookup needs), print the time."""
    url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    viewers = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    seeded = asyncio.run(seed(url, n, viewers=viewers))
    with open(out, "w") as f:
        json.dump(asdict(seeded), f)
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in seeded.phases.items())
    print(f"seeded {n:,} accounts in {seeded.seconds:.1f} s ({phases})", file=sys.stderr)


if __name__ == "__main__":
    main()
