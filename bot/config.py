"""Settings from the environment (and an optional .env), validated once at start."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.i18n import LANGUAGES


class ConfigError(Exception):
    """A setting has a wrong value; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = None
    database: Path = Path("bkm.sqlite3")
    admins: frozenset[int] = frozenset()
    locale: str = "id"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Jakarta"))
    api_base_url: str | None = None
    api_file_url: str | None = None
    broadcast_rate: int = 25
    log_level: str = "INFO"
    flood_limit: tuple[int, int] = (30, 10)
    webhook_secret: str | None = None
    cost_ceiling: int = 5_000_000_000
    endorsement_threshold: int = 20
    grievance_response_days: int = 5
    grievance_resolve_days: int = 14
    grievance_daily_limit: int = 5
    escalation_chat: int | None = None
    misfire_grace_hours: int = 6
    digest: bool = True
    channel: str | None = None
    backup_dir: Path | None = None
    backup_keep: int = 14
    retention_evidence_days: int = 730
    retention_inactive_days: int = 1095


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "yes", "true", "1"):
        return True
    if raw in ("off", "no", "false", "0"):
        return False
    raise ConfigError(f"{name} '{raw}' must be on or off")


def _chat(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise ConfigError(f"{name} '{raw}' is not a numeric Telegram chat id")
    return int(raw)


def _channel(raw: str) -> str | None:
    """A public channel: @username or a numeric chat id."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.lstrip("-").isdigit() or (raw.startswith("@") and len(raw) > 5):
        return raw
    raise ConfigError(f"BKM_CHANNEL '{raw}' is neither @channelname nor a numeric chat id")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} '{raw}' is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name} '{raw}' must be at least {minimum}")
    return value


def _admins(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"BKM_ADMINS '{part}' is not a numeric Telegram user id")
        ids.add(int(part))
    return frozenset(ids)


def _flood(raw: str) -> tuple[int, int]:
    count, _, seconds = raw.partition("/")
    if not (count.strip().isdigit() and seconds.strip().isdigit()):
        raise ConfigError(
            f"BKM_FLOOD_LIMIT '{raw}' is not of the form UPDATES/SECONDS, e.g. 30/10"
        )
    pair = (int(count), int(seconds))
    if pair[0] < 1 or pair[1] < 1:
        raise ConfigError(f"BKM_FLOOD_LIMIT '{raw}' needs numbers of at least 1")
    return pair


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings: the process environment wins over a .env file in the working directory."""
    env: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    zone_name = env.get("BKM_TIMEZONE", "").strip() or "Asia/Jakarta"
    try:
        timezone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BKM_TIMEZONE '{zone_name}' is not a known time zone") from None

    locale = env.get("BKM_LOCALE", "").strip() or "id"
    if locale not in LANGUAGES:
        raise ConfigError(
            f"BKM_LOCALE '{locale}' is not a supported language (use one of: "
            + ", ".join(LANGUAGES)
            + ")"
        )

    log_level = (env.get("BKM_LOG_LEVEL", "").strip() or "INFO").upper()
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError(f"BKM_LOG_LEVEL '{log_level}' is not a logging level")

    base_url = env.get("BKM_API_BASE_URL", "").strip() or None
    file_url = env.get("BKM_API_FILE_URL", "").strip() or None
    for name, url in (("BKM_API_BASE_URL", base_url), ("BKM_API_FILE_URL", file_url)):
        if url is not None and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{name} '{url}' is not an http(s) URL")
    if base_url and not file_url:
        # PTB appends the token to both; a self-hosted server serves files under /file/bot.
        file_url = base_url.rstrip("/").removesuffix("/bot") + "/file/bot"

    return Settings(
        token=env.get("BKM_BOT_TOKEN", "").strip() or None,
        database=Path(env.get("BKM_DATABASE", "").strip() or "bkm.sqlite3"),
        admins=_admins(env.get("BKM_ADMINS", "")),
        locale=locale,
        timezone=timezone,
        api_base_url=base_url,
        api_file_url=file_url,
        broadcast_rate=_int(env, "BKM_BROADCAST_RATE", 25),
        log_level=log_level,
        flood_limit=_flood(env.get("BKM_FLOOD_LIMIT", "").strip() or "30/10"),
        webhook_secret=env.get("BKM_WEBHOOK_SECRET", "").strip() or None,
        cost_ceiling=_int(env, "BKM_COST_CEILING", 5_000_000_000),
        endorsement_threshold=_int(env, "BKM_ENDORSEMENT_THRESHOLD", 20),
        grievance_response_days=_int(env, "BKM_GRIEVANCE_RESPONSE_DAYS", 5),
        grievance_resolve_days=_int(env, "BKM_GRIEVANCE_RESOLVE_DAYS", 14),
        grievance_daily_limit=_int(env, "BKM_GRIEVANCE_DAILY_LIMIT", 5),
        escalation_chat=_chat(env, "BKM_ESCALATION_CHAT"),
        misfire_grace_hours=_int(env, "BKM_MISFIRE_GRACE_HOURS", 6, minimum=0),
        digest=_switch(env, "BKM_DIGEST", True),
        channel=_channel(env.get("BKM_CHANNEL", "")),
        backup_dir=Path(raw_backup)
        if (raw_backup := env.get("BKM_BACKUP_DIR", "").strip())
        else None,
        backup_keep=_int(env, "BKM_BACKUP_KEEP", 14),
        retention_evidence_days=_int(env, "BKM_RETENTION_EVIDENCE_DAYS", 730),
        retention_inactive_days=_int(env, "BKM_RETENTION_INACTIVE_DAYS", 1095),
    )
