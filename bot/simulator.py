"""Drive the real Application offline: people send messages and press buttons, replies come back.

Used by `bkm-bot shell` and by the tests. Updates go in through `update_queue`, so the
per-person update processor runs exactly as in production.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

from telegram import Update

from bot.app import BKMApplication
from bot.delivery import engine
from bot.processor import PerPersonUpdateProcessor
from bot.transport.fake_api import ApiCall, FakeBotAPI

GROUP_CHAT_ID = -1001234567890


class NoSuchButton(LookupError):
    """The person tried to press a button that is not on their screen."""


class Simulator:
    def __init__(self, application: BKMApplication, api: FakeBotAPI) -> None:
        self.application = application
        self.api = api
        self.submitted = 0
        self.names: dict[int, str] = {}
        self.languages: dict[int, str | None] = {}

    @property
    def processor(self) -> PerPersonUpdateProcessor:
        processor = self.application.update_processor
        assert isinstance(processor, PerPersonUpdateProcessor)
        return processor

    async def submit(self, update_json: dict[str, Any]) -> None:
        """Queue one update without waiting for it."""
        update = Update.de_json(update_json, self.application.bot)
        self.submitted += 1
        await self.application.update_queue.put(update)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every submitted update has been handled and the delivery engine has
        sent every notification and broadcast that is due now."""
        await self.processor.wait_processed(self.submitted, timeout)
        await engine.drain(self.application, timeout)

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the delivery engine has sent everything due now."""
        await engine.drain(self.application, timeout)

    def _who(self, user_id: int, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("first_name", self.names.get(user_id, f"Warga {user_id}"))
        kwargs.setdefault("language_code", self.languages.get(user_id, "id"))
        return kwargs

    async def send(
        self, user_id: int, text: str, *, group: bool = False, **kwargs: Any
    ) -> list[ApiCall]:
        """A person sends a message (in their private chat, or in the group); returns the calls."""
        before = len(self.api.calls)
        if group:
            kwargs.update(chat_id=GROUP_CHAT_ID, chat_type="supergroup")
        await self.submit(self.api.message_update(user_id, text, **self._who(user_id, **kwargs)))
        await self.settle()
        return self.api.calls[before:]

    async def send_raw(self, user_id: int, extra: dict[str, Any]) -> list[ApiCall]:
        """A non-text message (a location, a photo) given as Bot API message fields."""
        before = len(self.api.calls)
        await self.submit(
            self.api.message_update(user_id, None, extra=extra, **self._who(user_id))
        )
        await self.settle()
        return self.api.calls[before:]

    async def send_photo(self, user_id: int, caption: str | None = None) -> list[ApiCall]:
        """A person sends a photo (Telegram gives the bot several sizes of it)."""
        file = self.api.add_file(b"\xff\xd8 a photo", "photo.jpg")
        sizes = [
            {**file, "width": 90, "height": 90},
            {**file, "width": 1280, "height": 960},
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return await self.send_raw(user_id, extra)

    async def send_location(
        self, user_id: int, latitude: float = -6.2, longitude: float = 106.8
    ) -> list[ApiCall]:
        return await self.send_raw(
            user_id, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    async def send_document(
        self, user_id: int, filename: str, content: bytes, mime_type: str | None = None
    ) -> list[ApiCall]:
        """A person sends a file; the bot can download it through getFile."""
        document = self.api.add_file(content, filename)
        if mime_type:
            document["mime_type"] = mime_type
        return await self.send_raw(user_id, {"document": document})

    async def send_voice(self, user_id: int, seconds: int = 5) -> list[ApiCall]:
        voice = {**self.api.add_file(b"OggS voice", "voice.ogg"), "duration": seconds}
        voice.pop("file_name")
        return await self.send_raw(user_id, {"voice": voice})

    async def send_video(self, user_id: int, seconds: int = 5) -> list[ApiCall]:
        video = self.api.add_file(b"\x00\x00\x00 ftyp video", "video.mp4")
        video.update(width=640, height=480, duration=seconds)
        return await self.send_raw(user_id, {"video": video})

    def buttons(self, user_id: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        found = self.api.last_buttons(chat_id if chat_id is not None else user_id)
        return [] if found is None else found[1]

    async def press(
        self, user_id: int, choice: str | int, *, chat_id: int | None = None
    ) -> list[ApiCall]:
        """Press a button on the newest message with buttons: by its label or 1-based number."""
        chat = chat_id if chat_id is not None else user_id
        found = self.api.last_buttons(chat)
        if found is None:
            raise NoSuchButton("no buttons on screen")
        message_id, buttons = found
        if isinstance(choice, int):
            if not 1 <= choice <= len(buttons):
                raise NoSuchButton(f"there is no button {choice}")
            button = buttons[choice - 1]
        else:
            matching = [b for b in buttons if b.get("text") == choice]
            if not matching:
                labels = ", ".join(str(b.get("text")) for b in buttons)
                raise NoSuchButton(f"no button {choice!r} (there are: {labels})")
            button = matching[0]
        if "url" in button:
            payload = parse_qs(urlparse(button["url"]).query).get("start")
            if payload:  # a deep link: the person lands in the private chat with /start
                return await self.send(user_id, f"/start {payload[0]}")
            raise NoSuchButton("that button opens a web page")
        return await self.press_data(user_id, str(button["callback_data"]), message_id, chat)

    async def press_data(
        self, user_id: int, data: str, message_id: int, chat_id: int | None = None
    ) -> list[ApiCall]:
        """Send any callback_data, as a forged or stale press would."""
        before = len(self.api.calls)
        chat = chat_id if chat_id is not None else user_id
        who = self._who(user_id)
        await self.submit(self.api.callback_update(user_id, chat, message_id, data, **who))
        await self.settle()
        return self.api.calls[before:]


async def start_application(application: BKMApplication) -> None:
    """What run_polling does before polling, without polling."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()


async def stop_application(application: BKMApplication) -> None:
    if application.running:
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


@contextlib.asynccontextmanager
async def running(application: BKMApplication) -> AsyncIterator[BKMApplication]:
    await start_application(application)
    try:
        yield application
    finally:
        await stop_application(application)
