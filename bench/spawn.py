"""Benchmark servers run in processes of their own, so the measuring process stays lean."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"phonebridge serve at {base} did not answer /healthz in {seconds:g} s")


def serve_many(
    count: int, cwd: Path, **settings: str
) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    """``count`` real `phonebridge serve` processes on free ports with ``settings`` (as
    PHONEBRIDGE_*; none inherited from the caller's environment), once all are healthy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEBRIDGE_")}
    env.update({f"PHONEBRIDGE_{k.upper()}": v for k, v in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    procs, bases = [], []
    for _ in range(count):
        port = free_port()
        command = [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)]
        procs.append(subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    for base in bases:
        wait_healthy(base)
    return procs, bases
