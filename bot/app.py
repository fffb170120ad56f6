"""The composition root: build_application(settings) assembles the bot from its features."""

from __future__ import annotations

import functools
import logging
import os
from typing import Any, cast

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot import menus, scheduling
from bot.access import answer_leftover
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BKMApplication, BKMContext, services_of
from bot.delivery import ratelimit
from bot.features import Registry, discover
from bot.i18n import load_translators
from bot.persistence import SQLitePersistence
from bot.processor import PerPersonUpdateProcessor
from bot.services import Services
from handlers import start as core
from storage.db import Database

log = logging.getLogger(__name__)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]  # what PTB's hooks are typed with

OFFLINE_TOKEN = "123456789:OFFLINE-bkm-bot-no-network"
MAX_CONCURRENT_UPDATES = 256


async def _post_init(application: AnyApplication) -> None:
    services = services_of(application)
    await services.ready()
    try:
        await menus.set_default_menus(
            application.bot, services.registry, services.translators, services.settings.locale
        )
    except TelegramError as exc:
        log.warning("could not set the command menus: %s", exc)
    # what the features start (the delivery engine among them) comes first, so what
    # overdue schedules tell people goes out at start
    for feature in services.registry.features:
        if feature.on_start is not None:
            await feature.on_start(application)
    ran = await scheduling.restore(application)
    if ran:
        log.info("ran %d schedule(s) that fell due while the bot was down", ran)


async def _stop_features(application: AnyApplication) -> None:
    """The features' on_stop, in reverse feature order (the delivery engine among them)."""
    for feature in reversed(services_of(application).registry.features):
        if feature.on_stop is not None:
            await feature.on_stop(application)


async def _post_stop(application: AnyApplication) -> None:
    await _stop_features(application)


async def _post_shutdown(application: AnyApplication) -> None:
    await _stop_features(application)  # again: a shutdown may come without a stop
    await services_of(application).db.close()


def build_application(
    settings: Settings,
    *,
    transport: BaseRequest | None = None,
    clock: Clock | None = None,
    registry: Registry | None = None,
) -> BKMApplication:
    """Build the Application; `transport` replaces Telegram's servers (offline, tests)."""
    # PTB 22 deprecates the number in RetryAfter.retry_after (the engine reads it on a 429):
    # opt in to the timedelta it will become (design.md), before any request is made.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    registry = registry or discover()
    services = Services(
        settings=settings,
        db=Database(settings.database),
        clock=clock or SystemClock(),
        translators=load_translators(settings.timezone),
        registry=registry,
    )
    processor = PerPersonUpdateProcessor(MAX_CONCURRENT_UPDATES)
    builder = (
        Application.builder()
        .application_class(BKMApplication, kwargs={"services": services})
        .token(settings.token or OFFLINE_TOKEN)
        .context_types(ContextTypes(context=BKMContext))
        .concurrent_updates(processor)
        .persistence(SQLitePersistence(services))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if transport is not None:
        builder = builder.request(transport).get_updates_request(transport)
    else:
        # Headroom above the broadcast rate for interactive replies; the delivery engine
        # paces itself at BKM_BROADCAST_RATE and the limiter does not retry its calls.
        # (typed Any: the builder's type changes with its rate limiter's argument type)
        builder = cast(Any, builder).rate_limiter(ratelimit.rate_limiter(settings.broadcast_rate))
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
        if settings.api_file_url:
            builder = builder.base_file_url(settings.api_file_url)
    application = builder.build()
    assert isinstance(application, BKMApplication)
    processor.finished = functools.partial(answer_leftover, application)

    application.add_handler(TypeHandler(object, core.identify), group=-1)
    for feature in registry.features:
        application.add_handlers(list(feature.handlers()), group=0)
    application.add_handlers(core.fallback_handlers(), group=0)
    application.add_error_handler(core.on_error)
    return application
