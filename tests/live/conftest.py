from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonebook.store.engine import make_engine
from tests.conftest import BACKENDS, _empty
from tests.live.server import Served, serve


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    migrated_urls: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """One server per database for the module; every test registers its own people."""
    if request.param not in migrated_urls:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    url = migrated_urls[request.param]

    async def empty() -> None:
        engine = make_engine(url)
        await _empty(engine, url)
        await engine.dispose()

    asyncio.run(empty())
    with serve(Path(tmp_path_factory.mktemp("live")), url) as served:
        yield served


_numbers = itertools.count(100)


def new_phone() -> str:
    """A fresh valid number for each account a test registers (the database is shared)."""
    return f"+1202555{next(_numbers):04d}"
