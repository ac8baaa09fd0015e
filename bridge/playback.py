"""Playing the flow's prompts over a FastAGI session, and surviving sound files that are not
there: Asterisk answers a missing file with -1 like a hang-up (bridge.agi.session tells the
two apart); a missing file is logged once and the call goes on without it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bridge.agi.errors import SoundMissing
from bridge.agi.session import AgiSession
from bridge.flow import Prompt
from bridge.prompts import NameVoice
from phonebook.names import normalize

log = logging.getLogger(__name__)

MISSING_KEPT = 1000  # distinct missing files remembered (each is logged once)


@dataclass
class MissingSounds:
    """Sound files Asterisk could not open. Each is logged once, at error level with its name:
    it is an installation problem for the operator, not something the caller did."""

    _seen: set[str] = field(default_factory=set, init=False, repr=False)

    def report(self, name: str, instead: str) -> None:
        if name in self._seen:
            return
        if len(self._seen) < MISSING_KEPT:
            self._seen.add(name)
        log.error(
            "Asterisk cannot play sound file %r (not installed, or not readable); %s. "
            "See dialplan/README.md: prompts and Asterisk's core English sounds are required.",
            name,
            instead,
        )

    def __contains__(self, name: object) -> bool:
        return name in self._seen


@dataclass
class Player:
    """Plays prompts: fixed prompts from ``sounds`` (a folder in Asterisk's sounds dir, looked
    up in the channel's language), names as spoken files, else spelled."""

    voice: NameVoice
    sounds: str = "phonebridge"
    missing: MissingSounds = field(default_factory=MissingSounds)

    async def play(self, session: AgiSession, prompts: tuple[Prompt, ...], escape: str) -> str:
        """Play prompts in order; returns the key that interrupted them, or ''."""
        for prompt in prompts:
            key = await self._one(session, prompt, escape)
            if key:
                return key
        return ""

    async def _one(self, session: AgiSession, prompt: Prompt, escape: str) -> str:
        try:
            return await self._say(session, prompt, escape)
        except SoundMissing as missing:  # SAY skips files it lacks; this one would not open
            self.missing.report(missing.name, "it is skipped")
            return ""

    async def _say(self, session: AgiSession, prompt: Prompt, escape: str) -> str:
        if prompt.kind == "digits":
            return await session.say_digits(prompt.value, escape)
        if prompt.kind == "sound":
            name = f"{self.sounds}/{prompt.value}"
            try:
                return await session.stream_file(name, escape)
            except SoundMissing:
                self.missing.report(name, "the prompt is skipped")
                return ""
        file_id = await self.voice.file_for(prompt.value)
        if file_id is not None:
            name = f"{self.sounds}/names/{file_id}"
            try:
                return await session.stream_file(name, escape)
            except SoundMissing:  # written where Asterisk does not look: spell it instead
                self.missing.report(
                    f"{self.sounds}/names/", "names are spelled (is the names folder shared?)"
                )
        return await session.say_alpha(spellable(prompt.value), escape)


def spellable(name: str) -> str:
    """Letters SAY ALPHA can read: pinyin for Han names (Asterisk has no sound for a Han
    character: ast_say_character_str skips letters it has no file for)."""
    from pypinyin import lazy_pinyin

    letters = "".join(ch for ch in normalize(" ".join(lazy_pinyin(name))) if ch.isalnum())
    return letters[:40] or "x"
