"""The seed's scenario end to end over HTTP, on SQLite and PostgreSQL: three people, circles
family/clients, one sees the mobile, one the office number, an outsider gets not-found, a block
hides everything, a number change reaches the other side through `since`."""

from __future__ import annotations

from tests.api.conftest import Api, User


async def setup(api: Api) -> dict[str, User]:
    people = {
        "alice": await api.register("Alice Martin", "+12025550101"),
        "bob": await api.register("Bob Smith", "+12025550102"),
        "carol": await api.register("Carol Jones", "+12025550103"),
        "dave": await api.register("Dave Outsider", "+12025550104"),
        "mallory": await api.register("Mallory Black", "+12025550109"),
    }
    alice = people["alice"]
    family = await api.circle(alice, "family", people["bob"], people["mallory"])
    clients = await api.circle(alice, "clients", people["carol"])
    await api.entry(alice, "phone", "mobile", "+1 202 555 0111", **{family: "visible"})
    await api.entry(
        alice, "phone", "office", "(202) 555-0112", **{clients: "visible", family: "callable"}
    )
    await api.entry(alice, "email", "home", "alice@example.org", **{family: "visible"})
    await api.ok(alice, "PUT", f"/v1/me/blocks/{people['mallory'].phone}")
    return people


def entries_of(contact: dict[str, object]) -> dict[str, object]:
    return {e["label"]: e["value"] for e in contact["entries"]}  # type: ignore[attr-defined, index]


async def test_each_viewer_gets_exactly_what_was_granted(api: Api) -> None:
    p = await setup(api)
    bob = await api.ok(p["bob"], "GET", "/v1/lookup", params={"name": "alice"})
    (alice_for_bob,) = bob["matches"]
    assert alice_for_bob["name"] == "Alice Martin"
    assert entries_of(alice_for_bob) == {
        "mobile": "+12025550111",
        "office": None,  # callable for family: label shown, number never
        "home": "alice@example.org",
    }
    office = next(e for e in alice_for_bob["entries"] if e["label"] == "office")
    assert office["callable"] is True

    carol = await api.ok(p["carol"], "GET", "/v1/lookup", params={"name": "Alice Martin"})
    assert entries_of(carol["matches"][0]) == {"office": "+12025550112"}


async def test_outsider_and_blocked_get_the_same_not_found_as_nobody(api: Api) -> None:
    p = await setup(api)
    nobody = await api.call(p["bob"], "GET", "/v1/lookup", params={"name": "Xavier Nobody"})
    outsider = await api.call(p["dave"], "GET", "/v1/lookup", params={"name": "alice"})
    blocked = await api.call(p["mallory"], "GET", "/v1/lookup", params={"name": "alice"})
    assert nobody.status_code == outsider.status_code == blocked.status_code == 404
    assert nobody.content == outsider.content == blocked.content
    assert outsider.json()["error"]["code"] == "not_found"


async def test_a_block_hides_everything_in_the_phonebook(api: Api) -> None:
    p = await setup(api)
    book = await api.ok(p["mallory"], "GET", "/v1/me/phonebook")
    assert book["contacts"] == []
    preview = await api.call(
        p["alice"], "GET", "/v1/me/preview", params={"phone": p["mallory"].phone}
    )
    assert preview.status_code == 404


async def test_a_number_change_reaches_the_other_side_through_since(api: Api) -> None:
    p = await setup(api)
    first = await api.ok(p["bob"], "GET", "/v1/me/phonebook")
    assert first["full"] is True
    assert [c["name"] for c in first["contacts"]] == ["Alice Martin"]
    token = first["sync_token"]

    quiet = await api.ok(p["bob"], "GET", "/v1/me/phonebook", params={"since": token})
    assert quiet["contacts"] == [] and quiet["removed"] == []

    mobile = next(
        e for e in await api.ok(p["alice"], "GET", "/v1/me/entries") if e["label"] == "mobile"
    )
    await api.ok(
        p["alice"], "PATCH", f"/v1/me/entries/{mobile['id']}", json={"value": "+12025550177"}
    )
    changed = await api.ok(p["bob"], "GET", "/v1/me/phonebook", params={"since": token})
    assert changed["full"] is False
    (alice,) = changed["contacts"]
    assert entries_of(alice)["mobile"] == "+12025550177"

    # leaving the circle shows up as a removal, and only to someone who had seen Alice
    family = next(
        c for c in await api.ok(p["alice"], "GET", "/v1/me/circles") if c["name"] == "family"
    )
    await api.ok(p["alice"], "DELETE", f"/v1/me/circles/{family['id']}/members/{p['bob'].phone}")
    gone = await api.ok(
        p["bob"], "GET", "/v1/me/phonebook", params={"since": changed["sync_token"]}
    )
    assert gone["contacts"] == [] and gone["removed"] == [p["alice"].id]
    dave = await api.ok(p["dave"], "GET", "/v1/me/phonebook", params={"since": token})
    assert dave["removed"] == []


async def test_preview_shows_what_a_number_would_see(api: Api) -> None:
    p = await setup(api)
    carol_view = await api.ok(
        p["alice"], "GET", "/v1/me/preview", params={"phone": p["carol"].phone}
    )
    assert entries_of(carol_view) == {"office": "+12025550112"}
    stranger = await api.call(p["alice"], "GET", "/v1/me/preview", params={"phone": "+12025550188"})
    assert stranger.status_code == 404


async def test_the_owner_can_read_who_looked_them_up(api: Api) -> None:
    p = await setup(api)
    await api.ok(p["bob"], "GET", "/v1/lookup", params={"name": "alice"})
    await api.call(p["dave"], "GET", "/v1/lookup", params={"name": "alice"})  # not found: no record
    audit = await api.ok(p["alice"], "GET", "/v1/me/lookups")
    assert [(r["viewer_name"], r["via"]) for r in audit["lookups"]] == [("Bob Smith", "api")]
