"""The words of every fixed prompt, and the builder that turns them into sound files in
Asterisk's formats (espeak-ng speaks, sox converts to 8 kHz). Prompt ids are file names
under the sounds folder named by PB_SOUNDS in the dialplan."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from pathlib import Path

from bridge import contract, flow
from bridge.words_zh import WORDS_ZH
from phonebook.names import has_han

SORRY = contract.SOUND_SORRY  # played by the dialplan itself when the bridge is down
CALLEE_BUSY = contract.SOUND_CALLEE_BUSY  # by the dialplan after Dial(): the caller hears why
NO_ANSWER = contract.SOUND_NO_ANSWER

WORDS: dict[str, str] = {
    flow.WELCOME: "Welcome to PhoneBridge.",
    flow.ASK_NAME: (
        "Spell the name of the person you want to call on the keypad, then press pound. "
        "Press zero between first and last name."
    ),
    flow.ASK_NAME_SPEECH: (
        "Say the name of the person you want to call after the tone, "
        "or spell it on the keypad and press pound."
    ),
    flow.NO_INPUT: "I did not get that.",
    flow.TOO_SHORT: "Please enter at least three letters.",
    flow.NOT_FOUND: "Nobody by that name shares a number with you.",
    flow.SEVERAL: "Several people match.",
    flow.PRESS: "Press",
    flow.FOR: "for",
    flow.MORE: "Press nine for more names.",
    flow.WHICH_NUMBER: "Which number?",
    flow.CALLING: "Calling",
    flow.STAR_TO_CANCEL: "Press star to cancel.",
    flow.CANCELLED: "Cancelled.",
    flow.DID_YOU_SAY: "Did you say",
    flow.PRESS_1_IF_YES: "Press one if yes.",
    flow.NOT_CAUGHT: "Sorry, I did not catch the name.",
    flow.UNAVAILABLE: "Sorry, that person cannot be reached right now.",
    flow.GOODBYE: "Goodbye.",
    flow.REGISTERED: "Your number is now registered with PhoneBridge.",
    flow.YOUR_CODE_IS: "Your code is",
    flow.FINISH_ONLINE: "Use this code on the web to choose your name and password.",
    flow.UNKNOWN_CALLER: "Sorry, PhoneBridge needs your caller ID to help you.",
    flow.TRY_LATER: "Too many requests. Please try again later.",
    SORRY: "Sorry, PhoneBridge cannot take your call right now. Please try again later.",
    CALLEE_BUSY: "That person is on another call. Please try again later.",
    NO_ANSWER: "There was no answer. Please try again later.",
}

# every fixed prompt, per account language (phonebook/language.py), and the espeak-ng voice
# that speaks it; Asterisk finds them under sounds/<language>/<PB_SOUNDS>/
WORDS_BY_LANGUAGE: dict[str, dict[str, str]] = {"en": WORDS, "zh": WORDS_ZH}
VOICES = {"en": "en-us", "zh": "cmn"}


def words(language: str) -> dict[str, str]:
    """The prompts' words in ``language``; English for any prompt not translated yet."""
    return {**WORDS, **WORDS_BY_LANGUAGE.get(language, {})}


# Asterisk picks the file whose format needs the least transcoding for the channel's codec.
FORMATS = {
    "sln": ["-t", "raw", "-e", "signed-integer", "-b", "16"],
    "ulaw": ["-t", "ul"],
    "alaw": ["-t", "al"],
    "wav": ["-t", "wav", "-e", "signed-integer", "-b", "16"],
}


class SpeechToolsMissing(RuntimeError):
    pass


def _tools() -> tuple[str, str]:
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise SpeechToolsMissing(
            "espeak-ng and sox are needed (Debian: apt-get install espeak-ng sox)"
        )
    return espeak, sox


async def _run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed: {err.decode(errors='replace')[:200]}")


async def speak(
    text: str,
    target: Path,
    *,
    voice: str = "en-us",
    formats: tuple[str, ...] = ("sln", "ulaw", "alaw", "wav"),
    speed: int = 150,
    pitch: int = 50,
) -> list[Path]:
    """Speak ``text`` into ``target`` + one file per format: 8 kHz mono, telephone level."""
    espeak, sox = _tools()
    target.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "tts.wav"
        await _run(espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text)
        for fmt in formats:
            out = target.with_suffix(f".{fmt}")
            # 8 kHz mono, band-limited to the telephone band, normalised below clipping
            await _run(
                sox,
                "-R",  # repeatable dither: the same words always give the same file
                str(raw),
                "-r",
                "8000",
                "-c",
                "1",
                *FORMATS[fmt],
                str(out),
                "sinc",
                "300-3400",
                "gain",
                "-n",
                "-3",
            )
            written.append(out)
    return written


async def build(folder: Path, *, language: str = "en", voice: str | None = None) -> list[Path]:
    """Regenerate every fixed prompt of ``language`` into ``folder`` (for Asterisk:
    sounds/<language>/<PB_SOUNDS>)."""
    written: list[Path] = []
    for prompt_id, text in words(language).items():
        written += await speak(text, folder / prompt_id, voice=voice or VOICES[language])
    return written


def name_voice(name: str, default: str) -> str:
    """A Han name is spoken by the Mandarin voice: an English voice reads each character as
    "Chinese letter"."""
    return VOICES["zh"] if has_han(name) else default


def name_file_id(name: str, voice: str = "en-us") -> str:
    """The sound file id of a spoken name: stable per name and voice, safe as a file name."""
    key = name if voice == "en-us" else f"{voice}:{name}"
    return "name-" + hashlib.sha256(key.encode()).hexdigest()[:16]


class NameVoice:
    """Spoken names, made once per distinct name and kept in a folder Asterisk can read.

    A name is spoken when it is set or changed (``prepare``, called by the phonebook), or else
    by the first call that needs it (a change made through another bridge process); the file
    is reused after that, and when speaking is impossible the caller hears it spelled.
    """

    def __init__(self, folder: Path | None, *, voice: str = "en-us") -> None:
        self._folder = folder
        self._voice = voice
        self._locks: dict[str, asyncio.Lock] = {}
        self._preparing: set[asyncio.Task[str | None]] = set()

    def prepare(self, name: str) -> None:
        """Speak ``name`` in the background (from inside a running event loop)."""
        if self._folder is None:
            return
        task = asyncio.get_running_loop().create_task(self.file_for(name))
        self._preparing.add(task)  # keep a reference: a task nobody holds may vanish
        task.add_done_callback(self._preparing.discard)

    async def settle(self) -> None:
        """Wait until the names being prepared are spoken."""
        await asyncio.gather(*self._preparing, return_exceptions=True)

    async def file_for(self, name: str) -> str | None:
        """The file id (relative to the folder) to play for ``name``, or None to spell it."""
        if self._folder is None:
            return None
        voice = name_voice(name, self._voice)
        file_id = name_file_id(name, voice)
        target = self._folder / file_id
        lock = self._locks.setdefault(file_id, asyncio.Lock())
        async with lock:
            if not target.with_suffix(".sln").exists():
                try:
                    await speak(name, target, voice=voice, formats=("sln", "ulaw", "alaw"))
                except (SpeechToolsMissing, RuntimeError, OSError):
                    return None
        return file_id
