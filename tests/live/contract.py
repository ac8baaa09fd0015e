"""schemathesis against a served PhoneBridge: every check, on the app's own OpenAPI document.

    python -m tests.live.contract [--max-examples N] [st run options …]

starts `phonebridge serve` on a fresh SQLite file, signs a user up, runs `st run` with that
user's token and the settings in scripts/schemathesis.toml, and exits with st's status."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from phonebook.store.migrate import upgrade
from tests.live.server import serve

CONFIG = Path(__file__).parents[2] / "scripts" / "schemathesis.toml"


def run(
    base: str, folder: Path, max_examples: int, *extra: str, capture: bool = True
) -> subprocess.CompletedProcess[str]:
    """``st run`` in ``folder`` (where it keeps its cache) against the server at ``base``."""
    signup = httpx.post(
        f"{base}/v1/accounts",
        json={"name": "Sam Tester", "phone": "+12025550161", "password": "a long password"},
    )
    signup.raise_for_status()
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from schemathesis.cli import schemathesis; schemathesis()",
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(max_examples),
            "--header",
            f"Authorization: Bearer {signup.json()['token']}",
            "--no-color",
            *extra,
        ],
        cwd=folder,
        capture_output=capture,
        text=True,
        check=False,
    )


def main(argv: list[str]) -> int:
    max_examples = 200
    if argv[:1] == ["--max-examples"]:
        max_examples, argv = int(argv[1]), argv[2:]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/phonebridge.db"
        upgrade(url)
        with serve(Path(folder), url) as served:
            return run(served.base, Path(folder), max_examples, *argv, capture=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
