"""Configuration: defaults, .env, and one clear line with exit status 2 for a wrong value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.support.cli import run_cli


def test_defaults_follow_the_design() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database == Path("bkm.sqlite3")
    assert settings.locale == "id"
    assert settings.timezone.key == "Asia/Jakarta"
    assert settings.admins == frozenset()
    assert settings.broadcast_rate == 25
    assert settings.flood_limit == (30, 10)


def test_admins_are_parsed_with_spaces_and_empty_parts() -> None:
    settings = load_settings({"BKM_ADMINS": " 11, 22,,33 "}, env_file=None)
    assert settings.admins == frozenset({11, 22, 33})


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BKM_LOCALE=en\nBKM_DATABASE=from-file.sqlite3\n")
    settings = load_settings({"BKM_DATABASE": "from-env.sqlite3"}, env_file=env_file)
    assert settings.locale == "en"
    assert settings.database == Path("from-env.sqlite3")


def test_file_url_is_derived_from_a_self_hosted_base_url() -> None:
    settings = load_settings({"BKM_API_BASE_URL": "http://127.0.0.1:8081/bot"}, env_file=None)
    assert settings.api_file_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BKM_TIMEZONE", "Asia/Jakrta", "BKM_TIMEZONE 'Asia/Jakrta' is not a known time zone"),
        ("BKM_ADMINS", "12,abc", "BKM_ADMINS 'abc' is not a numeric Telegram user id"),
        ("BKM_LOCALE", "fr", "BKM_LOCALE 'fr'"),
        ("BKM_BROADCAST_RATE", "fast", "BKM_BROADCAST_RATE 'fast'"),
        ("BKM_FLOOD_LIMIT", "30", "BKM_FLOOD_LIMIT '30'"),
        ("BKM_LOG_LEVEL", "LOUD", "BKM_LOG_LEVEL 'LOUD'"),
    ],
)
def test_a_wrong_value_names_the_variable(variable: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError, match="^" + named.replace("(", r"\(")):
        load_settings({variable: value}, env_file=None)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["run"], {}, "BKM_BOT_TOKEN"),
        (["shell"], {"BKM_TIMEZONE": "Mars/Olympus"}, "BKM_TIMEZONE"),
        (["shell"], {"BKM_ADMINS": "x1"}, "BKM_ADMINS"),
        (["shell"], {"BKM_LOCALE": "jv"}, "BKM_LOCALE"),
    ],
)
def test_cli_stops_with_one_line_and_status_2(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run_cli(args, tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
