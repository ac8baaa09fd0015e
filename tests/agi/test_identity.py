"""Identity on the Asterisk access number, end to end: HTTP API + FastAGI on real sockets +
the real store. The squat of issue 10 no longer works, and a spoofed caller ID gets what each
trust setting promises (bridge/identity.py, README "Security")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from bridge.access import AccessNumber
from bridge.agi.server import FastAgiServer
from bridge.identity import CallerIdTrust
from bridge.prompts import NameVoice
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from tests.agi.peer import Peer, Step, env_block
from tests.agi.test_access_number import Phone

HOLDER = "+12025550102"
ATTESTED = {"agi_arg_1": "success", "agi_arg_2": "A"}
PIN = "482916"


@pytest.fixture
def pb(engine: AsyncEngine) -> Phonebook:
    """Production rules: registering proves nothing."""
    limits = CallLimits(per_minute=100, concurrent_per_caller=100)
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False), limits)


@pytest.fixture
async def http(pb: Phonebook, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(pb, engine, ApiConfig(secret_key="s" * 40))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client


@pytest.fixture
async def servers(pb: Phonebook) -> AsyncIterator[dict[CallerIdTrust, FastAgiServer]]:
    started = {}
    for trust in CallerIdTrust:
        server = FastAgiServer(
            {"access": AccessNumber(pb, NameVoice(None), trust=trust)}, host="127.0.0.1", port=0
        )
        await server.start()
        started[trust] = server
    yield started
    for server in started.values():
        await server.stop(drain_s=1)


async def call(server: FastAgiServer, *keys: str, caller: str = HOLDER, **env: str) -> Phone:
    phone = Phone(list(keys))
    peer = Peer(env_block(agi_callerid=caller, **env), [Step(None, phone.answer)] * 100)
    await peer.call(server.bound_port)
    return phone


def names_heard(phone: Phone) -> list[str]:
    return [p for p in phone.played if p.startswith("SAY ALPHA")]  # names are spelled here


async def alice_shares_with(pb: Phonebook, number: str) -> str:
    alice = await pb.accounts.register("Alice Martin", "+12025550101", "alices-password")
    await pb.accounts.verify_phone("+12025550101")
    family = await pb.circles.create(alice.id, "family")
    await pb.circles.add_member(alice.id, family.id, number)
    await pb.cards.add(alice.id, "phone", "mobile", "+12025550111", {family.id: "visible"})
    return alice.id


async def register(http: httpx.AsyncClient, name: str, phone: str) -> dict[str, str]:
    r = await http.post(
        "/v1/accounts", json={"name": name, "phone": phone, "password": "a long password"}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_the_squat_fails_over_http_and_fastagi(
    pb: Phonebook, http: httpx.AsyncClient, servers: dict[CallerIdTrust, FastAgiServer]
) -> None:
    await alice_shares_with(pb, HOLDER)
    squatter = await register(http, "Mallory", HOLDER)
    assert (await http.get("/v1/me/phonebook", headers=squatter)).json()["contacts"] == []
    holder = await register(http, "Bob Real", HOLDER)  # not 409: a claim blocks nobody

    # the real holder calls in, attested, without typing anything: that verifies no one's claim
    first = await call(servers[CallerIdTrust.ATTESTED], "", "", "", **ATTESTED)
    assert "STREAM FILE phonebridge/pb-prove-or-register 0123456789*#" in first.played
    assert not names_heard(first) and "PB_DIAL_NUMBER" not in first.variables
    assert (await http.get("/v1/me/phonebook", headers=squatter)).json()["contacts"] == []

    # the holder asks for a call-in code and types it, calling from the number
    r = await http.post(
        f"/v1/me/phones/{HOLDER}/verification", json={"channel": "callin"}, headers=holder
    )
    assert r.status_code == 202, r.text
    code = r.json()["code"]
    second = await call(servers[CallerIdTrust.ATTESTED], code + "#", "25423", "", **ATTESTED)
    assert second.variables["PB_RESULT"] == "dial"
    assert second.variables["PB_DIAL_NUMBER"] == "12025550111"

    book = (await http.get("/v1/me/phonebook", headers=holder)).json()
    assert [(c["name"], c["entries"][0]["value"]) for c in book["contacts"]] == [
        ("Alice Martin", "+12025550111")
    ]
    gone = await http.get("/v1/me/phonebook", headers=squatter)
    assert gone.status_code == 401  # the squatter's account went with its claim
    audit = (await http.get("/v1/me/audit", headers=holder)).json()["events"]
    assert [(e["kind"], e["via"]) for e in audit] == [("phone_verified", "call")]


async def test_the_squatter_cannot_prove_the_number_with_a_spoofed_call(
    pb: Phonebook, http: httpx.AsyncClient, servers: dict[CallerIdTrust, FastAgiServer]
) -> None:
    await alice_shares_with(pb, HOLDER)
    squatter = await register(http, "Mallory", HOLDER)
    r = await http.post(
        f"/v1/me/phones/{HOLDER}/verification", json={"channel": "callin"}, headers=squatter
    )
    code = r.json()["code"]
    for trust in (CallerIdTrust.ATTESTED, CallerIdTrust.PIN):  # spoofing carries no attestation
        spoofed = await call(servers[trust], code + "#", "25423", "")
        assert "pb-prove-or-register" not in "".join(spoofed.played)
        assert not names_heard(spoofed) and "PB_DIAL_NUMBER" not in spoofed.variables
    assert (await http.get("/v1/me/phonebook", headers=squatter)).json()["contacts"] == []
    assert (await pb.callers.resolve(HOLDER)).holder is None


@pytest.fixture
async def carl(pb: Phonebook) -> str:
    """Carl holds HOLDER (proved) and has a PIN; Alice lets her family, Carl included, call her."""
    carl = await pb.accounts.register("Carl Caller", HOLDER, "carls-password")
    await pb.accounts.verify_phone(HOLDER)
    await pb.pins.set(carl.id, PIN)
    await alice_shares_with(pb, HOLDER)
    return carl.id


@pytest.mark.parametrize("trust", list(CallerIdTrust))
async def test_a_spoofed_caller_id_under_each_trust_setting(
    pb: Phonebook, servers: dict[CallerIdTrust, FastAgiServer], carl: str, trust: CallerIdTrust
) -> None:
    """Carl calls (attested), then a spoofer dials from Carl's number without attestation and
    guesses PINs."""
    keys = ("25423", "") if trust is not CallerIdTrust.PIN else (PIN + "#", "25423", "")
    real = await call(servers[trust], *keys, **ATTESTED)
    assert real.variables["PB_RESULT"] == "dial"
    if trust is CallerIdTrust.NETWORK:  # the operator vouches for the network: it is Carl
        spoofed = await call(servers[trust], "25423", "")
        assert spoofed.variables["PB_RESULT"] == "dial"
        return
    spoofed = await call(servers[trust], "111111#", "222222#", "333333#", "25423", "")
    assert spoofed.variables == {"PB_RESULT": "wrong-pin"}
    assert not names_heard(spoofed)
    assert sum("pb-enter-pin" in p for p in spoofed.played) == 3
    kinds = [e.kind for e in await pb.pins.audit(carl)]
    assert "pin_locked" in kinds  # three wrong PINs: Carl is told someone tried
    # and the PIN now waits, even for the right one
    locked = await call(servers[trust], PIN + "#", "25423", "")
    assert locked.variables == {"PB_RESULT": "rate-limited"} and not names_heard(locked)


async def test_without_a_pin_an_untrusted_caller_id_gets_nothing(
    pb: Phonebook, servers: dict[CallerIdTrust, FastAgiServer], carl: str
) -> None:
    await pb.pins.clear(carl)
    spoofed = await call(servers[CallerIdTrust.ATTESTED], "25423", "")
    assert spoofed.variables == {"PB_RESULT": "no-pin"}
    assert not names_heard(spoofed) and "STREAM FILE phonebridge/pb-pin-needed" in "".join(
        spoofed.played
    )


async def test_an_untrusted_first_call_registers_an_unproved_claim(
    pb: Phonebook, servers: dict[CallerIdTrust, FastAgiServer]
) -> None:
    await alice_shares_with(pb, HOLDER)
    first = await call(servers[CallerIdTrust.ATTESTED], "1", "#")  # hears the code twice
    assert first.variables == {"PB_RESULT": "registered"}
    codes = [p.split()[2] for p in first.played if p.startswith("SAY DIGITS")]
    assert len(codes) == 4 and len(set(codes)) == 1  # read, and read again on "1"
    assert (await pb.callers.resolve(HOLDER)).holder is None  # nobody holds the number
    profile = await pb.callers.claim(HOLDER, codes[0], "Spoofer", "long-enough")
    assert not profile.phone.verified
    assert (await pb.directory.phonebook(profile.id)).contacts == ()
