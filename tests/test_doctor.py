"""`phonebridge doctor`, check by check: each problem one line with its fix, the fatal ones
marked fatal. The database checks run on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge import prompts
from bridge.asterisk import health
from phonebook.store.migrate import upgrade
from phonebridge import doctor
from phonebridge.settings import Settings
from tests.conftest import BACKENDS

SPEECH = importlib.util.find_spec("pocketsphinx") is not None


# -- database -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_migrated_database_is_fine(migrated_urls: dict[str, str], backend: str) -> None:
    if backend not in migrated_urls:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    finding = await doctor.check_database(migrated_urls[backend], will_migrate=False)
    assert finding.ok and "(the latest)" in finding.line()


async def test_an_unreachable_database_is_fatal_and_hides_the_password() -> None:
    url = "postgresql+asyncpg://bridge:hunter2@127.0.0.1:1/phonebridge"
    finding = await doctor.check_database(url, will_migrate=True)
    assert finding.fatal
    assert "cannot reach postgresql+asyncpg://bridge:***@127.0.0.1:1/phonebridge" in finding.line()
    assert "hunter2" not in finding.line() and "\n" not in finding.line()
    assert "PHONEBRIDGE_DATABASE_URL" in finding.fix


async def test_an_old_schema_is_fatal_unless_serve_upgrades_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0003")
    stale = await doctor.check_database(url, will_migrate=False)
    assert stale.fatal and "has schema 0003" in stale.problem
    assert "phonebridge db upgrade" in stale.fix
    upgrading = await doctor.check_database(url, will_migrate=True)
    assert upgrading.ok and "schema at 0003: serve upgrades it" in upgrading.detail


async def test_a_schema_from_a_newer_version_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    finding = await doctor.check_database(f"sqlite+aiosqlite:///{path}", will_migrate=True)
    assert finding.fatal and "0999" in finding.problem and "newer version" in finding.problem


async def test_no_sqlite_file_yet(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    assert (await doctor.check_database(url, will_migrate=True)).ok
    assert (await doctor.check_database(url, will_migrate=False)).fatal
    assert not (tmp_path / "new.db").exists()  # the check creates nothing
    nowhere = f"sqlite+aiosqlite:///{tmp_path / 'a-file' / 'x.db'}"
    (tmp_path / "a-file").write_text("not a folder")
    finding = await doctor.check_database(nowhere, will_migrate=True)
    assert finding.fatal and "not writable" in finding.problem


# -- folders --------------------------------------------------------------------------------


@pytest.mark.skipif(not SPEECH, reason="the speech extra is not installed")
def test_the_recordings_folder_must_exist_and_be_writable(tmp_path: Path) -> None:
    assert doctor.check_recordings(tmp_path).ok
    missing = doctor.check_recordings(tmp_path / "missing")
    assert not missing.ok and not missing.fatal and "does not exist" in missing.problem
    assert "chmod 2770" in missing.fix
    (tmp_path / "file").write_text("")
    assert not doctor.check_recordings(tmp_path / "file").ok
    assert not list(tmp_path.glob(".pb-doctor-*"))  # the probe file is gone


def test_spoken_names_folder(tmp_path: Path) -> None:
    assert doctor.check_name_sounds(tmp_path / "names" / "not-yet").ok  # made on first use
    (tmp_path / "file").write_text("")
    blocked = doctor.check_name_sounds(tmp_path / "file" / "names")
    assert not blocked.ok and "spelled instead" in blocked.problem


def test_prompts_and_core_sounds(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    english = sorted(prompts.words("en"))
    (sounds / "en" / "phonebridge").mkdir(parents=True)
    for prompt_id in english[:-2]:  # all but two
        (sounds / "en" / "phonebridge" / f"{prompt_id}.ulaw").write_bytes(b"\xff")
    problems = [f for f in health.check_sounds(sounds, "phonebridge") if not f.ok]
    assert len(problems) == 3
    en, zh, core = (
        next(f for f in problems if f"in {sounds / 'en' / 'phonebridge'} " in f.problem),
        next(f for f in problems if f"in {sounds / 'zh' / 'phonebridge'} " in f.problem),
        next(f for f in problems if "core English sounds" in f.problem),
    )
    assert en.problem.startswith(f"2 of {len(english)} prompts missing in")
    assert en.fix == f"phonebridge prompts build {sounds / 'en' / 'phonebridge'}"
    assert zh.fix == f"phonebridge prompts build {sounds / 'zh' / 'phonebridge'} --language zh"
    assert "beep, digits/1, letters/a" in core.problem and "asterisk-core-sounds-en" in core.fix
    for prompt_id in english[-2:]:  # any format Asterisk reads
        (sounds / "en" / "phonebridge" / f"{prompt_id}.sln").write_bytes(b"\0\0")
    (sounds / "zh").mkdir()
    (sounds / "zh" / "phonebridge").symlink_to(sounds / "en" / "phonebridge")
    (sounds / "en" / "digits").mkdir()
    (sounds / "en" / "digits" / "1.gsm").write_bytes(b"\0")
    (sounds / "letters").mkdir()  # outside en/: Asterisk looks there too
    (sounds / "letters" / "a.wav").write_bytes(b"\0")
    (sounds / "en" / "beep.alaw").write_bytes(b"\0")
    (sounds / "en" / "phonebridge" / "pb-notes.txt").write_text("not a sound")
    assert all(f.ok for f in health.check_sounds(sounds, "phonebridge"))
    wrong = health.check_sounds(tmp_path / "nowhere", "phonebridge")
    assert len(wrong) == 1 and "PHONEBRIDGE_ASTERISK_SOUNDS_DIR" in wrong[0].problem


# -- AMI ------------------------------------------------------------------------------------


class Manager:
    """Just enough of Asterisk's manager to accept or refuse a login."""

    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        try:
            while True:
                action = await reader.readuntil(b"\r\n\r\n")
                action_id = action.split(b"ActionID: ")[1].split(b"\r\n")[0]
                if action.startswith(b"Action: Login") and not self.accept:
                    writer.write(b"Response: Error\r\nActionID: " + action_id)
                    writer.write(b"\r\nMessage: Authentication failed\r\n\r\n")
                elif action.startswith(b"Action: Logoff"):
                    writer.write(b"Response: Goodbye\r\nActionID: " + action_id + b"\r\n\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"Response: Success\r\nActionID: " + action_id + b"\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture
async def manager() -> AsyncIterator[list[Manager]]:
    made: list[Manager] = []
    yield made
    for m in made:
        if m.server is not None:
            m.server.close()


async def test_ami_login(manager: list[Manager]) -> None:
    accepting, refusing = Manager(True), Manager(False)
    manager += [accepting, refusing]
    fine = await health.check_ami("127.0.0.1", await accepting.start(), "phonebridge", "s3cret")
    assert fine.ok and "logged in" in fine.detail
    refused = await health.check_ami("127.0.0.1", await refusing.start(), "phonebridge", "wrong")
    assert refused.fatal and "refused the AMI login of 'phonebridge'" in refused.problem
    assert "PHONEBRIDGE_AMI_SECRET" in refused.fix and "wrong" not in refused.line()


async def test_no_ami_is_a_warning_not_fatal() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        finding = await health.check_ami("127.0.0.1", port, "phonebridge", "s3cret")
    assert not finding.ok and not finding.fatal and "is Asterisk running?" in finding.problem


# -- all together ---------------------------------------------------------------------------


async def test_check_runs_what_the_settings_ask_for(
    tmp_path: Path, migrated_urls: dict[str, str]
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=migrated_urls["sqlite"],
        speech_recordings_dir=str(tmp_path),
        asterisk_sounds_dir=str(tmp_path / "sounds"),
    )
    findings = await doctor.check(settings)
    assert [f.check for f in findings] == ["database", "speech", "prompts"]
    plain = Settings(_env_file=None, database_url=migrated_urls["sqlite"])  # type: ignore[call-arg]
    assert [f.check for f in await doctor.check(plain)] == ["database"]
