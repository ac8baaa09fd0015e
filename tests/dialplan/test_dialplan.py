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
    assert {contract.VAR_RESULT, contract.VAR_DIAL_NUMBER, contract.VAR_MAX_SECONDS} <= used
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
        assert 'AGISTATUS}" != "SUCCESS"]?phonebridge-result,error,1' in lines[agi + 1]
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
    # asterisklint predates res_stir_shaken's STIR_SHAKEN() (Asterisk 16.15+): that one
    # "missing function" is known, anything else fails
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "function 'STIR_SHAKEN' does not exist" not in line
    ]
    assert not problems, "\n".join(problems)
