"""/siaran's and the delivery report's buttons as typed kinds (issue 14): the data the code
before put on its buttons decodes to its kind and is made again the same."""

from __future__ import annotations

from typing import Any

import pytest

from bot.buttons import kind_of
from handlers.broadcasts import buttons

TOKEN = "AbCdEfGhIj-_"
TODAYS_DATA: dict[str, object] = {
    "adm:broadcast": buttons.BROADCAST,
    "sb:list": buttons.LIST,
    "sb:cancel": buttons.CANCEL,
    "sb:a:all": buttons.Audience,
    "sb:a:members": buttons.Audience,
    "sb:a:rw": buttons.Audience,
    "sb:a:topic": buttons.Audience,
    "sb:tp:polling": buttons.Topic,
    "sb:w:now": buttons.When,
    "sb:w:at": buttons.When,
    "sb:w:repeat": buttons.When,
    "sb:r:daily": buttons.Repeat,
    "sb:r:weekly": buttons.Repeat,
    "sb:r:monthly": buttons.Repeat,
    "sb:wd:0": buttons.Weekday,
    "sb:wd:6": buttons.Weekday,
    f"sb:go:{TOKEN}": buttons.Send,
    "sb:x:4": buttons.CancelScheduled,
    "dlv:re:9": buttons.Resend,
}


@pytest.mark.parametrize("data", sorted(TODAYS_DATA))
def test_todays_button_data_decodes_to_its_kind_and_back(data: str) -> None:
    kind = TODAYS_DATA[data]
    assert kind_of(data) is kind
    if isinstance(kind, type):
        typed: Any = kind.unpack(data)
        assert typed is not None and typed.data == data


def test_the_delivery_reports_resend_data_is_the_kinds() -> None:
    # bot/delivery/report.py writes `dlv:re:<message>` itself (bot never imports handlers)
    assert buttons.Resend(9).data == "dlv:re:9"
