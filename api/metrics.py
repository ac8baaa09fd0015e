"""Prometheus metrics of the HTTP API, in a registry the composition root owns (shared with the
bridge's collectors, so /metrics shows both; no process-global state), and the access log.

Label values come from fixed sets only: a client can send any method and any path, and every
new label value is a time series kept forever (made-up methods once grew /metrics 40-fold)."""

from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from phonebook.app import Phonebook

access_log = logging.getLogger("phonebridge.http")

METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "REPORT"}
)
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


class MetricsMiddleware:
    """Counts, times and logs every HTTP request. Pure ASGI (not BaseHTTPMiddleware, which
    copies streamed bodies through a queue and holds every open event stream twice): the
    status is read from ``http.response.start``, the time taken when the last body part is
    sent, so an event stream is counted once, when it ends."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        request = Request(scope)
        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # counted and logged like any answer, in the error format
            if status:  # the answer had begun: nothing more can be sent
                self._record(request, 500, start)
                raise
            response = errors.internal_error(exc, "{} {}".format(*labels(request)))
            await response(scope, receive, send)
            status = response.status_code
        if status:
            self._record(request, status, start)

    def _record(self, request: Request, status: int, start: float) -> None:
        method, route = labels(request)
        self.metrics.requests.labels(method, route, str(status)).inc()
        elapsed = time.perf_counter() - start
        self.metrics.latency.labels(route).observe(elapsed)
        # the access log names the route template: raw paths and queries can hold phone numbers
        access_log.info("%s %s %d %.1fms", method, route, status, elapsed * 1e3)
