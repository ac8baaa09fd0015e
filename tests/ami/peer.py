"""The scripted Asterisk Manager now ships with the client: ``bridge.ami.testing``. Kept so
tests importing it from here keep working; the captures are this repository's copy."""

from __future__ import annotations

from bridge.ami import testing
from bridge.ami.testing import ReplayPeer, for_action, normalise, read_action
from tests.captures import CAPTURES, AmiBlock, ami_transcript

__all__ = [
    "AmiBlock",
    "ReplayPeer",
    "ami_transcript",
    "captured_originate_replies",
    "for_action",
    "normalise",
    "read_action",
]


def captured_originate_replies() -> tuple[bytes, bytes]:
    """Asterisk's two answers to the captured Async Originate (ActionID t1), byte for byte:
    "Originate successfully queued", then the OriginateResponse event."""
    return testing.captured_originate_replies(CAPTURES)
