"""What the bot assumes of python-telegram-bot where PTB keeps the name private: fails when
an upgrade changes it (bot.persistence's conversation types, the offline transport's
timeout defaults)."""

from __future__ import annotations

import inspect

from telegram.ext._utils import types as ptb_types  # the private original, compared only
from telegram.request import BaseRequest

from bot import persistence
from bot.transport.offline import OfflineTransport


def test_conversation_types_are_ptbs() -> None:
    assert persistence.ConversationKey == ptb_types.ConversationKey
    assert persistence.ConversationDict == ptb_types.ConversationDict


def test_the_offline_transport_takes_the_timeouts_baserequest_passes() -> None:
    ours = inspect.signature(OfflineTransport.do_request).parameters
    theirs = inspect.signature(BaseRequest.do_request).parameters
    assert list(ours) == list(theirs)
    for name in ("read_timeout", "write_timeout", "connect_timeout", "pool_timeout"):
        assert theirs[name].default is BaseRequest.DEFAULT_NONE
        assert ours[name].default is BaseRequest.DEFAULT_NONE
