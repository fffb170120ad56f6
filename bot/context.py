"""The typed CallbackContext every handler receives."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.services import Services
from storage.db import Database
from storage.people import Person

SERVICES_KEY = "services"


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services: Services = application.bot_data[SERVICES_KEY]
    return services


class BKMContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """context.db, context.tr, context.person instead of dictionary lookups."""

    _person: Person | None = None
    answered: bool = False  # whether this update's button press was answered (bot.access)
    asking: str | None = None  # the flow whose step this update saved (its question follows)

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def person(self) -> Person:
        """The person behind this update (recorded by the identify handler, group -1)."""
        if self._person is None:
            raise RuntimeError("no person for this update")
        return self._person

    @person.setter
    def person(self, value: Person) -> None:
        self._person = value

    @property
    def has_person(self) -> bool:
        return self._person is not None

    @property
    def tr(self) -> Translator:
        """Texts in the person's language (the default language when there is no person)."""
        return self.services.tr(self._person.language if self._person else None)
