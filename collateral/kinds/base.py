"""What every collateral kind provides, and the registry of kinds.

A kind is one module under ``collateral/kinds/`` that defines a :class:`CollateralKind`
subclass and registers it with :func:`register`. Nothing else in the codebase names a kind:
serializers, services, search, the OpenAPI schema, haircuts, the default haircut policy,
mark-to-market and the stale-valuation scan all go through :func:`get_kind` and
:func:`all_kinds`, so adding receivables or vehicles means writing one module.

What a kind tells the valuation app is plain data about the kind (figures, which attribute
means what); the arithmetic stays in ``valuation``, which reads it through this interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rest_framework import serializers

from collateral.identifiers import IdentifierError


@dataclass(frozen=True, order=True)
class IdentityKey:
    """A normalized identifier of collateral: two active items sharing one are a duplicate."""

    scheme: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"scheme": self.scheme, "value": self.value}


@dataclass(frozen=True)
class MarketPosition:
    """What an item marked to market holds, as stored: valuation normalizes the commodity
    and unit and reads the quantity as a ``Decimal`` (refusing one that is not a number)."""

    commodity: str | None
    quantity: Any
    unit: str | None


class CollateralKind:
    """Fields, validation, identity keys and valuation rules of one kind of collateral.

    ``serializer_class`` validates and normalizes the kind's own fields (the common ones,
    ``kind`` and ``external_registration``, are handled by the registry's item serializer).
    Its ``to_representation`` of the validated data is what gets stored, so it must be JSON.
    The order of its fields is the order a person reads them in (forms, detail pages).

    The valuation attributes and methods below say what the haircut rules of the valuation
    app need to know about the kind; the defaults are those of a kind none of the special
    rules apply to (one base haircut, no right expiry, no insurance, not marked to market).
    """

    code: ClassVar[str]
    label: ClassVar[Any]
    # one line saying what the kind covers, for the console
    description: ClassVar[Any]
    serializer_class: ClassVar[type[serializers.Serializer]]
    # identity-key schemes this kind produces, with a translatable label each
    schemes: ClassVar[dict[str, Any]]
    # a valid item of the kind as a request gives it (without ``kind``): the sample shown
    # to a person filling in a form, and the item that tests run every kind through
    example: ClassVar[dict[str, Any]]

    # --- valuation ------------------------------------------------------------------------
    # The base-haircut variants, in the policy document's order, each with the platform's
    # default base haircut in percent as stored ("75.00"). The figures follow market
    # practice; each kind's module says where its figures come from.
    haircut_defaults: ClassVar[dict[str, str]]
    # how the variant is chosen, for the policy's OpenAPI description (English, like it)
    haircut_basis: ClassVar[str] = "one figure"
    # default ages, in days, past which a valuation is stale, and past which nothing is lent
    # (None: no hard limit)
    stale_after_days: ClassVar[int]
    stale_hard_limit_days: ClassVar[int | None]
    # the attribute holding the date the right itself ends (the remaining-life rule), if any
    right_expiry_field: ClassVar[str | None] = None
    # whether items are valued from commodity prices (mark-to-market, price volatility)
    marked_to_market: ClassVar[bool] = False

    # per scheme, the form its values take (shown in errors and in the OpenAPI schema)
    scheme_formats: ClassVar[dict[str, Any]]

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        """The keys of one validated item (``attributes`` as stored: JSON types)."""
        raise NotImplementedError

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        """Keys to look up for an identifier typed into a search or priority query.

        Returns every key of this kind the text could denote once normalized (for example a
        patent number, or a trademark number), preferred first, or an empty list if it can be
        none of them. Never raises: ``collateral.resolution`` turns "none of any kind asked
        for" into an error naming the schemes.
        """
        raise NotImplementedError

    def lookalike_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        """Keys a look-alike search also looks up: text with the form of a key whose check
        (check character, year, code list) fails, which :meth:`lookup_keys` refuses.

        No stored key can be such text (registration refuses it), but a number altered or
        mistyped in one place almost always breaks its check, and the look-alike search
        compares keys per scheme: read as some other scheme, or as none, it could never meet
        the number it was altered from. Only a search uses these keys, never a priority
        query or conflict check (they answer on what can be registered). Never raises.
        """
        return []

    def partial_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        """Keys known only by their end, for an identifier typed without a part of its key.

        Each returned value is a suffix (e.g. ``:WR-2026-000815``) that a stored value under
        the same scheme must end with: a receipt number printed on its own matches that
        number under any issuer. Never raises.
        """
        return []

    def describe(self, attributes: dict[str, Any]) -> str:
        """A short human-readable line for lists and certificates."""
        raise NotImplementedError

    def field_labels(self) -> dict[str, Any]:
        """The kind's fields in reading order, each with its translatable label."""
        return {name: field.label for name, field in self.serializer_class().fields.items()}

    # --- valuation ------------------------------------------------------------------------

    def haircut_variant(self, attributes: dict[str, Any]) -> str:
        """Which of :attr:`haircut_defaults`' variants gives the item its base haircut."""
        return "default"

    def haircut_variant_label(self, attributes: dict[str, Any]) -> str:
        """What the base-haircut line of a breakdown calls the item's variant."""
        return str(self.label)

    def right_expires_on(self, attributes: dict[str, Any]) -> date | None:
        """The day the right itself ends (see :attr:`right_expiry_field`), or None."""
        raw = attributes.get(self.right_expiry_field) if self.right_expiry_field else None
        return date.fromisoformat(raw) if raw else None

    def uninsured(self, attributes: dict[str, Any]) -> str | None:
        """Why the ``uninsured_herd`` adjustment applies to the item (its breakdown line),
        or None: the item is insured, or insurance plays no part in the kind's haircut."""
        return None

    def market_position(self, attributes: dict[str, Any]) -> MarketPosition | None:
        """Commodity, quantity and unit of an item of a kind :attr:`marked_to_market`;
        None for every other kind."""
        return None


_KINDS: dict[str, CollateralKind] = {}


def lookalike_key(
    scheme: str,
    identifier: str,
    *,
    normalizer: Callable[[str], str],
    lookalike: Callable[[str], str],
) -> list[IdentityKey]:
    """``[IdentityKey(scheme, lookalike(identifier))]`` when ``normalizer`` refuses the text but
    ``lookalike`` finds a key's form in it (its check fails), else ``[]``; never raises."""
    try:
        normalizer(identifier)
    except IdentifierError:
        try:
            return [IdentityKey(scheme, lookalike(identifier))]
        except IdentifierError:
            return []
    return []


def register(kind_class: type[CollateralKind]) -> type[CollateralKind]:
    """Class decorator: make a kind known to every layer."""
    _KINDS[kind_class.code] = kind_class()
    return kind_class


def get_kind(code: str) -> CollateralKind:
    from collateral import kinds  # noqa: F401  (imports every kind module)

    return _KINDS[code]


def all_kinds() -> dict[str, CollateralKind]:
    from collateral import kinds  # noqa: F401

    return dict(_KINDS)


def find_kind(code: str) -> CollateralKind | None:
    """The kind of that code, or None (a stored item of a kind no longer registered)."""
    return all_kinds().get(code)


def kind_choices() -> list[tuple[str, Any]]:
    return [(code, kind.label) for code, kind in all_kinds().items()]


def marked_to_market_kinds() -> list[str]:
    """Codes of the kinds valued from commodity prices."""
    return [code for code, kind in all_kinds().items() if kind.marked_to_market]
