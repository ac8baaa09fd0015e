"""How well spoken names resolve: every transcript of the mis-transcription corpus
(bridge/twilio/mistranscriptions.py) through the call flow the Twilio gather step runs, on a
phonebook seeded through the real use cases on a temporary SQLite database.

    python bench/bench_matching.py [--show wrong,ambiguous_without,not_found] [--held-out]

``--held-out`` replays the held-out transcripts (mistranscriptions_heldout.py) instead.

Prints the share of transcripts put straight through to the right person, offered a menu with
the right person in it, a menu without them, put through to the wrong person, and not found;
overall and per category ("nobody" transcripts are right when not found). The flow puts a
caller through (after "calling <name>, press star to cancel") whenever exactly one person
matches, even by a fuzzy spelling alone; several give a menu.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.twilio.mistranscriptions_heldout import HELD_OUT  # noqa: E402
from bridge.twilio.testing import (  # noqa: E402
    CORPUS,
    OUTCOMES,
    PEOPLE,
    Result,
    replay,
    seed,
    shares,
)
from phonebook.app import Phonebook  # noqa: E402
from phonebook.config import PhonebookConfig  # noqa: E402
from phonebook.store.engine import make_engine  # noqa: E402
from phonebook.store.migrate import upgrade  # noqa: E402

WIDTH = 10
# column heads: "menu+" is a menu with the right person in it, "menu-" one without
HEADS = {
    "right": "right",
    "ambiguous_with": "menu+",
    "ambiguous_without": "menu-",
    "wrong": "wrong",
    "not_found": "not found",
}


def row(label: str, results: list[Result]) -> str:
    cells = "".join(f"{share * 100:>{WIDTH - 1}.1f}%" for share in shares(results).values())
    return f"  {label:<18}{len(results):>5}{cells}"


def report(results: list[Result], show: set[str]) -> None:
    print(f"{len(PEOPLE)} people in the caller's phonebook, {len(results)} transcripts")
    print(f"  {'category':<18}{'n':>5}" + "".join(f"{HEADS[o]:>{WIDTH}}" for o in OUTCOMES))
    someone = [r for r in results if r.case.meant is not None]
    print(row("all with a person", someone))
    by_category: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_category[r.case.category].append(r)
    for category, rs in by_category.items():
        print(row(category, rs))
    reached = sum(r.outcome in ("right", "ambiguous_with") for r in someone) / len(someone)
    print(f"right or in the menu (transcripts with a person): {reached * 100:.1f}%")
    for r in results:
        if r.outcome in show:
            print(f"  {r.outcome:<18}{r.case.category:<18}{r.case.heard!r} -> {list(r.names)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--show",
        default="wrong,ambiguous_without",
        help="comma-separated outcomes whose transcripts to list",
    )
    parser.add_argument("--held-out", action="store_true", help="the held-out transcripts")
    args = parser.parse_args()
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='pb-match-')}/bench.db"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    # the config tests use: numbers verified on registration; no rate limit for a replay
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True, lookups_per_minute=0))
    keys = await seed(pb)
    results = await replay(pb, keys, HELD_OUT if args.held_out else CORPUS)
    await engine.dispose()
    report(results, set(args.show.split(",")))


if __name__ == "__main__":
    asyncio.run(main())
