"""A real `phonebridge serve` subprocess on free ports, for tests that need a running server
(concurrent clients, streamed bodies, memory)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.test_cli import clean_env, free_port, wait_healthy


@dataclass
class Served:
    base: str
    proc: subprocess.Popen[bytes]

    def rss_kib(self) -> int:
        """The server's resident memory (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS for the server process")


@contextmanager
def serve(folder: Path, database_url: str, **settings: str) -> Iterator[Served]:
    """Run `phonebridge serve` on ``database_url`` (already migrated) until the block ends."""
    port = free_port()
    env = clean_env(
        database_url=database_url,
        auto_verify_phones="true",
        lookups_per_minute="0",
        secret_key="live-test-secret-" + "x" * 32,
        agi_port=str(free_port()),
        log_level="warning",
        **settings,
    )
    log = (folder / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield Served(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
