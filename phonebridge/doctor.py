"""`phonebridge doctor`: is everything PhoneBridge needs in place? `serve` runs the same checks
before it starts: each problem is one line that says how to fix it, and the fatal ones (no
database, a schema `serve` will not upgrade, AMI credentials Asterisk refuses) stop the start.

What is checked: the database is reachable and migrated; the recordings folder for spoken
names is writable (and the speech extra installed); the folder for spoken callee names is
writable; the prompts and Asterisk's core sounds are where Asterisk will look
(PHONEBRIDGE_ASTERISK_SOUNDS_DIR, when the bridge shares Asterisk's host or a mount); the AMI
login works (when Asterisk places the calls)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlalchemy.engine.url import make_url

from bridge import prompts
from bridge.ami.client import AmiClient
from phonebook.store.engine import is_sqlite, make_engine
from phonebook.store.migrate import alembic_config
from phonebridge.settings import Settings

DB_TIMEOUT_S = 5.0
AMI_TIMEOUT_S = 3.0
SOUND_FORMATS = frozenset(
    {"sln", "sln16", "ulaw", "alaw", "wav", "WAV", "gsm", "g722", "g729", "siren7", "ogg"}
)
# SAY DIGITS / SAY ALPHA read codes and spell names; RECORD FILE beeps (dialplan/README.md)
CORE_SOUNDS = ("beep", "digits/1", "letters/a")


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    problem: str = ""  # empty: all is well, and ``detail`` says what was seen
    fix: str = ""
    fatal: bool = False
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self) -> str:
        if self.ok:
            return f"{self.check}: {self.detail}"
        return f"{self.check}: {self.problem}; fix: {self.fix}"


def ok(check: str, detail: str) -> Finding:
    return Finding(check, detail=detail)


async def check(settings: Settings) -> list[Finding]:
    """Every check that applies to ``settings``, in a fixed order."""
    findings = [await check_database(settings.database_url, will_migrate=settings.auto_migrate)]
    if settings.speech_recordings_dir:
        findings.append(check_recordings(Path(settings.speech_recordings_dir)))
    if settings.name_sounds_dir:
        findings.append(check_name_sounds(Path(settings.name_sounds_dir)))
    if settings.asterisk_sounds_dir and settings.call_provider != "twilio":
        findings += check_sounds(Path(settings.asterisk_sounds_dir), settings.sounds_folder)
    if settings.call_provider == "asterisk":
        assert settings.ami_secret is not None  # Settings refuses asterisk without it
        findings.append(
            await check_ami(
                settings.ami_host,
                settings.ami_port,
                settings.ami_username,
                settings.ami_secret.get_secret_value(),
            )
        )
    return findings


# -- database -------------------------------------------------------------------------------


async def check_database(url: str, *, will_migrate: bool) -> Finding:
    shown = make_url(url).render_as_string(hide_password=True)
    if is_sqlite(url):
        missing = _missing_sqlite_file(url)
        if missing is not None:
            if not _writable(missing.parent):
                return Finding(
                    "database",
                    f"the folder of the SQLite database {missing} is not writable",
                    "create it, or point PHONEBRIDGE_DATABASE_URL somewhere writable",
                    fatal=True,
                )
            if will_migrate:
                return ok("database", f"no database at {missing} yet: serve creates it")
            return Finding(
                "database",
                f"no database at {missing}",
                "run `phonebridge db upgrade` (or set PHONEBRIDGE_AUTO_MIGRATE=true)",
                fatal=True,
            )
    engine = make_engine(url, pool_size=1)
    try:
        async with asyncio.timeout(DB_TIMEOUT_S), engine.connect() as conn:
            current = await conn.run_sync(_current_heads)
    except Exception as exc:
        return Finding(
            "database",
            f"cannot reach {shown} ({_reason(exc)})",
            "check PHONEBRIDGE_DATABASE_URL, that the server runs and that it accepts this user",
            fatal=True,
        )
    finally:
        await engine.dispose()
    return _schema(url, shown, current, will_migrate)


def _schema(url: str, shown: str, current: tuple[str, ...], will_migrate: bool) -> Finding:
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = tuple(script.get_heads())
    at = ", ".join(current) or "empty"
    if set(current) == set(heads):
        return ok("database", f"{shown} reachable, schema at {at} (the latest)")
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            return Finding(
                "database",
                f"{shown} has schema {revision}, which this PhoneBridge does not know "
                "(a newer version migrated it)",
                "run the PhoneBridge version that migrated it",
                fatal=True,
            )
    latest = ", ".join(heads)
    if will_migrate:
        return ok("database", f"{shown} reachable, schema at {at}: serve upgrades it to {latest}")
    return Finding(
        "database",
        f"{shown} has schema {at}, this PhoneBridge needs {latest}",
        "run `phonebridge db upgrade` (or set PHONEBRIDGE_AUTO_MIGRATE=true)",
        fatal=True,
    )


def _current_heads(conn: Connection) -> tuple[str, ...]:
    with _quiet("alembic.runtime.migration"):  # "Context impl …" is no news here
        return tuple(MigrationContext.configure(conn).get_current_heads())


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    quieted = logging.getLogger(logger)
    level = quieted.level
    quieted.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        quieted.setLevel(level)


def _missing_sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path.resolve()


def _reason(exc: BaseException) -> str:
    """A connection error's first line (no statement was run, so no parameters are in it)."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    name = type(cause).__name__
    return f"{name}: {text[:160]}" if text else name


# -- folders --------------------------------------------------------------------------------


def _writable(folder: Path) -> bool:
    """Can this process create and delete a file in ``folder``? (Tried, not guessed from
    the mode bits: ACLs, read-only mounts and root all make those lie.)"""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".pb-doctor-"):
            pass
    except OSError:
        return False
    return True


def check_recordings(folder: Path) -> Finding:
    if importlib.util.find_spec("pocketsphinx") is None:
        return Finding(
            "speech",
            "PHONEBRIDGE_SPEECH_RECORDINGS_DIR is set but the speech extra is not installed: "
            "callers spell names on the keypad",
            "pip install 'phonebridge[speech]', or leave PHONEBRIDGE_SPEECH_RECORDINGS_DIR empty",
        )
    share = (
        f"mkdir -p {folder} && chown asterisk:phonebridge {folder} && chmod 2770 {folder} "
        "(Asterisk writes, the bridge reads and deletes; the same folder on both hosts)"
    )
    if not folder.is_dir():
        return Finding("speech", f"the recordings folder {folder} does not exist", share)
    if not _writable(folder):
        return Finding("speech", f"the bridge cannot create and delete files in {folder}", share)
    return ok("speech", f"recordings folder {folder} writable")


def check_name_sounds(folder: Path) -> Finding:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and _writable(existing):
        return ok("names", f"spoken names go to {folder}")
    return Finding(
        "names",
        f"the bridge cannot write spoken names into {folder}: names are spelled instead",
        f"create {folder} writable by the bridge and readable by Asterisk, or leave "
        "PHONEBRIDGE_NAME_SOUNDS_DIR empty",
    )


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


# -- AMI ------------------------------------------------------------------------------------


async def check_ami(host: str, port: int, username: str, secret: str) -> Finding:
    client = AmiClient(host, port, username, secret, events=False, connect_timeout_s=AMI_TIMEOUT_S)
    with _quiet("bridge.ami.client"):  # its retries and refusals are no news here
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
