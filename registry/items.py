"""Validation of incoming collateral items, shared by the API and the services' callers.

Each item's kind-specific fields are validated by its kind's serializer (``collateral.kinds``);
what comes out is a list of :class:`ItemInput` carrying normalized attributes and identity keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from collateral.kinds.base import IdentityKey, all_kinds, get_kind
from collateral.serializers import ExternalRegistrationSerializer, GrantorSerializer
from registry.exceptions import InvalidInput

MAX_ITEMS = 500


@dataclass(frozen=True)
class ItemInput:
    """One validated collateral item, ready to be written."""

    kind: str
    attributes: dict[str, Any]
    external_registration: dict[str, Any] | None
    keys: tuple[IdentityKey, ...]


def item_validate(raw: Any) -> ItemInput:
    """Validate one item; raises DRF ``ValidationError`` with a dict of field errors."""
    if not isinstance(raw, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Each collateral item must be an object.")]}
        )
    kinds = all_kinds()
    kind_code = raw.get("kind")
    if kind_code not in kinds:
        choices = ", ".join(sorted(kinds))
        raise serializers.ValidationError(
            {
                "kind": [
                    _("Unknown collateral kind; use one of: %(choices)s.") % {"choices": choices}
                ]
            }
        )
    kind = get_kind(kind_code)
    fields = {k: v for k, v in raw.items() if k not in ("kind", "external_registration", "id")}
    serializer = kind.serializer_class(data=fields)
    errors: dict[str, Any] = {}
    if not serializer.is_valid():
        errors.update(serializer.errors)
    external = None
    if raw.get("external_registration") is not None:
        ext = ExternalRegistrationSerializer(data=raw["external_registration"])
        if ext.is_valid():
            external = ext.to_representation(ext.validated_data)
        else:
            errors["external_registration"] = ext.errors
    unknown = sorted(set(fields) - set(kind.serializer_class().fields))
    if unknown:
        errors["non_field_errors"] = [
            _("Unknown fields for this kind: %(fields)s.") % {"fields": ", ".join(unknown)}
        ]
    if errors:
        raise serializers.ValidationError(errors)
    attributes = serializer.to_representation(serializer.validated_data)
    keys = tuple(dict.fromkeys(kind.identity_keys(attributes)))
    return ItemInput(
        kind=kind_code, attributes=dict(attributes), external_registration=external, keys=keys
    )


def items_validate(
    raw_items: Any, *, field: str = "collateral", min_items: int = 1, max_items: int = MAX_ITEMS
) -> list[ItemInput]:
    """Validate a list of items; errors come back in DRF's list shape under ``field``.

    Also refuses one identity key given twice in the same request: an item cannot be
    pledged twice to the same lender in one registration.
    """
    if not isinstance(raw_items, list):
        raise InvalidInput(extra={field: [_("Expected a list of collateral items.")]})
    if not min_items <= len(raw_items) <= max_items:
        raise InvalidInput(
            extra={
                field: [
                    _("Give between %(min)d and %(max)d collateral items.")
                    % {"min": min_items, "max": max_items}
                ]
            }
        )
    items: list[ItemInput] = []
    errors: list[dict[str, Any]] = []
    for raw in raw_items:
        try:
            items.append(item_validate(raw))
            errors.append({})
        except serializers.ValidationError as exc:
            errors.append(exc.detail)
    if any(errors):
        raise InvalidInput(extra={field: errors})
    seen: dict[IdentityKey, int] = {}
    for index, item in enumerate(items):
        for key in item.keys:
            if key in seen:
                errors = [{} for _item in items]
                errors[index] = {
                    "non_field_errors": [
                        _(
                            "Identity key %(scheme)s %(value)s is already given by item "
                            "%(other)d of this request (counting from 1)."
                        )
                        % {"scheme": key.scheme, "value": key.value, "other": seen[key] + 1}
                    ]
                }
                raise InvalidInput(extra={field: errors})
            seen[key] = index
    return items


def grantor_validate(raw: Any) -> dict[str, str]:
    """Validate and normalize a grantor given outside the API (commands, seeds)."""
    serializer = GrantorSerializer(data=raw)
    if not serializer.is_valid():
        raise InvalidInput(extra={"grantor": serializer.errors})
    return dict(serializer.validated_data)
