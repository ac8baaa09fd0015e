"""schemathesis, every check, against a served PhoneBridge and its own OpenAPI document, with
bounded examples so CI stays fast (scripts/schemathesis runs the longer version)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonebook.store.migrate import upgrade
from tests.live.contract import run
from tests.live.server import Served, serve


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[Served]:
    url = f"sqlite+aiosqlite:///{tmp_path}/phonebridge.db"
    upgrade(url)  # a database of its own: the run signs up and changes whatever it can
    with serve(tmp_path, url) as served:
        yield served


def test_the_api_keeps_its_openapi_contract(sqlite_server: Served, tmp_path: Path) -> None:
    result = run(sqlite_server.base, tmp_path, 5, "--workers", "2", "--seed", "1")
    summary = re.search(r"Test cases:\n(.*)\n", result.stdout)
    print(summary.group(1) if summary else result.stdout[-2000:])
    assert result.returncode == 0, result.stdout[-6000:]
