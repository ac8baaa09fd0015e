"""`phonebridge doctor`: is everything PhoneBridge needs in place? `serve` runs the same checks
before it starts: each problem is one line that says how to fix it, and the fatal ones (no
database, a schema `serve` will not upgrade, credentials the provider refuses) stop the start.

What is checked here: the database is reachable and migrated; the recordings folder for
spoken names is writable (and the speech extra installed); the folder for spoken callee names
is writable. Then the call provider's own checks (``Provider.health``: for Asterisk, the
prompts where Asterisk looks and the AMI login)."""

from __future__ import annotations

import asyncio
import importlib.util
import tempfile
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlalchemy.engine.url import make_url

from bridge.provider import Finding, ok, quiet
from phonebook.store.engine import is_sqlite, make_engine
from phonebook.store.migrate import alembic_config
from phonebridge import providers
from phonebridge.settings import Settings

DB_TIMEOUT_S = 5.0

__all__ = ["Finding", "check", "check_database", "check_name_sounds", "check_recordings", "ok"]


async def check(settings: Settings) -> list[Finding]:
    """Every check that applies to ``settings``, in a fixed order."""
    findings = [await check_database(settings.database_url, will_migrate=settings.auto_migrate)]
    if settings.speech_recordings_dir:
        findings.append(check_recordings(Path(settings.speech_recordings_dir)))
    if settings.name_sounds_dir:
        findings.append(check_name_sounds(Path(settings.name_sounds_dir)))
    findings += await providers.build(settings).health()
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
    with quiet("alembic.runtime.migration"):  # "Context impl …" is no news here
        return tuple(MigrationContext.configure(conn).get_current_heads())


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
