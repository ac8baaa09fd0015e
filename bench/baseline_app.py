"""Baseline (b) for /v1/lookup: the phonebridge app itself (same middleware, same bearer-token
authentication, which already reads the account by primary key) plus a route doing one more
indexed primary-key SELECT and answering a lookup-shaped body. Served by uvicorn configured as
`phonebridge serve` configures it, so /v1/lookup on the same process compares like for like.

    python -m bench.baseline_app PORT_FILE      (settings from PHONEBRIDGE_* as for serve)
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import select

from api.auth import Me, PhonebookDep
from bench.bare_app import BODY
from phonebook.store.tables import AccountRow
from phonebridge.runtime import Runtime
from phonebridge.settings import Settings


def build() -> uvicorn.Server:
    runtime = Runtime.build(Settings())
    app = runtime.api()
    engine = runtime.engine

    @app.get("/bench/pk")
    async def pk(me: Me, pb: PhonebookDep) -> dict[str, object]:
        async with engine.connect() as conn:  # one indexed primary-key SELECT
            name = await conn.scalar(select(AccountRow.name).where(AccountRow.id == me))
        return {**BODY, "name": name}

    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)


def main() -> None:
    server = build()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    Path(sys.argv[1]).write_text(str(sock.getsockname()[1]))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
