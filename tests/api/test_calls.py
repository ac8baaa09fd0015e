"""POST /v1/calls and the call log over HTTP, with a recording originator standing in for
the provider (the AMI and Twilio originators have their own tests on real sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from bridge.originator import ClickToCall, OriginateOutcomeUnknown
from phonebook.app import Phonebook
from phonebook.calls import Call
from tests.api.conftest import Api, User


@dataclass
class RecordingOriginator:
    provider: str = "test"
    available: bool = True
    fail_with: Exception | None = None
    rung: list[tuple[str, str]] = field(default_factory=list)

    async def originate(self, call: Call, ring: str) -> str | None:
        self.rung.append((call.id, ring))
        if self.fail_with:
            raise self.fail_with
        return f"ref-{len(self.rung)}"


@pytest.fixture
def originator() -> RecordingOriginator:
    return RecordingOriginator()


@pytest.fixture
async def api(
    pb: Phonebook, engine: AsyncEngine, api_config: ApiConfig, originator: RecordingOriginator
) -> AsyncIterator[Api]:
    app = create_app(pb, engine, api_config, ClickToCall(pb.calls, originator))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield Api(c)


async def people(api: Api) -> tuple[User, User, str]:
    caller = await api.register("Carl Caller", "+12025550100")
    alice = await api.register("Alice Martin", "+12025550101")
    family = await api.circle(alice, "family", caller)
    await api.entry(alice, "phone", "mobile", "+12025550111", **{family: "callable"})
    hidden = await api.entry(alice, "phone", "home", "+12025550113")
    return caller, alice, hidden


async def test_click_to_call_rings_the_caller_and_logs_without_numbers(
    api: Api, originator: RecordingOriginator
) -> None:
    caller, alice, _ = await people(api)
    r = await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})
    assert r.status_code == 202, r.text
    call = r.json()
    assert call["status"] == "queued" and call["callee_name"] == "Alice Martin"
    assert call["label"] == "mobile"
    assert originator.rung == [(call["id"], "+12025550100")]  # the caller's own phone first
    assert (await api.ok(caller, "GET", f"/v1/calls/{call['id']}"))["id"] == call["id"]
    log = await api.ok(caller, "GET", "/v1/me/calls")
    assert [c["id"] for c in log["calls"]] == [call["id"]]
    assert "2025550111" not in str(log)  # the callee's number never appears
    other = await api.call(alice, "GET", f"/v1/calls/{call['id']}")
    assert other.status_code == 404


async def test_you_cannot_call_what_was_not_granted(
    api: Api, originator: RecordingOriginator
) -> None:
    caller, alice, hidden = await people(api)
    for body in ({"to": alice.id, "entry": hidden}, {"to": "0" * 32}, {"to": caller.id}):
        r = await api.call(caller, "POST", "/v1/calls", json=body)
        assert r.status_code == 404, body
    stranger = await api.register("Stan Stranger", "+12025550102")
    r = await api.call(stranger, "POST", "/v1/calls", json={"to": alice.id})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert originator.rung == []


async def test_provider_down_is_a_fast_503_and_nothing_is_recorded(
    api: Api, originator: RecordingOriginator
) -> None:
    caller, alice, _ = await people(api)
    originator.available = False
    r = await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "telephony_unavailable")
    assert r.headers["Retry-After"]
    assert originator.rung == [] and (await api.ok(caller, "GET", "/v1/me/calls"))["calls"] == []


async def test_unknown_outcome_is_never_retried(api: Api, originator: RecordingOriginator) -> None:
    caller, alice, _ = await people(api)
    originator.fail_with = OriginateOutcomeUnknown("connection dropped after the Originate")
    r = await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})
    assert r.status_code == 503
    assert len(originator.rung) == 1
    (logged,) = (await api.ok(caller, "GET", "/v1/me/calls"))["calls"]
    assert (logged["status"], logged["reason"]) == ("failed", "outcome unknown")


async def test_one_call_at_a_time_per_caller(api: Api, originator: RecordingOriginator) -> None:
    caller, alice, _ = await people(api)
    assert (await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})).status_code == 202
    second = await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})
    assert (second.status_code, second.json()["error"]["code"]) == (429, "rate_limited")
    assert len(originator.rung) == 1


async def test_no_provider_configured(
    pb: Phonebook, engine: AsyncEngine, api_config: ApiConfig
) -> None:
    app = create_app(pb, engine, api_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        api = Api(c)
        caller, alice, _ = await people(api)
        r = await api.call(caller, "POST", "/v1/calls", json={"to": alice.id})
        assert (r.status_code, r.json()["error"]["code"]) == (503, "telephony_unavailable")
