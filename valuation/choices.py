"""Enumerations of the valuation app, and the normalization of commodity names and units."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from collateral.identifiers import normalize_text


class ValuationMethod(models.TextChoices):
    """How a value was arrived at."""

    APPRAISAL = "appraisal", _("Appraisal")
    MARKET_PRICE = "market_price", _("Market price")
    BOOK_VALUE = "book_value", _("Book value")
    # written by mark-to-market from the organization's commodity prices
    COMMODITY_INDEX = "commodity_index", _("Commodity index")


class Unit(models.TextChoices):
    """Units a commodity price may be quoted in. Prices are never converted between them."""

    TONNE = "t", _("tonne")
    KILOGRAM = "kg", _("kilogram")
    GRAM = "g", _("gram")
    POUND = "lb", _("pound")
    TROY_OUNCE = "ozt", _("troy ounce")
    CUBIC_METRE = "m3", _("cubic metre")
    LITRE = "l", _("litre")
    BARREL = "bbl", _("barrel")
    SQUARE_METRE = "m2", _("square metre")
    HEAD = "head", _("head (animal)")
    PIECE = "piece", _("piece")
    BALE = "bale", _("bale")


# Other spellings of the same unit (after NFKC and lower-casing). Naming, not conversion:
# "吨" and "tonne" are the tonne; a kilogram price is never applied to a tonne receipt.
UNIT_ALIASES: dict[str, str] = {
    "ton": Unit.TONNE,
    "tons": Unit.TONNE,
    "tonne": Unit.TONNE,
    "tonnes": Unit.TONNE,
    "mt": Unit.TONNE,
    "吨": Unit.TONNE,
    "kgs": Unit.KILOGRAM,
    "千克": Unit.KILOGRAM,
    "公斤": Unit.KILOGRAM,
    "克": Unit.GRAM,
    "lbs": Unit.POUND,
    "oz t": Unit.TROY_OUNCE,
    "troy oz": Unit.TROY_OUNCE,
    "盎司": Unit.TROY_OUNCE,
    "m^3": Unit.CUBIC_METRE,
    "立方米": Unit.CUBIC_METRE,
    "方": Unit.CUBIC_METRE,
    "litre": Unit.LITRE,
    "liter": Unit.LITRE,
    "升": Unit.LITRE,
    "barrel": Unit.BARREL,
    "barrels": Unit.BARREL,
    "桶": Unit.BARREL,
    "m^2": Unit.SQUARE_METRE,
    "平方米": Unit.SQUARE_METRE,
    "头": Unit.HEAD,
    "pcs": Unit.PIECE,
    "pc": Unit.PIECE,
    "件": Unit.PIECE,
    "包": Unit.BALE,
}


def normalize_unit(value: str | None) -> str:
    """The unit code for ``value`` (NFKC, trimmed, lower-case, aliases folded).

    A unit that is not known comes back normalized but otherwise unchanged, so a receipt
    in an unknown unit simply matches no price.
    """
    text = normalize_text(value or "").lower()
    return str(UNIT_ALIASES.get(text, text))


def normalize_commodity(value: str | None) -> str:
    """A commodity name as prices and receipts are matched on: NFKC, trimmed, lower-case."""
    return normalize_text(value or "").lower()


class StaleReasonCode(models.TextChoices):
    """Why a valuation needs attention (``stale_valuation`` alerts)."""

    MISSING = "missing", _("No valuation")
    OUTDATED = "outdated", _("Valuation outdated")
