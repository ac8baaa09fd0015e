"""The shipped nginx configuration (deploy/nginx/) in front of two real
`phonebridge serve` processes on one PostgreSQL: requests are spread over both, a token issued
by one is good on the other, a bridge that dies is routed around, and oversized bodies stop at
nginx. nginx comes from Debian (scripts/install-system-deps)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL
from tests.test_cli import clean_env, free_port, wait_healthy

NGINX = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
SECRET = "topology-test-secret-" + "x" * 32

pytestmark = pytest.mark.postgres


@dataclass
class Bridge:
    port: int
    proc: subprocess.Popen[str]
    log: Path

    def served(self, route: str) -> int:
        """How many requests for ``route`` this process's access log shows."""
        return sum(1 for line in self.log.read_text().splitlines() if f" {route} " in line)


def render(listen: int, upstreams: list[int]) -> str:
    """The shipped configs (upstream.conf + phonebridge.conf) with this test's ports."""
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;\n" for p in upstreams
    )
    upstream = re.sub(
        r"(    server 127\.0\.0\.1:\d+[^\n]*\n)+", servers, (NGINX / "upstream.conf").read_text()
    )
    server = (NGINX / "phonebridge.conf").read_text()
    return upstream + server.replace("listen 8080;", f"listen 127.0.0.1:{listen};")


def start_bridge(folder: Path, port: int) -> Bridge:
    log = folder / f"bridge-{port}.log"
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "phonebridge", "serve", "--port", str(port)],
            cwd=folder,
            env=clean_env(
                database_url=PG_URL, secret_key=SECRET, agi_port="0", auto_migrate="false"
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    wait_healthy(f"http://127.0.0.1:{port}")
    return Bridge(port, proc, log)


@pytest.fixture(scope="module")
def topology(
    tmp_path_factory: pytest.TempPathFactory, migrated_urls: dict[str, str]
) -> Iterator[tuple[str, list[Bridge]]]:
    tmp_path = tmp_path_factory.mktemp("topology")
    if "postgres" not in migrated_urls:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: scripts/install-system-deps installs it"
    bridges = [start_bridge(tmp_path, free_port()) for _ in range(2)]
    listen = free_port()
    (tmp_path / "phonebridge.conf").write_text(render(listen, [b.port for b in bridges]))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers write body buffers to tmp
    (tmp_path / "nginx.conf").write_text(
        f"{user}worker_processes 1;\n"
        f"pid {tmp_path}/nginx.pid;\n"
        "error_log stderr warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/phonebridge.conf;\n"
        "}\n"
    )
    args = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen([*args, "-g", "daemon off;"])
    base = f"http://127.0.0.1:{listen}"
    try:
        wait_healthy(base)
        yield base, bridges
    finally:
        proxy.terminate()
        for b in bridges:
            b.proc.terminate()
        for p in [proxy, *(b.proc for b in bridges)]:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def test_requests_are_spread_over_both_bridges(topology: tuple[str, list[Bridge]]) -> None:
    base, bridges = topology
    with httpx.Client(base_url=base) as client:
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
    time.sleep(0.2)  # the access log line is written after the response
    counts = [b.served("/healthz") for b in bridges]
    assert all(c >= 5 for c in counts), counts  # round robin: about 10 each, never all on one


def test_a_session_from_one_bridge_works_on_the_other(
    topology: tuple[str, list[Bridge]],
) -> None:
    base, bridges = topology
    body = {"name": "Nora Nginx", "phone": "+12025550177", "password": "a long password"}
    created = httpx.post(f"{base}/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    auth = {"Authorization": f"Bearer {created.json()['token']}"}
    for bridge in bridges:  # each process directly: shared database, shared signing key
        me = httpx.get(f"http://127.0.0.1:{bridge.port}/v1/me", headers=auth)
        assert me.status_code == 200 and me.json()["name"] == "Nora Nginx"


def test_a_bridge_that_dies_is_routed_around(topology: tuple[str, list[Bridge]]) -> None:
    base, bridges = topology
    dead = bridges[0]
    dead.proc.kill()
    dead.proc.wait(10)
    try:
        with httpx.Client(base_url=base) as client:
            statuses = [client.get("/healthz").status_code for _ in range(10)]
        assert statuses == [200] * 10
    finally:  # the next test gets both bridges again, on the same port
        bridges[0] = start_bridge(dead.log.parent, dead.port)


def test_nginx_refuses_oversized_bodies_before_any_bridge(
    topology: tuple[str, list[Bridge]],
) -> None:
    base, bridges = topology
    before = sum(b.served("/v1/accounts") for b in bridges)

    def chunks() -> Iterator[bytes]:
        for _ in range(1024):  # 1 MiB, streamed without a Content-Length
            yield b"x" * 1024

    r = httpx.post(f"{base}/v1/accounts", content=chunks())
    assert r.status_code == 413
    time.sleep(0.2)
    assert sum(b.served("/v1/accounts") for b in bridges) == before
