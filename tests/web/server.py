"""`phonebridge serve` as a real subprocess on a free port, for the browser tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.test_cli import clean_env, free_port, wait_healthy

SECRET = "browser-test-secret-" + "x" * 32


@dataclass
class Server:
    url: str
    database_url: str
    folder: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """An operator command against the same database (e.g. `accounts verify`)."""
        result = subprocess.run(
            [sys.executable, "-m", "phonebridge", *args],
            cwd=self.folder,
            env=clean_env(database_url=self.database_url, secret_key=SECRET),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result


@contextmanager
def serve(folder: Path, database_url: str, **settings: str) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
        cwd=folder,
        env=clean_env(
            database_url=database_url,
            secret_key=SECRET,
            agi_port=str(free_port()),
            web_poll_seconds="1",
            **settings,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    output = ""
    try:
        wait_healthy(url)
        yield Server(url, database_url, folder)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "+1202555" not in output, "a phone number reached the server's info-level log"
    assert "Traceback" not in output, output[-3000:]
