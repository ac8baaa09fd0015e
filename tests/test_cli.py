"""The README's first command, for real: `phonebridge demo` and `phonebridge serve` in an empty
folder, on the embedded SQLite default, answering HTTP on a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without the caller's PHONEBRIDGE_* settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEBRIDGE_")}
    return {**env, **{f"PHONEBRIDGE_{k.upper()}": v for k, v in settings.items()}}


def wait_healthy(base: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("phonebridge serve did not answer /healthz within 10 s")


def run(folder: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phonebridge", *args],
        cwd=folder,
        env=clean_env(**settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    assert run(tmp_path, "demo").returncode == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(agi_port=str(free_port())),  # free ports: passes beside a real server
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield base
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "+1202555" not in output  # no phone number in the server's info-level output
    assert proc.returncode == 0, output  # SIGTERM is a clean stop


def test_demo_then_serve_answers_lookups(served: str) -> None:
    token = httpx.post(
        f"{served}/v1/auth/token", data={"username": "+12025550101", "password": "demo-password"}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    bob = httpx.get(f"{served}/v1/lookup", params={"name": "bob"}, headers=auth).json()
    assert bob["matches"][0]["name"] == "Bob Smith"
    assert bob["matches"][0]["entries"][0]["value"] is None  # callable only: number hidden
    zhang = httpx.get(f"{served}/v1/lookup", params={"keys": "94264"}, headers=auth).json()
    assert zhang["matches"][0]["name"] == "张伟"
    httpx.put(f"{served}/v1/me/blocks/+12025550188", headers=auth)  # a number in a path
    assert httpx.get(f"{served}/docs").status_code == 200


def test_demo_twice_and_operator_verify(tmp_path: Path) -> None:
    assert "seeded" in run(tmp_path, "demo").stdout
    assert "already there" in run(tmp_path, "demo").stdout
    assert run(tmp_path, "accounts", "verify", "+12025550102").returncode == 0
    unknown = run(tmp_path, "accounts", "verify", "+12025550177")
    assert unknown.returncode == 1 and "phone_not_found" in unknown.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", env="production")
    assert result.returncode == 2 and "PHONEBRIDGE_SECRET_KEY" in result.stderr


def test_serve_also_answers_fastagi(tmp_path: Path) -> None:
    """`serve` starts the FastAGI server next to the API: an Asterisk-style connection gets a
    call flow (here: an unknown caller is registered and the result variable comes back)."""
    import asyncio

    from tests.agi.peer import Peer, Step, env_block

    api_port, agi_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "phonebridge", "serve", "--port", str(api_port)],
        cwd=tmp_path,
        env=clean_env(agi_port=str(agi_port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{api_port}")

        def silence(line: bytes) -> list[bytes]:  # prompts play out, no key is ever pressed
            return [
                b"200 result= (timeout)\n" if line.startswith(b"GET DATA") else b"200 result=0\n"
            ]

        answers = [Step(None, silence)] * 30
        peer = asyncio.run(Peer(env_block(agi_callerid="+12025550177"), answers).call(agi_port))
        assert peer.received[0] == b"ANSWER\n"
        # no STIR/SHAKEN attestation: registered as an unproved claim, code read, call ends
        assert peer.received[-1] == b"SET VARIABLE PB_RESULT registered\n"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
