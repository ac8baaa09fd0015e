"""`phonebridge` — serve, migrate, seed a demo, and operator commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bridge import prompts
from phonebook.errors import PhonebookError
from phonebridge import demo, doctor, lifecycle, logs
from phonebridge.runtime import Runtime
from phonebridge.settings import Settings


async def _doctor(settings: Settings) -> int:
    findings = await doctor.check(settings)
    for finding in findings:
        mark = "ok  " if finding.ok else ("FAIL" if finding.fatal else "WARN")
        print(f"{mark}  {finding.line()}")
    return 1 if any(f.fatal for f in findings) else 0


async def _db_upgrade(runtime: Runtime) -> None:
    await runtime.migrate()
    await runtime.close()
    print("database is at the latest revision")


async def _demo(runtime: Runtime) -> None:
    await runtime.migrate()
    try:
        people = await demo.seed(runtime.phonebook)
    finally:
        await runtime.close()
    if not people:
        print("the demo phonebook is already there")
        return
    print(f"demo phonebook seeded; every password is {demo.PASSWORD!r}")
    for name, phone in people:
        print(f"  {name:<14} {phone}")
    print("try: sign in as Alice (+12025550101) and look up 'bob', 'zhang wei' or keys 94264")


async def _verify(runtime: Runtime, phone: str) -> None:
    await runtime.migrate() if runtime.settings.auto_migrate else None
    try:
        await runtime.phonebook.accounts.verify_phone(phone)
    finally:
        await runtime.close()
    print("verified")


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phonebridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API and the call provider (FastAGI, …)")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    sub.add_parser("agi", help="run the call provider's listeners alone (FastAGI; no HTTP API)")
    sub.add_parser("doctor", help="check the database, folders and the call provider")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("demo", help="seed a small phonebook to try")
    prompts_cmd = sub.add_parser("prompts", help="sound files for Asterisk")
    prompts_sub = prompts_cmd.add_subparsers(dest="action", required=True)
    build = prompts_sub.add_parser("build", help="speak every fixed prompt into a folder")
    build.add_argument("folder", type=Path, help="e.g. /var/lib/asterisk/sounds/en/phonebridge")
    build.add_argument(
        "--language",
        choices=sorted(prompts.WORDS_BY_LANGUAGE),
        default="en",
        help="whose words: en, or zh (Mandarin, espeak-ng's cmn voice)",
    )
    build.add_argument("--voice", default=None, help="espeak-ng voice (default: the language's)")
    accounts = sub.add_parser("accounts", help="operator commands on accounts")
    accounts_sub = accounts.add_subparsers(dest="action", required=True)
    verify = accounts_sub.add_parser("verify", help="mark a phone number verified")
    verify.add_argument("phone")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"phonebridge: bad settings: {exc}", file=sys.stderr)
        return 2
    args = _parser(settings).parse_args(argv)
    logs.configure(settings.log_level)
    if args.command == "prompts":
        try:
            written = asyncio.run(
                prompts.build(args.folder, language=args.language, voice=args.voice)
            )
        except prompts.SpeechToolsMissing as exc:
            print(f"phonebridge: {exc}", file=sys.stderr)
            return 1
        print(f"{len(written)} files in {args.folder}")
        return 0
    if args.command == "doctor":
        return asyncio.run(_doctor(settings))
    runtime = Runtime.build(settings)
    try:
        if args.command == "serve":
            asyncio.run(lifecycle.serve(runtime, args.host, args.port))
        elif args.command == "agi":
            asyncio.run(lifecycle.serve(runtime, "", 0, http=False))
        elif args.command == "db":
            asyncio.run(_db_upgrade(runtime))
        elif args.command == "demo":
            asyncio.run(_demo(runtime))
        elif args.command == "accounts":
            asyncio.run(_verify(runtime, args.phone))
    except PhonebookError as exc:
        print(f"phonebridge: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except lifecycle.CannotStart as exc:
        print(f"phonebridge: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
