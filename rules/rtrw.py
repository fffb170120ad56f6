"""The shared RT/RW parser: "RT 3 RW 5", "03/05", "rt03 rw05", "RT.003/RW.005"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABELLED = re.compile(
    r"^\s*rt\s*[.:]?\s*0*(\d{1,3})\s*(?:[/,;-]\s*|\s*)rw\s*[.:]?\s*0*(\d{1,3})\s*$",
    re.IGNORECASE | re.ASCII,
)
_BARE = re.compile(r"^\s*0*(\d{1,3})\s*/\s*0*(\d{1,3})\s*$", re.ASCII)


@dataclass(frozen=True, order=True)
class RtRw:
    rt: int
    rw: int

    def __str__(self) -> str:
        return f"RT {self.rt:02d}/RW {self.rw:02d}"


def parse_rtrw(text: str) -> RtRw | None:
    """Parse an RT/RW written the ways residents write it; None when it is not one."""
    if len(text) > 40:
        return None
    match = _LABELLED.match(text) or _BARE.match(text)
    if match is None:
        return None
    rt, rw = int(match.group(1)), int(match.group(2))
    if not (1 <= rt <= 999 and 1 <= rw <= 999):
        return None
    return RtRw(rt, rw)
