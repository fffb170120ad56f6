"""The `bkm-bot` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from telegram.warnings import PTBUserWarning

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

SHELL_DATABASE = Path("bkm-shell.sqlite3")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bkm-bot", description="BKM Bot for a kelurahan.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve Telegram (long polling, or a webhook)")
    run.add_argument("--webhook-url", default=None, help="public HTTPS URL Telegram posts to")
    run.add_argument("--listen", default="0.0.0.0", help="webhook address (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=8443, help="webhook port (default 8443)")

    shell = commands.add_parser("shell", help="chat with the bot in this terminal, offline")
    shell.add_argument("--user-id", type=int, default=None, help="simulated person (default 1)")
    shell.add_argument("--admin", action="store_true", help="make that person a board member")
    shell.add_argument("--demo", action="store_true", help="seed a sample kelurahan")
    shell.add_argument("--database", type=Path, default=None, help=f"default {SHELL_DATABASE}")

    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("migrate", help="apply schema migrations (a backup is taken first)")
    backup = db.add_parser("backup", help="online backup to PATH, integrity-checked")
    backup.add_argument("path", type=Path)
    restore = db.add_parser("restore", help="replace the database with FILE after a check")
    restore.add_argument("file", type=Path)

    budget = commands.add_parser("budget", help="the budget (anggaran)").add_subparsers(
        dest="budget_command", required=True, metavar="ACTION"
    )
    budget_import = budget.add_parser("import", help="import a CSV or XLSX budget file")
    budget_import.add_argument("file", type=Path)

    export = commands.add_parser("export", help="write a CSV export to standard output")
    export.add_argument("kind")

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="ACTION"
    )
    audit.add_parser("verify", help="check the hash chain; exit 1 naming the first break")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Our flows answer buttons by pattern within one chat, which is what per_message=False
    # means; PTB warns about it on every ConversationHandler.
    warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run" and not settings.token:
            raise ConfigError("BKM_BOT_TOKEN is not set: `bkm-bot run` needs the bot's token")
        if args.command == "run" and args.webhook_url and not settings.webhook_secret:
            raise ConfigError("BKM_WEBHOOK_SECRET is not set: --webhook-url needs it")
    except ConfigError as exc:
        print(f"bkm-bot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "run":
        return _run(settings, args)
    if args.command == "shell":
        from bot.shell import run_shell

        database = args.database or SHELL_DATABASE
        return asyncio.run(
            run_shell(
                # the shell never makes (or rotates away) the real daily backups
                replace(settings, database=database, backup_dir=None),
                user_id=args.user_id,
                admin=args.admin,
                demo=args.demo,
            )
        )
    if args.command == "db":
        return _db(settings, args)
    if args.command == "export":
        return _export(settings, args.kind)
    if args.command == "audit":
        return _audit_verify(settings)
    if args.command == "budget":
        from handlers.budget.cli import import_file

        return import_file(settings, args.file)
    return 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application

    application = build_application(settings)
    # run_polling / run_webhook stop cleanly on SIGINT and SIGTERM: in-flight updates
    # finish, then post_shutdown closes the database.
    if args.webhook_url:
        logging.getLogger(__name__).info("starting: webhook on %s:%d", args.listen, args.port)
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            url_path=args.webhook_url.split("://", 1)[-1].partition("/")[2],
            webhook_url=args.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        return 0
    logging.getLogger(__name__).info("starting: long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


def _audit_verify(settings: Settings) -> int:
    from storage import audit, migrate
    from storage.db import connect_sync

    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        report = audit.verify(conn)
    finally:
        conn.close()
    if report.ok:
        print(f"audit chain intact: {report.rows} rows, head {report.head}")
        return 0
    print(f"audit chain BROKEN at row {report.broken_at}: {report.problem}")
    return 1


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage import backup, migrate
    from storage.db import connect_sync

    try:
        if args.db_command == "migrate":
            conn = connect_sync(settings.database)
            try:
                applied = migrate.apply(conn, settings.database)
                version = migrate.current_version(conn)
            finally:
                conn.close()
            names = ", ".join(m.name for m in applied) or "nothing to apply"
            print(f"database {settings.database} at version {version} ({names})")
        elif args.db_command == "backup":
            conn = connect_sync(settings.database)
            try:
                backup.backup_connection(conn, args.path)
            finally:
                conn.close()
            print(f"backup written to {args.path} (integrity check: ok)")
        elif args.db_command == "restore":
            backup.restore(args.file, settings.database)
            print(f"{settings.database} restored from {args.file} (integrity check: ok)")
    except (backup.BackupError, migrate.MigrationError) as exc:
        print(f"bkm-bot: {exc}", file=sys.stderr)
        return 1
    return 0


def _export(settings: Settings, kind: str) -> int:
    from bot.features import discover
    from rules import csv_safe
    from storage import migrate
    from storage.db import connect_sync

    exporters = discover().exports
    exporter = exporters.get(kind)
    if exporter is None:
        known = ", ".join(sorted(exporters)) or "none"
        print(f"bkm-bot: unknown export {kind!r} (available: {known})", file=sys.stderr)
        return 2
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        csv_safe.write(sys.stdout, exporter.header, exporter.rows(conn))
    finally:
        conn.close()
    return 0
