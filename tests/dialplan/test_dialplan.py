"""dialplan/ against bridge/contract.py: the names both sides use, the branches the dialplan
must have, and the rules that keep it safe. asterisklint checks the syntax."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bridge import contract
from bridge.contract import Result
from bridge.prompts import WORDS

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplan"
EXTENSIONS = (DIALPLAN / "extensions_phonebridge.conf").read_text()
GLOBALS = (DIALPLAN / "globals_phonebridge.conf").read_text()


def contexts(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        line = line.split(";", 1)[0].rstrip()
        if m := re.match(r"^\[([^\]]+)\]", line):
            current = m.group(1)
            found[current] = []
        elif current and line.strip():
            found[current].append(line.strip())
    return found


def extensions(lines: list[str]) -> set[str]:
    return {m.group(1) for line in lines if (m := re.match(r"exten\s*=>\s*([^,]+),", line))}


def test_the_contexts_python_names_exist() -> None:
    ctx = contexts(EXTENSIONS)
    for name in (
        contract.ACCESS_CONTEXT,
        contract.CONNECT_CONTEXT,
        contract.DIAL_CONTEXT,
        contract.ROUTE_CONTEXT,
        contract.RESULT_CONTEXT,
        contract.OUTCOME_CONTEXT,
    ):
        assert name in ctx, name


def test_every_result_has_a_branch_and_every_branch_is_a_result() -> None:
    branches = extensions(contexts(EXTENSIONS)[contract.RESULT_CONTEXT])
    assert branches == {r.value for r in Result}


def test_agi_urls_name_the_bridge_scripts() -> None:
    urls = re.findall(r"AGI\(agi://\$\{PB_BRIDGE\}/([a-z]+)", EXTENSIONS)
    assert sorted(urls) == sorted(
        [contract.ACCESS_SCRIPT, contract.CONNECT_SCRIPT, contract.OUTCOME_SCRIPT]
    )


def test_every_pb_variable_is_in_the_contract() -> None:
    used = set(re.findall(r"\$\{(PB_[A-Z_]+)\}", EXTENSIONS))
    known = {v for k, v in vars(contract).items() if k.startswith("VAR_")} | set(contract.GLOBALS)
    assert used <= known, used - known
    assert {
        contract.VAR_RESULT,
        contract.VAR_DIAL_NUMBER,
        contract.VAR_MAX_SECONDS,
        contract.VAR_CALLER_NAME,
        contract.VAR_CALLER_NUMBER,
    } <= used
    declared = {
        line.split("=", 1)[0]
        for line in GLOBALS.splitlines()
        if "=" in line and not line.startswith(";")
    }
    assert declared == set(contract.GLOBALS)


def test_a_bridge_outage_apologises_instead_of_falling_through() -> None:
    ctx = contexts(EXTENSIONS)
    for name in (contract.ACCESS_CONTEXT, contract.CONNECT_CONTEXT):
        lines = ctx[name]
        agi = next(i for i, line in enumerate(lines) if "AGI(" in line)
        assert lines[agi - 1].endswith("Set(PB_RESULT=)")  # cleared: set again only by the bridge
        # AGISTATUS alone is not the outage: it turns FAILURE after a STREAM FILE of a missing
        # sound, which the bridge survives and answers PB_RESULT for
        assert (
            '"${AGISTATUS}" != "SUCCESS" & "${PB_RESULT}" = ""]?phonebridge-result,error,1'
            in lines[agi + 1]
        )
    route = ctx[contract.ROUTE_CONTEXT]
    assert "DIALPLAN_EXISTS" in route[0] and route[-1].endswith("Goto(phonebridge-result,error,1)")


def test_nothing_the_caller_typed_is_ever_dialled() -> None:
    text = EXTENSIONS + (DIALPLAN / "extensions.conf").read_text()
    assert "_X." not in text and "_." not in text
    dials = [
        line
        for line in EXTENSIONS.splitlines()
        if "Dial(" in line and not line.lstrip().startswith(";")
    ]
    assert dials and all("${EXTEN}" not in d for d in dials)
    assert all("${PB_DIAL_NUMBER}" in d for d in dials)
    # the number is checked to be E.164 digits before Dial, in the same context
    dial_ctx = "\n".join(contexts(EXTENSIONS)[contract.DIAL_CONTEXT])
    assert dial_ctx.index("REGEX(") < dial_ctx.index("Dial(")


def test_prompts_the_dialplan_plays_have_words() -> None:
    played = set(re.findall(r"Playback\(\$\{PB_SOUNDS\}/([a-z0-9-]+)\)", EXTENSIONS))
    assert played and played <= WORDS.keys()


def test_asterisklint_accepts_the_dialplan() -> None:
    assert shutil.which("asterisklint"), "asterisklint is a dev dependency: pip install -e .[dev]"
    result = subprocess.run(
        ["asterisklint", "dialplan-check", "extensions.conf"],
        cwd=DIALPLAN,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_callee_sees_the_caller_not_themselves() -> None:
    dial = contexts(EXTENSIONS)[contract.DIAL_CONTEXT]
    text = "\n".join(dial)
    assert "PB_CALLEE_NAME" not in text  # the callee's own name was presented to them
    assert "Set(CALLERID(name)=${PB_CALLER_NAME})" in text
    # the caller's verified number when the bridge passes one, else the access number
    assert (
        'Set(CALLERID(num)=${IF($["${PB_CALLER_NUMBER}" != ""]?${PB_CALLER_NUMBER}'
        ":${PB_ACCESS_NUMBER})})" in text
    )
    assert text.index("CALLERID(num)") < text.index("Dial(")
    # click-to-call reaches the same Dial: its callee no longer sees Asterisk's default ID
    for name in (contract.ACCESS_CONTEXT, contract.CONNECT_CONTEXT):
        assert "Goto(phonebridge-route,s,1)" in contexts(EXTENSIONS)[name][-1]
    assert "exten => dial,1,Gosub(phonebridge-dial,s,1)" in EXTENSIONS


def test_talk_time_counts_from_the_callees_answer() -> None:
    ctx = contexts(EXTENSIONS)
    dial = next(line for line in ctx[contract.DIAL_CONTEXT] if "Dial(" in line)
    assert f"U({contract.ANSWERED_CONTEXT}^${{CHANNEL}})" in dial  # pre-bridge handler
    answered = "\n".join(ctx[contract.ANSWERED_CONTEXT])
    assert f"Set(SHARED({contract.VAR_ANSWERED_AT},${{ARG1}})=${{EPOCH}})" in answered
    assert answered.endswith("Return()")
    outcome = ctx[contract.OUTCOME_CONTEXT][0]
    assert "ANSWEREDTIME" not in EXTENSIONS.split("[phonebridge-outcome]")[1]
    assert outcome.endswith(
        f"/outcome,${{PB_CALL_ID}},${{DIALSTATUS}},${{SHARED({contract.VAR_ANSWERED_AT})}},"
        "${EPOCH})"
    )


def test_a_callee_who_does_not_take_the_call_is_explained_before_the_hang_up() -> None:
    dial = contexts(EXTENSIONS)[contract.DIAL_CONTEXT]
    after = dial[next(i for i, line in enumerate(dial) if "Dial(" in line) + 1 :]
    text = "\n".join(after)
    for status, label in (("BUSY", "busy"), ("NOANSWER", "noanswer")):
        assert f'"${{DIALSTATUS}}" = "{status}"]?{label})' in text
    assert f"n(busy),Playback(${{PB_SOUNDS}}/{contract.SOUND_CALLEE_BUSY})" in text
    assert f"n(noanswer),Playback(${{PB_SOUNDS}}/{contract.SOUND_NO_ANSWER})" in text
    assert "n(unavailable),Playback(${PB_SOUNDS}/pb-unavailable)" in text
    # every branch returns to the result context, which hangs up
    assert text.count("Return()") == 4


def test_the_access_number_is_a_global_the_operator_sets() -> None:
    assert "PB_ACCESS_NUMBER=+" in GLOBALS
