"""Benchmark servers run in processes of their own, so the measuring process stays lean."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spawn(
    module: str, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """Run ``python -m module *args PORT_FILE`` and wait until it writes its port there."""
    port_file = tempfile.mktemp()
    proc = subprocess.Popen([sys.executable, "-m", module, *args, port_file], cwd=ROOT, env=env)
    for _ in range(300):
        if os.path.exists(port_file) and Path(port_file).read_text():
            return proc, int(Path(port_file).read_text())
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{module} did not start")
