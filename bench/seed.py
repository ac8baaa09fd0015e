"""Bulk-seed a phonebook for benchmarks: N accounts, measured viewers with ~200 contacts each,
1 % public entries. Bypasses the use cases on purpose (fast bulk inserts; COPY on PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from phonebook.names import index_name, search_keys
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

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Dorothy",
    "George",
    "Melissa",
    "Timothy",
    "Deborah",
    "José",
    "María",
    "Zoë",
    "Jürgen",
    "Renée",
    "François",
    "Søren",
    "Chloé",
    "Raúl",
    "Inés",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Müller",
    "Schröder",
    "Dubois",
    "Lefèvre",
    "Núñez",
    "Østergaard",
    "Kowalski",
    "Novák",
]
HAN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
HAN_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
BATCH = 20_000
PUBLIC_SHARE = 0.01


@dataclass
class Seeded:
    accounts: int
    viewers: list[str]  # measured viewers' account ids
    contacts: dict[str, list[str]]  # viewer → names of their contacts
    unshared: list[str]  # unique names of accounts sharing with nobody
    public: list[str]  # names of accounts with a public entry
    seconds: float = 0.0
    rows: int = 0
    names: dict[int, str] = field(default_factory=dict)


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(HAN_SURNAMES) + "".join(
            rng.choice(HAN_GIVEN) for _ in range(rng.randint(1, 2))
        )
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def account_id(i: int) -> str:
    return f"{i:032x}"


async def reset_postgres_database(admin_url: str, name: str) -> str:
    """A database of its own for the benchmark: never the test suite's."""
    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _rows(
    n: int, rng: random.Random, viewers: int, contacts_per_viewer: int
) -> tuple[dict[str, list[dict[str, Any]]], Seeded]:
    now = datetime.now(UTC)
    tables: dict[str, list[dict[str, Any]]] = {
        t: []
        for t in (
            "accounts",
            "account_phones",
            "entries",
            "name_keys",
            "circles",
            "circle_members",
            "grants",
        )
    }
    keys_cache: dict[str, frozenset[str]] = {}
    seeded = Seeded(n, [], {}, [], [])
    viewer_ids = list(range(viewers))
    unshared_ids = set(range(viewers, viewers + 50))
    for i in range(n):
        name = f"Unshared Person{i:05d}" if i in unshared_ids else person_name(rng)
        seeded.names[i] = name
        aid = account_id(i)
        tables["accounts"].append(
            {
                "id": aid,
                "name": name,
                "aliases": [],
                "password_hash": "x",
                "revision": 1,
                "created_at": now,
            }
        )
        tables["account_phones"].append(
            {
                "e164": f"+1202{2_000_000 + i}",
                "account_id": aid,
                "verified": True,
                "claimed_at": now,
            }
        )
        tables["entries"].append(
            {
                "id": f"e{i:031x}",
                "owner_id": aid,
                "kind": "phone",
                "label": "mobile",
                "value": f"+1{3_000_000_000 + i}",
                "position": 0,
            }
        )
        if name not in keys_cache:
            keys_cache[name] = search_keys(index_name(name))
        tables["name_keys"] += [
            {"key": k, "account_id": aid} for k in keys_cache[name] if len(k) <= 80
        ]
        if i in unshared_ids:
            seeded.unshared.append(name)
        elif i >= viewers + 50 and rng.random() < PUBLIC_SHARE:
            tables["grants"].append({"entry_id": f"e{i:031x}", "audience": "public", "level": 1})
            seeded.public.append(name)
    # each measured viewer is in the "friends" circle of ~contacts_per_viewer owners
    owners = list(range(viewers + 50, n))
    circle_of: dict[int, str] = {}
    for v in viewer_ids:
        seeded.viewers.append(account_id(v))
        picked = rng.sample(owners, min(contacts_per_viewer, len(owners)))
        seeded.contacts[account_id(v)] = [seeded.names[o] for o in picked]
        for o in picked:
            if o not in circle_of:
                circle_of[o] = f"c{o:031x}"
                tables["circles"].append(
                    {"id": circle_of[o], "owner_id": account_id(o), "name": "friends"}
                )
                tables["grants"].append(
                    {"entry_id": f"e{o:031x}", "audience": circle_of[o], "level": 1}
                )
            tables["circle_members"].append(
                {"circle_id": circle_of[o], "phone": f"+1202{2_000_000 + v}"}
            )
    # a public grant and a circle grant on the same entry: keep the best (the primary key)
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for g in tables["grants"]:
        best[(g["entry_id"], g["audience"])] = g
    tables["grants"] = list(best.values())
    tables["circle_members"] = list(
        {(m["circle_id"], m["phone"]): m for m in tables["circle_members"]}.values()
    )
    return tables, seeded


ORDER = [
    ("accounts", AccountRow),
    ("account_phones", PhoneRow),
    ("entries", EntryRow),
    ("name_keys", NameKeyRow),
    ("circles", CircleRow),
    ("circle_members", MemberRow),
    ("grants", GrantRow),
]


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def seed(
    url: str, n: int, *, viewers: int = 50, contacts_per_viewer: int = 200, rng_seed: int = 7
) -> Seeded:
    """Migrate ``url`` (an empty database) and fill it. Returns what the benchmark needs."""
    await asyncio.to_thread(upgrade, url)
    tables, seeded = _rows(n, random.Random(rng_seed), viewers, contacts_per_viewer)
    start = time.perf_counter()
    if is_sqlite(url):
        engine = make_engine(url)
        async with engine.begin() as conn:
            for name, table in ORDER:
                for batch in _batches(tables[name]):
                    await conn.execute(insert(table), batch)
            await conn.execute(text("ANALYZE"))
        await engine.dispose()
    else:
        import json

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            for name, table in ORDER:
                columns = [c.name for c in table.__table__.columns]  # type: ignore[attr-defined]
                records = [
                    tuple(json.dumps(r[c]) if c == "aliases" else r.get(c) for c in columns)
                    for r in tables[name]
                ]
                await conn.copy_records_to_table(name, records=records, columns=columns)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    seeded.seconds = time.perf_counter() - start
    seeded.rows = sum(len(v) for v in tables.values())
    return seeded


def main() -> None:
    """``python -m bench.seed URL N OUT.json [VIEWERS CONTACTS]``: seed in a process of its
    own (the millions of rows it builds would slow the measuring process), describe it in OUT."""
    import json
    import sys
    from dataclasses import asdict

    url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    viewers, contacts = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (50, 200)
    seeded = asyncio.run(seed(url, n, viewers=viewers, contacts_per_viewer=contacts))
    with open(out, "w") as f:
        json.dump({k: v for k, v in asdict(seeded).items() if k != "names"}, f)


if __name__ == "__main__":
    main()
