"""Health checks of the Asterisk route, for `phonebridge doctor` and `serve`'s self-check: the
prompts and Asterisk's core sounds are where Asterisk will look
(PHONEBRIDGE_ASTERISK_SOUNDS_DIR, when the bridge shares Asterisk's host or a mount), and the
AMI login works (when Asterisk places the calls)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bridge import prompts
from bridge.ami.client import AmiClient
from bridge.provider import Finding, ok, quiet

AMI_TIMEOUT_S = 3.0
SOUND_FORMATS = frozenset(
    {"sln", "sln16", "ulaw", "alaw", "wav", "WAV", "gsm", "g722", "g729", "siren7", "ogg"}
)
# SAY DIGITS / SAY ALPHA read codes and spell names; RECORD FILE beeps (dialplan/README.md)
CORE_SOUNDS = ("beep", "digits/1", "letters/a")


def check_sounds(sounds: Path, prompt_folder: str) -> list[Finding]:
    """The prompts of every language and the core English sounds, where Asterisk looks:
    <sounds>/<language>/<file>, then <sounds>/<file>."""
    if not sounds.is_dir():
        return [
            Finding(
                "prompts",
                f"PHONEBRIDGE_ASTERISK_SOUNDS_DIR={sounds} is not a folder",
                "set it to Asterisk's sounds folder as this host sees it "
                "(astdatadir/sounds, e.g. /var/lib/asterisk/sounds), or leave it empty",
            )
        ]
    findings = []
    for lang in prompts.WORDS_BY_LANGUAGE:
        places = [sounds / lang / prompt_folder, sounds / prompt_folder]
        wanted = sorted(prompts.words(lang))
        missing = [p for p in wanted if not _sound_in(places, p)]
        if missing:
            build = f"phonebridge prompts build {places[0]}"
            findings.append(
                Finding(
                    "prompts",
                    f"{len(missing)} of {len(wanted)} prompts missing in {places[0]} "
                    f"({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''})",
                    build if lang == "en" else f"{build} --language {lang}",
                )
            )
        else:
            findings.append(ok("prompts", f"all {len(wanted)} prompts in {places[0]}"))
    core = [c for c in CORE_SOUNDS if not _sound_in([sounds / "en", sounds], c)]
    if core:
        findings.append(
            Finding(
                "prompts",
                f"Asterisk's core English sounds are missing in {sounds / 'en'} "
                f"({', '.join(core)})",
                "install them (Debian: asterisk-core-sounds-en; from source: "
                "make install of the core sounds)",
            )
        )
    return findings


def _sound_in(places: list[Path], name: str) -> bool:
    """Is there a ``name``.<any sound format> in one of ``places``?"""
    for place in places:
        path = place / name
        try:
            entries = os.listdir(path.parent)
        except OSError:
            continue
        for entry in entries:
            stem, dot, ext = entry.rpartition(".")
            if dot and stem == path.name and ext in SOUND_FORMATS:
                return True
    return False


async def check_ami(host: str, port: int, username: str, secret: str) -> Finding:
    client = AmiClient(host, port, username, secret, events=False, connect_timeout_s=AMI_TIMEOUT_S)
    with quiet("bridge.ami.client"):  # its retries and refusals are no news here
        client.start()
        try:
            async with asyncio.timeout(AMI_TIMEOUT_S):
                while not client.connected and not client.auth_failed:
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pass
        finally:
            connected, refused = client.connected, client.auth_failed
            await client.close()
    if connected:
        return ok("ami", f"logged in to {host}:{port} as {username}")
    if refused:
        return Finding(
            "ami",
            f"Asterisk at {host}:{port} refused the AMI login of {username!r}",
            "make PHONEBRIDGE_AMI_USERNAME and PHONEBRIDGE_AMI_SECRET match manager.conf "
            "(dialplan/manager_phonebridge.conf)",
            fatal=True,
        )
    return Finding(
        "ami",
        f"no AMI at {host}:{port} (is Asterisk running?): click-to-call answers 503 until "
        "it connects",
        "check PHONEBRIDGE_AMI_HOST/PORT and manager.conf ([general] enabled = yes, bindaddr)",
    )
