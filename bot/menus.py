"""The command menus Telegram shows: per language by default, per chat where it differs."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.features import Registry
from bot.i18n import LANGUAGES, Translator, pick_language
from storage.people import Person, Role


def commands(registry: Registry, role: Role, tr: Translator) -> list[BotCommand]:
    return [
        BotCommand(c.name(tr.language), tr._(c.description)) for c in registry.commands_for(role)
    ]


async def set_default_menus(
    bot: Bot, registry: Registry, translators: dict[str, Translator], default_language: str
) -> None:
    """Resident commands per language_code, and the default language for everyone else."""
    for language in LANGUAGES:
        cmds = commands(registry, Role.RESIDENT, translators[language])
        await bot.set_my_commands(cmds, scope=BotCommandScopeDefault(), language_code=language)
    await bot.set_my_commands(
        commands(registry, Role.RESIDENT, translators[default_language]),
        scope=BotCommandScopeDefault(),
    )


def wanted_menu(person: Person, default_language: str) -> str | None:
    """The per-chat menu this person needs ('pengurus:en'), or None when the default fits."""
    client = pick_language(person.client_language, default_language)
    if person.is_board or person.language != client:
        return f"{person.role.value}:{person.language}"
    return None


async def sync_person_menu(
    bot: Bot, registry: Registry, person: Person, tr: Translator, default_language: str
) -> str | None:
    """Set or remove this person's per-chat menu; returns the key now in place."""
    wanted = wanted_menu(person, default_language)
    if person.telegram_id is None:
        return person.menu_key
    scope = BotCommandScopeChat(person.telegram_id)
    if wanted is None:
        await bot.delete_my_commands(scope=scope)
    else:
        await bot.set_my_commands(commands(registry, person.role, tr), scope=scope)
    return wanted
