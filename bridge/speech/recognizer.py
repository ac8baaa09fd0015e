"""The interface a speech engine implements, and how the default one is found."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bridge.speech.grammar import Grammar

if TYPE_CHECKING:
    from bridge.speech.workers import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recognition:
    """Phrases of the grammar, most likely first, and how sure the engine is of the first
    (0..1; calibrated on bench/bench_speech.py's dev set, it drives bridge/dialogue.py)."""

    alternatives: tuple[str, ...] = ()
    confidence: float = 0.0

    @property
    def best(self) -> str:
        return self.alternatives[0] if self.alternatives else ""


class Recognizer(Protocol):
    async def recognize(self, sln8: bytes, grammar: Grammar) -> Recognition:
        """Decode 8 kHz 16-bit mono audio against ``grammar``; empty when nothing matched."""
        ...

    def close(self) -> None:
        """Release what the engine holds (worker processes)."""
        ...


def default_recognizer(*, workers: int = 2) -> Recognizer | None:
    """The cascade (hama's phoneme pass, then pocketsphinx) in worker processes when the
    ``speech`` extra is installed, pocketsphinx alone without hama, else None (keypad only)."""
    try:
        import pocketsphinx  # noqa: F401  (the engine runs in workers; is it there at all?)
    except ImportError:
        log.info(
            "speech recognition is off: pocketsphinx is not installed "
            "(pip install 'phonebridge[speech]'); callers spell names on the keypad"
        )
        return None
    try:
        import hama  # noqa: F401
    except ImportError:
        log.warning("hama is not installed: spoken names use pocketsphinx alone (less accurate)")
        engine: Engine = "sphinx"
    else:
        engine = "cascade"
    from bridge.speech.workers import ProcessRecognizer  # workers imports this module

    return ProcessRecognizer(workers=workers, engine=engine)
