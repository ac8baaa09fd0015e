from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return Response(
            '{"status":"unavailable","database":"down"}', 503, media_type="application/json"
        )
    return Response('{"status":"ok","database":"up"}', media_type="application/json")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    collected = request.app.state.metrics
    with contextlib.suppress(Exception):  # the database down: the rest still reports
        await collected.refresh(request.app.state.phonebook)
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
