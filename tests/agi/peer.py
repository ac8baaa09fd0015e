"""The scripted Asterisk for FastAGI tests now ships with the server: ``bridge.agi.testing``.
Kept so tests importing it from here keep working."""

from __future__ import annotations

from bridge.agi.testing import Answer, Peer, Step, env_block

__all__ = ["Answer", "Peer", "Step", "env_block"]
