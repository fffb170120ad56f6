"""Rupiah amounts as people type them: one parser for proposals, grievances and the budget.

"Rp 1.500.000", "1.500.000,00", "1500000", "1,5 juta", "1.5jt", "750rb", "2 M" (miliar in
Indonesian), and in English "1,500,000", "2m" / "2 million" (a million) and "2bn".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from rules.messages import N_
from rules.validate import Invalid, Rupiah

THOUSAND, MILLION, BILLION, TRILLION = 10**3, 10**6, 10**9, 10**12

# Words for a multiplier, in any language a person may mix in.
_UNITS = {
    "rb": THOUSAND,
    "rbu": THOUSAND,
    "ribu": THOUSAND,
    "k": THOUSAND,
    "rb.": THOUSAND,
    "thousand": THOUSAND,
    "jt": MILLION,
    "jt.": MILLION,
    "juta": MILLION,
    "mn": MILLION,
    "mio": MILLION,
    "million": MILLION,
    "millions": MILLION,
    "miliar": BILLION,
    "milyar": BILLION,
    "myr": BILLION,
    "bn": BILLION,
    "billion": BILLION,
    "triliun": TRILLION,
    "trilyun": TRILLION,
    "trillion": TRILLION,
}
# "M" is miliar (10^9) in Indonesian and million in English; "b" is a billion in English.
_BY_LANGUAGE = {"id": {"m": BILLION}, "en": {"m": MILLION, "b": BILLION}}

_SHAPE = re.compile(r"^(?P<number>\d[\d.,]*)(?P<unit>[^\d.,]*)$")
_CURRENCY = re.compile(r"^(rp\.?|idr)|(rp\.?|idr|rupiah)$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().strip()
    text = text.replace("\u2212", "-")  # a minus sign, as some keyboards type it
    # Spaces of any kind (Babel puts a no-break space after "Rp") carry no meaning here.
    return "".join(ch for ch in text if not ch.isspace() and ch != "\u200b")


def _decimal(number: str) -> Decimal:
    """Digits with '.' and ',' as people write them, thousands or decimal, either language."""
    if "." in number and "," in number:
        decimal_mark = "." if number.rfind(".") > number.rfind(",") else ","
        grouping = "," if decimal_mark == "." else "."
        whole, _, fraction = number.rpartition(decimal_mark)
        groups = whole.split(grouping)
        if not _grouped(groups) or not fraction.isdigit():
            raise InvalidOperation
        return Decimal("".join(groups) + "." + fraction)
    for mark in (".", ","):
        if mark in number:
            parts = number.split(mark)
            if len(parts) > 2 or len(parts[-1]) == 3:
                # "1.500.000", "1,500" and "1.500": grouping of thousands
                if not _grouped(parts):
                    raise InvalidOperation
                return Decimal("".join(parts))
            if not all(part.isdigit() for part in parts):
                raise InvalidOperation
            return Decimal(parts[0] + "." + parts[1])  # "1,5", "1.25", "2,00"
    return Decimal(number)


def _grouped(groups: list[str]) -> bool:
    return (
        all(group.isdigit() for group in groups)
        and 1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
    )


def parse_amount(text: str, language: str = "id", ceiling: int | None = None) -> int:
    """Whole rupiah from a typed amount, or Invalid saying why (in the person's language)."""
    value = _normalise(text)
    value = _CURRENCY.sub("", value)
    value = _CURRENCY.sub("", value)  # "Rp 5 juta rupiah"
    value = value.removesuffix(",-").removesuffix(".-")  # "Rp 1.500.000,-" as on receipts
    if value.startswith(("-", "(")):
        raise Invalid(N_("An amount cannot be negative."))
    if not value:
        raise Invalid(N_("Please write an amount, for example 1.500.000, 1,5 juta or 750 ribu."))
    shape = _SHAPE.match(value)
    if shape is None:
        raise Invalid(
            N_("I could not read that amount. Write it like 1.500.000, 1,5 juta or 750 ribu.")
        )
    unit_text = shape["unit"].rstrip(".")
    units = {**_UNITS, **_BY_LANGUAGE.get(language, _BY_LANGUAGE["id"])}
    if unit_text and unit_text not in units:
        raise Invalid(
            N_("I could not read that amount. Write it like 1.500.000, 1,5 juta or 750 ribu.")
        )
    try:
        number = _decimal(shape["number"].rstrip(".,"))
    except InvalidOperation:
        raise Invalid(
            N_("I could not read that amount. Write it like 1.500.000, 1,5 juta or 750 ribu.")
        ) from None
    amount = number * units.get(unit_text, 1)
    if amount != amount.to_integral_value():
        raise Invalid(N_("Amounts are in whole rupiah, without sen."))
    rupiah = int(amount)
    if rupiah == 0:
        raise Invalid(N_("The amount must be more than zero."))
    if ceiling is not None and rupiah > ceiling:
        raise Invalid(
            N_("That is more than the largest amount accepted, {ceiling}."),
            ceiling=Rupiah(ceiling),
        )
    return rupiah
