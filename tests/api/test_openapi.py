"""The OpenAPI document tells the truth, the README agrees with it, schema-forbidden values are
refused, and the docs pages work without a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.conftest import Api

README = (Path(__file__).parents[2] / "README.md").read_text()


async def test_every_error_answer_is_documented_in_the_one_format(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"413", "431"} <= set(responses), (method, path)
            if operation.get("security"):
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400 and path != "/healthz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    lookup = spec["paths"]["/v1/lookup"]["get"]["responses"]
    assert {"401", "404", "422", "429"} <= set(lookup)
    assert "Retry-After" in lookup["429"]["headers"]
    calls = spec["paths"]["/v1/calls"]["post"]["responses"]
    assert {"403", "429", "503"} <= set(calls)
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]


async def test_the_readme_lists_every_documented_error_code(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    documented = {
        code
        for operations in spec["paths"].values()
        for operation in operations.values()
        for response in operation["responses"].values()
        for code in re.findall(r"`([a-z_]+)`", response.get("description", ""))
    }
    assert {"unauthenticated", "too_large", "not_found", "rate_limited"} <= documented
    assert sorted(c for c in documented if f"`{c}`" not in README) == []


@pytest.mark.parametrize(
    "body",
    [
        {"position": False},
        {"position": "1"},
        {"position": 1.0},
        {"position": 50},
        {"label": 7},
        {"value": ["+12025550111"]},
    ],
)
async def test_values_the_schema_forbids_are_refused(api: Api, body: dict[str, object]) -> None:
    alice = await api.register("Alice", "+12025550101")
    entry = await api.entry(alice, "phone", "mobile", "+12025550111")
    r = await api.call(alice, "PATCH", f"/v1/me/entries/{entry}", json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
    (stored,) = await api.ok(alice, "GET", "/v1/me/entries")
    assert (stored["position"], stored["label"]) == (0, "mobile")


async def test_a_wrong_method_names_every_method_of_the_path(api: Api) -> None:
    r = await api.http.request("OPTIONS", "/v1/me/entries")
    assert (r.status_code, r.json()["error"]["code"]) == (405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, POST"


async def test_an_unparsable_body_is_invalid_request(api: Api) -> None:
    alice = await api.register("Alice", "+12025550101")
    headers = {**alice.headers, "content-type": "application/json"}
    r = await api.http.post("/v1/me/circles", content=b"\xff", headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")


async def test_the_docs_pages_load_their_assets_from_this_server(api: Api) -> None:
    for page in ("/docs", "/redoc"):
        html = (await api.http.get(page)).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert urls and all(u.startswith("/") for u in urls), urls  # nothing from a CDN
        assert "fonts.googleapis" not in html and "cdn." not in html
        for url in urls:
            asset = await api.http.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
