"""Starting and stopping a real `phonebridge serve`: SIGTERM with a FastAGI call in progress
(the call finishes, new connections are refused, exit 0, no process left behind), a second
server on busy ports (one line naming the setting), a fatal self-check (one line per problem,
no traceback)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.agi.peer import Peer, Step, env_block
from tests.test_cli import clean_env, free_port, run

SPEECH = importlib.util.find_spec("pocketsphinx") is not None


def children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited: only its exit status is left


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


async def wait_for_line(log: Path, text: str) -> str:
    for _ in range(600):
        content = log.read_text()
        if text in content:
            return content
        await asyncio.sleep(0.05)
    pytest.fail(f"{text!r} never appeared in the server's log:\n{log.read_text()}")


class Server:
    def __init__(self, folder: Path, **settings: str) -> None:
        self.http, self.agi = free_port(), free_port()
        self.log = folder / "serve.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "phonebridge", "serve", "--port", str(self.http)],
                cwd=folder,
                env=clean_env(agi_port=str(self.agi), **settings),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def healthy(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    r = await client.get(f"http://127.0.0.1:{self.http}/healthz", timeout=2)
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if self.proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
        pytest.fail(f"phonebridge serve did not come up:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


async def test_sigterm_lets_the_call_in_progress_finish_and_exits_clean(folder: Path) -> None:
    speech = {"speech_recordings_dir": str(folder), "speech_workers": "1"} if SPEECH else {}
    server = Server(folder, **speech)
    try:
        await server.healthy()
        if SPEECH:  # the speech worker is up: it must not outlive the server
            while not children(server.proc.pid):
                await asyncio.sleep(0.1)
        spawned = children(server.proc.pid)

        # a second server on the same ports: one line, no traceback
        second = await asyncio.to_thread(
            run, folder, "serve", "--port", str(server.http), agi_port=str(server.agi)
        )
        assert second.returncode == 1
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert f"port {server.http}" in second.stderr and "PHONEBRIDGE_PORT" in second.stderr

        # a call that is in the middle of a prompt when SIGTERM arrives
        playing, release = asyncio.Event(), asyncio.Event()
        gated = False

        async def answer(line: bytes) -> list[bytes]:
            nonlocal gated
            if line.startswith(b"STREAM FILE") and not gated:
                gated = True
                playing.set()
                await release.wait()
            if line.startswith(b"GET DATA"):
                return [b"200 result= (timeout)\n"]  # the caller says nothing
            return [b"200 result=0\n"]

        peer = Peer(env_block(agi_callerid="+12025550177"), [Step(None, answer)] * 60)
        call = asyncio.create_task(peer.call(server.agi))
        await asyncio.wait_for(playing.wait(), 60)
        server.proc.send_signal(signal.SIGTERM)
        await wait_for_line(server.log, "stopping: new calls and requests are refused")
        assert refused(server.agi) and refused(server.http)
        release.set()
        await asyncio.wait_for(call, 60)
        returncode = await asyncio.to_thread(server.proc.wait, 60)
    finally:
        server.kill()
    log = server.log.read_text()
    assert returncode == 0, log
    result = peer.received[-1]
    assert result.startswith(b"SET VARIABLE PB_RESULT "), peer.received
    assert result.split()[-1] not in (b"error", b"timeout", b"busy")  # it ran to its end
    assert peer.closed_by_server
    assert "1 call(s)" in log and "were cut" not in log and "Traceback" not in log
    # the worker exits before the server; multiprocessing's resource tracker right after it
    # (it sees its pipe close): give it a moment, then nothing may be left
    for _ in range(100):
        if not any(alive(pid) for pid in spawned):
            break
        await asyncio.sleep(0.1)
    assert [pid for pid in spawned if alive(pid)] == []


@pytest.mark.parametrize("busy", ["http", "agi"])
def test_a_busy_port_is_one_line_naming_the_setting(folder: Path, busy: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        http, agi = (port, free_port()) if busy == "http" else (free_port(), port)
        result = run(folder, "serve", "--port", str(http), agi_port=str(agi))
    setting = "PHONEBRIDGE_PORT" if busy == "http" else "PHONEBRIDGE_AGI_PORT"
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr and setting in result.stderr
    assert not (folder / "phonebridge.db").exists()  # nothing ran before the ports were checked


def test_a_fatal_self_check_stops_the_start_in_one_line_each(folder: Path) -> None:
    http, agi = free_port(), free_port()
    result = run(
        folder,
        "serve",
        "--port",
        str(http),
        agi_port=str(agi),
        database_url="postgresql+asyncpg://nobody:secret@127.0.0.1:1/nothing",
        speech_recordings_dir=str(folder / "missing"),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "secret" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if "self-check:" in line]
    assert len(problems) == 2, result.stderr
    assert "ERROR" in problems[0] and "cannot reach postgresql+asyncpg://nobody:***@" in problems[0]
    assert "PHONEBRIDGE_DATABASE_URL" in problems[0]
    assert "WARNING" in problems[1] and str(folder / "missing") in problems[1]
    assert result.stderr.splitlines()[-1].startswith("phonebridge: not starting")
    assert refused(http) and refused(agi)  # the ports were given back


def test_doctor_command_reports_each_check(folder: Path) -> None:
    fine = run(folder, "doctor", speech_recordings_dir=str(folder))
    assert fine.returncode == 0, fine.stdout + fine.stderr
    lines = fine.stdout.splitlines()
    assert lines[0].startswith("ok    database: no database at") and "serve creates it" in lines[0]
    if SPEECH:
        assert lines[1] == f"ok    speech: recordings folder {folder} writable"
    stale = run(folder, "doctor", auto_migrate="false")
    assert stale.returncode == 1
    assert stale.stdout.startswith("FAIL  database: no database at")
    assert "fix: run `phonebridge db upgrade`" in stale.stdout


def test_the_agi_command_alone_stops_clean_on_ctrl_c(folder: Path) -> None:
    """`phonebridge agi` (no HTTP): SIGINT right after it is ready."""
    agi = free_port()
    log = folder / "agi.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "phonebridge", "agi"],
            cwd=folder,
            env=clean_env(agi_port=str(agi)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(600):
            if "phonebridge is ready" in log.read_text() or proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "phonebridge stopped" in log.read_text()
    assert os.path.exists(folder / "phonebridge.db")
