"""The byte-exact transcripts recorded from a real Asterisk 22, kept in the repository under
tests/fixtures/asterisk-captures (a copy of ../shared/asterisk-captures, byte for byte).

The parsers ship with the code they stand in for (``bridge.agi.testing``,
``bridge.ami.testing``) and take the folder; these read this repository's copy."""

from __future__ import annotations

from pathlib import Path

from bridge.agi import testing as agi_testing
from bridge.agi.testing import AgiExchange, AgiScenario
from bridge.ami import testing as ami_testing
from bridge.ami.testing import AmiBlock

CAPTURES = Path(__file__).resolve().parent / "fixtures" / "asterisk-captures"

__all__ = [
    "CAPTURES",
    "AgiExchange",
    "AgiScenario",
    "AmiBlock",
    "agi_scenarios",
    "ami_transcript",
]


def agi_scenarios() -> dict[str, AgiScenario]:
    """Every FastAGI scenario of fastagi-session.txt and fastagi-sipp-session.txt."""
    return agi_testing.agi_scenarios(CAPTURES)


def ami_transcript(name: str) -> list[AmiBlock]:
    """An ami-*.txt transcript as blocks of exact bytes (CRLF kept)."""
    return ami_testing.ami_transcript(CAPTURES, name)
