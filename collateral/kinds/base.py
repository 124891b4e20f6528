"""What every collateral kind provides, and the registry of kinds.

A kind is one module under ``collateral/kinds/`` that defines a :class:`CollateralKind`
subclass and registers it with :func:`register`. Nothing else in the codebase names a kind:
serializers, services, search and the OpenAPI schema all go through :func:`get_kind` and
:func:`all_kinds`, so adding receivables or vehicles means writing one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rest_framework import serializers


@dataclass(frozen=True, order=True)
class IdentityKey:
    """A normalized identifier of collateral: two active items sharing one are a duplicate."""

    scheme: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"scheme": self.scheme, "value": self.value}


class CollateralKind:
    """Fields, validation and identity keys of one kind of collateral.

    ``serializer_class`` validates and normalizes the kind's own fields (the common ones,
    ``kind`` and ``external_registration``, are handled by the registry's item serializer).
    Its ``to_representation`` of the validated data is what gets stored, so it must be JSON.
    """

    code: ClassVar[str]
    label: ClassVar[Any]
    serializer_class: ClassVar[type[serializers.Serializer]]
    # identity-key schemes this kind produces, with a translatable label each
    schemes: ClassVar[dict[str, Any]]
    # per scheme, the form its values take (shown in errors and in the OpenAPI schema)
    scheme_formats: ClassVar[dict[str, Any]]

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        """The keys of one validated item (``attributes`` as stored: JSON types)."""
        raise NotImplementedError

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        """Keys to look up for an identifier typed into a search or priority query.

        Returns every key of this kind the text could denote once normalized (for example a
        patent number, or a trademark number), or an empty list if it can be none of them.
        Never raises for bad input: a search for a malformed identifier simply finds nothing.
        """
        raise NotImplementedError

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


_KINDS: dict[str, CollateralKind] = {}


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


def kind_choices() -> list[tuple[str, Any]]:
    return [(code, kind.label) for code, kind in all_kinds().items()]
