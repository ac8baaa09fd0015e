"""Names said instead of spelled, on Asterisk: RECORD FILE into a folder both sides see, then
decode against the caller's grammar. The caller's voice is deleted on every path."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bridge.agi.session import AgiSession
from bridge.agi.wire import AgiReply
from bridge.flow import Heard
from bridge.playback import MissingSounds
from bridge.speech.grammar import Grammar, build_grammar
from bridge.speech.recognizer import Recognizer
from phonebook.app import Phonebook
from phonebook.feed import Change

log = logging.getLogger(__name__)

DIGITS = "0123456789*#"
RECORD_TIMEOUT_MS = 5000  # longest utterance: a name, not a speech
RECORD_SILENCE_S = 2  # silence that ends it (Asterisk counts whole seconds)
MIN_UTTERANCE_BYTES = 3200  # 0.2 s of 8 kHz 16-bit audio: shorter is no name
GRAMMARS_KEPT = 1000  # callers whose grammar is kept between utterances


@dataclass
class SpokenNames:
    """Names said instead of spelled: Asterisk records the utterance into ``recordings`` (a
    folder both Asterisk and the bridge see) and ``recognizer`` decodes it against a grammar of
    the names this caller may reach."""

    recognizer: Recognizer
    recordings: Path
    missing: MissingSounds = field(default_factory=MissingSounds)
    _grammars: OrderedDict[str, tuple[int, Grammar]] = field(
        default_factory=OrderedDict, init=False, repr=False
    )  # caller → (feed generation it was built at, grammar)
    _generation: int = field(default=0, init=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, init=False, repr=False)
    _beep: bool = field(default=True, init=False)  # False once Asterisk had no beep sound
    _unwritable_logged: bool = field(default=False, init=False)

    async def grammar_for(self, phonebook: Phonebook, caller: str) -> Grammar:
        """The caller's grammar, rebuilt only when the phonebook changed since it was built:
        every change reaches this process's feed (phonebook.feed), which moves the generation."""
        if self._unsubscribe is None:
            self._unsubscribe = phonebook.feed.subscribe(self._changed)
        generation = self._generation  # first: a change after it rebuilds
        cached = self._grammars.get(caller)
        if cached is not None and cached[0] == generation:
            self._grammars.move_to_end(caller)
            return cached[1]
        grammar = build_grammar(await phonebook.directory.reachable_names(caller, public=True))
        self._grammars[caller] = (generation, grammar)
        while len(self._grammars) > GRAMMARS_KEPT:
            self._grammars.popitem(last=False)
        return grammar

    def _changed(self, _change: Change) -> None:
        self._generation += 1
        self._grammars.clear()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.recognizer.close()

    async def listen(self, session: AgiSession, phonebook: Phonebook, caller: str) -> Heard | None:
        """The caller's utterance, recognised; or the key that interrupted it (digits); None
        when Asterisk could not record, so the caller spells instead. ChannelHungUp when the
        caller hangs up meanwhile; the recording is deleted whatever happens."""
        path = self.recordings / f"pb-{uuid.uuid4().hex}"
        audio = path.with_suffix(".sln")
        try:
            reply = await self._record(session, path)
            key = _key(reply.number) if reply.data in ("dtmf", "randomerror") else ""
            if key:  # a key during the beep or the utterance: they spell after all
                return Heard(digits=key)
            if reply.data == "writefile":
                self._unwritable()
                return None
            try:
                sln = audio.read_bytes()
            except OSError:
                self._unwritable()
                return None
        finally:
            audio.unlink(missing_ok=True)  # a caller's voice is kept no longer than needed
        if len(sln) < MIN_UTTERANCE_BYTES:  # silence, trimmed away by Asterisk: nothing said
            return Heard()
        heard = await self.recognizer.recognize(sln, await self.grammar_for(phonebook, caller))
        log.debug("heard %r (confidence %.2f)", heard.alternatives, heard.confidence)
        return Heard(
            speech=heard.best, alternatives=heard.alternatives[1:], confidence=heard.confidence
        )

    async def _record(self, session: AgiSession, path: Path) -> AgiReply:
        reply = await self._record_once(session, path)
        if reply.data == "randomerror" and (reply.number or 0) < 0:
            # the channel is up (record_file checked), so Asterisk had no "beep" to play:
            # record without it rather than not at all
            self.missing.report("beep", "spoken names are recorded without the tone")
            self._beep = False
            reply = await self._record_once(session, path)
        return reply

    async def _record_once(self, session: AgiSession, path: Path) -> AgiReply:
        return await session.record_file(
            str(path), "sln", DIGITS, RECORD_TIMEOUT_MS, beep=self._beep, silence_s=RECORD_SILENCE_S
        )

    def _unwritable(self) -> None:
        if self._unwritable_logged:
            return
        self._unwritable_logged = True
        log.error(
            "no recording in %s: is it writable by Asterisk and shared with the bridge? "
            "Callers spell names until it is.",
            self.recordings,
        )


def _key(number: int | None) -> str:
    return chr(number) if number and number > 0 else ""
