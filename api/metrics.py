"""Prometheus metrics in a registry of the app's own (no process-global state)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response

access_log = logging.getLogger("phonebridge.http")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "phonebridge_http_requests",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "phonebridge_http_request_seconds",
            "HTTP request latency by route template.",
            ["route"],
            registry=self.registry,
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")  # templates, never raw ids or numbers
        self.requests.labels(request.method, template, str(response.status_code)).inc()
        elapsed = time.perf_counter() - start
        self.latency.labels(template).observe(elapsed)
        # the access log names the route template: raw paths and queries can hold phone numbers
        access_log.info(
            "%s %s %d %.1fms", request.method, template, response.status_code, elapsed * 1e3
        )
        return response
