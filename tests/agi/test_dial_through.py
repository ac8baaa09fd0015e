"""Dial-through codes over the FastAGI access number: the viewer's code connects to the hidden
number after the grant is checked again; anybody else typing it hears exactly what an absent
name gets; a revoked code or grant is "not found" too."""

from __future__ import annotations

from phonebook.app import Phonebook
from tests.agi.test_access_number import FastAgiServer, call, people
from tests.agi.test_access_number import server as server  # the fixture, shared

OTHER = "+12025550103"  # John Smith: registered, attested, shares nothing with Alice


async def test_the_code_connects_its_viewer_and_nobody_else(
    server: FastAgiServer, pb: Phonebook
) -> None:
    ids = await people(pb)
    target = (ids["alice"], ids["mobile"])
    code = (await pb.dial_codes.codes_for(ids["caller"], [target]))[target]
    assert code.startswith("00") and len(code) == 14

    phone = await call(server, code, "")  # typed after the access number answers, then #
    assert phone.variables["PB_RESULT"] == "dial"
    assert phone.variables["PB_DIAL_NUMBER"] == "12025550111"
    assert phone.variables["PB_CALLEE_NAME"] == "Alice Martin"
    assert not any("2025550111" in p for p in phone.played)

    stolen = await call(server, code, code, code, caller=OTHER)
    absent = await call(server, "99999", "99999", "99999", caller=OTHER)
    made_up = await call(server, *["00" + "1" * 12] * 3, caller=OTHER)
    assert stolen.variables == absent.variables == made_up.variables == {"PB_RESULT": "not-found"}
    assert stolen.played == absent.played == made_up.played

    # the grant is checked when the code is used: gone, and the code is "not found"
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
    phone = await call(server, code, code, code)
    assert phone.variables == {"PB_RESULT": "not-found"}
    assert phone.played == absent.played

    # granted again, then every code of the viewer revoked
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "callable")
    assert (await call(server, code, "")).variables["PB_RESULT"] == "dial"
    await pb.dial_codes.revoke_all(ids["caller"])
    assert (await call(server, code, code, code)).variables == {"PB_RESULT": "not-found"}
