"""The v1 contract's edges: errors with stable codes, nothing half-written, anti-harvesting."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from tests.api.conftest import Api


def code(r: httpx.Response) -> str:
    value: str = r.json()["error"]["code"]
    return value


async def test_register_and_sign_in(api: Api) -> None:
    r = await api.http.post(
        "/v1/accounts",
        json={"name": "Zoë Müller", "phone": "202 555 0101", "password": "s3cret-pass"},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["phone"] == "+12025550101" and body["name"] == "Zoë Müller"
    assert set(body) == {"id", "name", "phone", "phone_verified", "token"}
    token = await api.http.post(
        "/v1/auth/token", data={"username": "+12025550101", "password": "s3cret-pass"}
    )
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"
    me = await api.http.get(
        "/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["name"] == "Zoë Müller"


async def test_wrong_password_and_unknown_number_answer_alike(api: Api) -> None:
    await api.register("Alice", "+12025550101", "right-password")
    wrong = await api.http.post(
        "/v1/auth/token", data={"username": "+12025550101", "password": "nope-nope"}
    )
    unknown = await api.http.post(
        "/v1/auth/token", data={"username": "+12025550199", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"name": "A", "phone": "12", "password": "long-enough"}, 422, "invalid_phone"),
        ({"name": "A", "phone": "+12025550101", "password": "short"}, 422, "invalid_input"),
        ({"name": "", "phone": "+12025550101", "password": "long-enough"}, 422, "invalid_input"),
        ({"name": "A", "phone": "+12025550101"}, 422, "invalid_request"),
        (
            {"name": "A", "phone": "+12025550101", "password": "long-enough", "admin": True},
            422,
            "invalid_request",
        ),
    ],
)
async def test_bad_registrations_are_refused_with_a_code(
    api: Api, body: dict[str, object], status: int, error: str
) -> None:
    r = await api.http.post("/v1/accounts", json=body)
    assert (r.status_code, code(r)) == (status, error)


async def test_duplicate_registration_conflicts_and_writes_nothing(api: Api) -> None:
    await api.register("Alice", "+12025550101")
    r = await api.http.post(
        "/v1/accounts",
        json={"name": "Imposter", "phone": "+1 (202) 555-0101", "password": "long-enough"},
    )
    assert (r.status_code, code(r)) == (409, "phone_taken")


async def test_no_token_bad_token(api: Api) -> None:
    assert (await api.http.get("/v1/me")).status_code == 401
    bad = await api.http.get("/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert (bad.status_code, code(bad)) == (401, "unauthenticated")


async def test_entry_errors_leave_the_card_untouched(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    before = await api.ok(alice, "GET", "/v1/me/entries")
    cases = [
        ({"kind": "phone", "label": "mobile", "value": "not a number"}, "invalid_phone"),
        ({"kind": "fax", "label": "x", "value": "1"}, "invalid_request"),
        ({"kind": "email", "label": "home", "value": "no-at-sign"}, "invalid_input"),
        (
            {
                "kind": "email",
                "label": "home",
                "value": "a@b.org",
                "grants": {"public": "callable"},
            },
            "invalid_input",
        ),
        (
            {
                "kind": "phone",
                "label": "m",
                "value": "+12025550111",
                "grants": {"no-such-circle": "visible"},
            },
            "circle_not_found",
        ),
        (
            {
                "kind": "phone",
                "label": "m",
                "value": "+12025550111",
                "grants": {"public": "everything"},
            },
            "invalid_request",
        ),
    ]
    for body, error in cases:
        r = await api.call(alice, "POST", "/v1/me/entries", json=body)
        assert code(r) == error, body
        assert r.status_code in (404, 422)
    assert await api.ok(alice, "GET", "/v1/me/entries") == before


async def test_cannot_touch_someone_elses_entry_or_circle(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    bob = await api.register("Bob", "+12025550102")
    entry = await api.entry(alice, "phone", "mobile", "+12025550111")
    circle = await api.circle(alice, "family")
    r1 = await api.call(bob, "PATCH", f"/v1/me/entries/{entry}", json={"value": "+12025550999"})
    r2 = await api.call(
        bob, "PUT", f"/v1/me/entries/{entry}/grants/public", json={"level": "visible"}
    )
    r3 = await api.call(bob, "PUT", f"/v1/me/circles/{circle}/members/+12025550102")
    assert [code(r) for r in (r1, r2, r3)] == [
        "entry_not_found",
        "entry_not_found",
        "circle_not_found",
    ]
    (mine,) = await api.ok(alice, "GET", "/v1/me/entries")
    assert mine["value"] == "+12025550111" and mine["grants"] == {}


async def test_grant_levels_roundtrip_and_hidden_removes(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    family = await api.circle(alice, "family")
    entry = await api.entry(alice, "phone", "mobile", "+12025550111")
    out = await api.ok(
        alice, "PUT", f"/v1/me/entries/{entry}/grants/{family}", json={"level": "callable"}
    )
    assert out["grants"] == {family: "callable"}
    out = await api.ok(
        alice, "PUT", f"/v1/me/entries/{entry}/grants/{family}", json={"level": "hidden"}
    )
    assert out["grants"] == {}
    dup = await api.call(alice, "POST", "/v1/me/circles", json={"name": "family"})
    assert (dup.status_code, code(dup)) == (409, "circle_exists")


async def test_deleting_a_circle_takes_its_grants(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    bob = await api.register("Bob", "+12025550102")
    family = await api.circle(alice, "family", bob)
    await api.entry(alice, "phone", "mobile", "+12025550111", **{family: "visible"})
    assert (await api.call(bob, "GET", "/v1/lookup", params={"name": "alice"})).status_code == 200
    await api.ok(alice, "DELETE", f"/v1/me/circles/{family}")
    (entry,) = await api.ok(alice, "GET", "/v1/me/entries")
    assert entry["grants"] == {}
    assert (await api.call(bob, "GET", "/v1/lookup", params={"name": "alice"})).status_code == 404


async def test_oversized_body_is_refused(api: Api) -> None:
    r = await api.http.post(
        "/v1/accounts",
        content=b"{" + b" " * 20_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert (r.status_code, code(r)) == (413, "too_large")


async def test_lookup_query_rules(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    short = await api.call(alice, "GET", "/v1/lookup", params={"name": "a"})
    letters = await api.call(alice, "GET", "/v1/lookup", params={"keys": "12a"})
    few = await api.call(alice, "GET", "/v1/lookup", params={"keys": "25"})
    neither = await api.call(alice, "GET", "/v1/lookup")
    both = await api.call(alice, "GET", "/v1/lookup", params={"name": "bob", "keys": "262"})
    for r in (short, letters, few, neither, both):
        assert (r.status_code, code(r)) == (422, "invalid_query")


async def test_pending_member_becomes_real_only_once_verified(
    engine: AsyncEngine, api_config: ApiConfig
) -> None:
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False, lookups_per_minute=100))
    transport = httpx.ASGITransport(app=create_app(pb, engine, api_config))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client)
        alice = await api.register("Alice Martin", "+12025550101")
        family = await api.circle(alice, "family", "+12025550102")
        await api.entry(alice, "phone", "mobile", "+12025550111", **{family: "visible"})
        (circle,) = await api.ok(alice, "GET", "/v1/me/circles")
        assert circle["members"] == [{"phone": "+12025550102", "pending": True}]

        # someone registers the number but has not verified it: they must not see Alice
        claimant = await api.register("Bob Smith", "+12025550102")
        assert (
            await api.call(claimant, "GET", "/v1/lookup", params={"name": "alice"})
        ).status_code == 404
        book = await api.ok(claimant, "GET", "/v1/me/phonebook")
        assert book["contacts"] == []

        await pb.accounts.verify_phone("+12025550102")
        (circle,) = await api.ok(alice, "GET", "/v1/me/circles")
        assert circle["members"] == [{"phone": "+12025550102", "pending": False}]
        synced = await api.ok(
            claimant, "GET", "/v1/me/phonebook", params={"since": book["sync_token"]}
        )
        assert synced["full"] is True
        assert [c["name"] for c in synced["contacts"]] == ["Alice Martin"]


async def test_lookups_are_rate_limited_per_account(
    engine: AsyncEngine, api_config: ApiConfig
) -> None:
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True, lookups_per_minute=3))
    transport = httpx.ASGITransport(app=create_app(pb, engine, api_config))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client)
        harvester = await api.register("Harvester", "+12025550101")
        other = await api.register("Other", "+12025550102")
        statuses = [
            (
                await api.call(harvester, "GET", "/v1/lookup", params={"name": f"name{i}"})
            ).status_code
            for i in range(4)
        ]
        assert statuses == [404, 404, 404, 429]
        limited = await api.call(harvester, "GET", "/v1/lookup", params={"name": "anyone"})
        assert code(limited) == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        # one account's limit is not another's
        assert (
            await api.call(other, "GET", "/v1/lookup", params={"name": "anyone"})
        ).status_code == 404


async def test_health_and_metrics(api: Api) -> None:
    health = await api.http.get("/healthz")
    assert health.json() == {"status": "ok", "database": "up"}
    await api.http.get("/v1/me")
    metrics = (await api.http.get("/metrics")).text
    assert (
        'phonebridge_http_requests_total{method="GET",route="/v1/me",status="401"} 1.0' in metrics
    )


async def test_openapi_documents_v1(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    for path in (
        "/v1/accounts",
        "/v1/lookup",
        "/v1/me/phonebook",
        "/v1/me/entries/{entry_id}/grants/{audience}",
    ):
        assert path in spec["paths"]


async def test_no_phone_number_reaches_info_logs(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    alice = await api.register("Alice", "+12025550101")
    circle = await api.circle(alice, "family", "+12025550102")
    await api.ok(alice, "PUT", "/v1/me/blocks/+12025550109")
    await api.call(alice, "GET", "/v1/me/preview", params={"phone": "+12025550102"})
    await api.entry(alice, "phone", "mobile", "+12025550111", **{circle: "visible"})
    # every record of the server side; httpx's lines are the test client's own
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    assert "PUT /v1/me/blocks/{phone} 204" in server_log  # the access log is there, as templates
    for number in ("2025550101", "2025550102", "2025550109", "2025550111"):
        assert number not in server_log
