"""Prometheus metrics of the telephony side: FastAGI sessions, the AMI connection, speech
decodes. The collectors live in a registry the composition root owns (the same one the HTTP
API exposes on /metrics), made only for the parts that run (no AMI gauge on a Twilio bridge);
nothing is registered process-wide, so two servers in one process never share counts. Without
a registry each set gets a private one (tests).

Every label takes values from a fixed set: a peer can name any AGI script and a handler could
return anything, and each new label value is a new time series kept forever."""

from __future__ import annotations

import time
from collections.abc import Collection

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bridge.contract import Result
from bridge.speech.grammar import Grammar
from bridge.speech.recognizer import Recognition, Recognizer

RESULTS = frozenset(r.value for r in Result)
DROP_REASONS = ("closed", "reset", "timeout", "garbage", "evicted", "not-allowed")


class AgiMetrics:
    def __init__(
        self, registry: CollectorRegistry | None = None, scripts: Collection[str] = ()
    ) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self._scripts = frozenset(scripts)
        self.in_progress = Gauge(
            "phonebridge_agi_sessions_in_progress",
            "FastAGI calls being served (their environment arrived).",
            registry=registry,
        )
        self.pending = Gauge(
            "phonebridge_agi_connections_pending",
            "FastAGI connections whose environment has not arrived yet.",
            registry=registry,
        )
        self.outcomes = Counter(
            "phonebridge_agi_sessions",
            "FastAGI calls ended, by script and PB_RESULT.",
            ["script", "result"],
            registry=registry,
        )
        self.dropped = Counter(
            "phonebridge_agi_connections_dropped",
            "FastAGI connections closed before a call started, by reason.",
            ["reason"],
            registry=registry,
        )
        for reason in DROP_REASONS:
            self.dropped.labels(reason)

    def ended(self, script: str, result: str) -> None:
        self.outcomes.labels(
            script if script in self._scripts else "other",
            result if result in RESULTS else "other",
        ).inc()


class AmiMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.connected = Gauge(
            "phonebridge_ami_connected", "1 while logged in to Asterisk's AMI.", registry=registry
        )
        self.reconnects = Counter(
            "phonebridge_ami_connections_lost",
            "AMI sessions that ended without our Logoff.",
            registry=registry,
        )
        self.events_queued = Gauge(
            "phonebridge_ami_events_queued",
            "AMI events waiting for their handlers (database writes).",
            registry=registry,
        )
        self.events_dropped = Counter(
            "phonebridge_ami_events_dropped",
            "AMI events dropped because their handlers fell too far behind.",
            registry=registry,
        )


class SpeechMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.decodes = Counter(
            "phonebridge_speech_decodes",
            "Spoken names decoded, by outcome (recognized, nothing, failed).",
            ["outcome"],
            registry=registry,
        )
        self.seconds = Histogram(
            "phonebridge_speech_decode_seconds",
            "Time to decode one utterance (queueing for a worker included).",
            buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0),
            registry=registry,
        )
        for outcome in ("recognized", "nothing", "failed"):
            self.decodes.labels(outcome)


class TimedRecognizer:
    """A Recognizer that counts and times every decode of the one it wraps."""

    def __init__(self, inner: Recognizer, metrics: SpeechMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        start = time.perf_counter()
        try:
            heard = await self._inner.recognize(sln8, grammar)
        except Exception:
            self._metrics.decodes.labels("failed").inc()
            raise
        finally:
            self._metrics.seconds.observe(time.perf_counter() - start)
        self._metrics.decodes.labels("recognized" if heard.alternatives else "nothing").inc()
        return heard

    def close(self) -> None:
        self._inner.close()
