"""The buttons of /admin › Hide public content."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import Button

HIDE = buttons.admin("hide")


@dataclass(frozen=True)
class ContentKind(Button, prefix="mod:k"):
    object_type: str  # a registered Moderatable's type
