"""One metrics registry per runtime: /metrics shows the bridge's collectors next to the
HTTP API's, and two runtimes in one process never share (or collide on) a collector."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry

from bridge.metrics import SpeechMetrics, TimedRecognizer
from bridge.speech.grammar import Grammar
from bridge.speech.recognizer import Recognition
from phonebridge.runtime import Runtime
from phonebridge.settings import Settings
from tests.test_cli import free_port


def runtime(url: str) -> Runtime:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        call_provider="asterisk",
        ami_secret="not-used",
        ami_port=free_port(),
    )
    return Runtime.build(settings)


async def test_metrics_show_the_bridge_beside_the_api(migrated_urls: dict[str, str]) -> None:
    first, second = runtime(migrated_urls["sqlite"]), runtime(migrated_urls["sqlite"])
    for rt in (first, second):  # no process-global registry: two runtimes are fine
        rt.listeners()  # FastAGI's collectors
        assert rt.click_to_call() is not None  # AMI's
    app = first.api()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/healthz")
        text = (await client.get("/metrics")).text
    for name in (
        "phonebridge_http_requests_total",
        "phonebridge_calls{",
        "phonebridge_agi_sessions_in_progress 0.0",
        'phonebridge_agi_connections_dropped_total{reason="reset"} 0.0',
        "phonebridge_ami_connected 0.0",
        "phonebridge_ami_events_queued 0.0",
    ):
        assert name in text, name
    for rt in (first, second):
        await rt.close()


class Scripted:
    def __init__(self, *answers: Recognition | Exception) -> None:
        self.answers = list(answers)
        self.closed = False

    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True


async def test_speech_decodes_are_counted_and_timed() -> None:
    registry = CollectorRegistry()
    metrics = SpeechMetrics(registry)
    inner = Scripted(Recognition(("bob smith",), 0.9), Recognition(), RuntimeError("worker died"))
    timed = TimedRecognizer(inner, metrics)
    grammar = Grammar(("bob smith",))
    assert (await timed.recognize(b"\0\0", grammar)).best == "bob smith"
    assert (await timed.recognize(b"\0\0", grammar)).best == ""
    with pytest.raises(RuntimeError):
        await timed.recognize(b"\0\0", grammar)
    timed.close()
    assert inner.closed
    counts = {
        o: metrics.decodes.labels(o)._value.get() for o in ("recognized", "nothing", "failed")
    }
    assert counts == {"recognized": 1, "nothing": 1, "failed": 1}
    assert metrics.seconds._sum.get() > 0  # three decodes observed
