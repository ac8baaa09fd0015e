"""One's own card as a vCard: exported, imported all or nothing, refused with the line."""

from __future__ import annotations

import vobject

from tests.api.conftest import Api

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Lee\r\nN:Lee;Dana;;;\r\n"
    "NICKNAME:Dee,DL\r\n"
    "TEL;TYPE=CELL,VOICE:+1 202 555 0161\r\n"
    "TEL;TYPE=WORK:(202) 555-0162\r\n"
    "EMAIL;TYPE=INTERNET,HOME:dana@example.org\r\n"
    "ADR;TYPE=HOME:;;1 Main St\\, Apt 2;Springfield;IL;62701;USA\r\n"
    "END:VCARD\r\n"
)


async def test_import_then_export_round_trips_and_keeps_grants(api: Api) -> None:
    dana = await api.register("Dana", "+12025550160")
    viewer = await api.register("Viewer", "+12025550170")
    family = await api.circle(dana, "family", viewer)
    r = await api.call(dana, "PUT", "/v1/me/card.vcf", content=VCARD.encode())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/vcard")
    me = await api.ok(dana, "GET", "/v1/me")
    assert me["name"] == "Dana Lee" and me["aliases"] == ["Dee", "DL"]
    entries = await api.ok(dana, "GET", "/v1/me/entries")
    assert [(e["kind"], e["label"], e["value"]) for e in entries] == [
        ("phone", "mobile", "+12025550161"),
        ("phone", "work", "+12025550162"),
        ("email", "home", "dana@example.org"),
        ("address", "home", "1 Main St, Apt 2, Springfield, IL, 62701, USA"),
    ]
    mobile = entries[0]["id"]
    await api.ok(dana, "PUT", f"/v1/me/entries/{mobile}/grants/{family}", json={"level": "visible"})

    exported = (await api.call(dana, "GET", "/v1/me/card.vcf")).text
    card = vobject.readOne(exported)
    assert card.fn.value == "Dana Lee"
    assert sorted(t.value for t in card.contents["tel"]) == [
        "tel:+12025550161",
        "tel:+12025550162",
    ]

    # importing the export again keeps ids and grants; a line dropped drops its entry
    again = "\r\n".join(line for line in exported.split("\r\n") if "+12025550162" not in line)
    r = await api.call(dana, "PUT", "/v1/me/card.vcf", content=again.encode())
    assert r.status_code == 200, r.text
    after = await api.ok(dana, "GET", "/v1/me/entries")
    assert [e["id"] for e in after if e["kind"] == "phone"] == [mobile]
    seen = await api.ok(viewer, "GET", "/v1/me/phonebook")
    assert seen["contacts"][0]["entries"][0]["value"] == "+12025550161"


async def test_a_bad_vcard_names_its_line_and_changes_nothing(api: Api) -> None:
    dana = await api.register("Dana", "+12025550160")
    await api.call(dana, "PUT", "/v1/me/card.vcf", content=VCARD.encode())
    before = (await api.call(dana, "GET", "/v1/me/card.vcf")).text
    bad = VCARD.replace("EMAIL;TYPE=INTERNET,HOME:dana@example.org", "EMAIL:not an address")
    r = await api.call(dana, "PUT", "/v1/me/card.vcf", content=bad.encode())
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_vcard"
    assert "line 8" in r.json()["error"]["message"]  # the EMAIL line
    for junk in (
        b"hello",
        b"BEGIN:VCARD\r\nFN:x\r\n",
        b"\xff\xfe",
        b"BEGIN:VCARD\r\n:\r\nEND:VCARD",
    ):
        r = await api.call(dana, "PUT", "/v1/me/card.vcf", content=junk)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_vcard", junk
    assert (await api.call(dana, "GET", "/v1/me/card.vcf")).text == before
