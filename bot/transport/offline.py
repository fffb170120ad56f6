"""The in-process transport: a telegram.request.BaseRequest answered by a FakeBotAPI."""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.transport.fake_api import FakeBotAPI


class OfflineTransport(BaseRequest):
    """Every API call the bot makes comes out as data on `api`; nothing leaves the process."""

    def __init__(self, api: FakeBotAPI | None = None) -> None:
        self.api = api or FakeBotAPI()

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # the timeouts are not used here: typed `object`, wider than BaseRequest's (private) type
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download: File.download_to_memory and friends
            content = self.api.download(url.split("/file/bot", 1)[1].split("/", 1)[-1])
            return (404, b"Not Found") if content is None else (200, content)
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            self.api.record_uploads(api_method, request_data.multipart_data)
        status, body = self.api.handle(api_method, params)
        return status, json.dumps(body).encode()
