"""Prometheus metrics of the HTTP API, in a registry the composition root owns (shared with the
bridge's collectors, so /metrics shows both; no process-global state), and the access log.

Label values come from fixed sets only: a client can send any method and any path, and every
new label value is a time series kept forever (made-up methods once grew /metrics 40-fold)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response

from api import errors
from phonebook.app import Phonebook

access_log = logging.getLogger("phonebridge.http")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


def labels(request: Request) -> tuple[str, str]:
    """(method, route template) with bounded values: raw paths can hold ids and numbers."""
    method = request.method if request.method in METHODS else "other"
    route = getattr(request.scope.get("route"), "path", None)
    return method, route if isinstance(route, str) else UNMATCHED


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.requests = Counter(
            "phonebridge_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "phonebridge_http_request_seconds",
            "HTTP request latency by route template.",
            ["route"],
            registry=self.registry,
        )
        self.calls = Gauge(
            "phonebridge_calls",
            "Calls in the call log by status (all processes: read from the database).",
            ["status"],
            registry=self.registry,
        )

    async def refresh(self, phonebook: Phonebook) -> None:
        """Read what only the database knows, just before a scrape."""
        for status, count in (await phonebook.calls.count_by_status()).items():
            self.calls.labels(status.value).set(count)

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as exc:  # counted and logged like any answer, in the error format
            response = errors.internal_error(exc, "{} {}".format(*labels(request)))
        method, route = labels(request)
        self.requests.labels(method, route, str(response.status_code)).inc()
        elapsed = time.perf_counter() - start
        self.latency.labels(route).observe(elapsed)
        # the access log names the route template: raw paths and queries can hold phone numbers
        access_log.info("%s %s %d %.1fms", method, route, response.status_code, elapsed * 1e3)
        return response
