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
MAX_KEY_LENGTH = 200  # IdentityKeyEntry.value
# 500 herds of 5,000 tags would be 2.5 million keys in one transaction: bounded instead.
MAX_KEYS_PER_REQUEST = 20_000


@dataclass(frozen=True)
class ItemInput:
    """One validated collateral item, ready to be written."""

    kind: str
    attributes: dict[str, Any]
    external_registration: dict[str, Any] | None
    keys: tuple[IdentityKey, ...]


COMMON_FIELDS = ("kind", "external_registration", "id")


def _kind_error(raw: Any) -> dict[str, Any] | None:
    """The error of an item that is not an object or names no known kind, else None."""
    if not isinstance(raw, dict):
        return {"non_field_errors": [_("Each collateral item must be an object.")]}
    kinds = all_kinds()
    choices = ", ".join(sorted(kinds))
    if raw.get("kind") in (None, ""):
        message = _("Give the collateral kind: one of %(choices)s.") % {"choices": choices}
        return {"kind": [message]}
    if not isinstance(raw["kind"], str) or raw["kind"] not in kinds:
        message = _("Unknown collateral kind; use one of: %(choices)s.") % {"choices": choices}
        return {"kind": [message]}
    return None


def _common_errors(raw: dict[str, Any], allowed: frozenset[str]) -> tuple[dict, Any]:
    """Errors of the fields every kind shares, and the validated external registration."""
    errors: dict[str, Any] = {}
    external = None
    if raw.get("external_registration") is not None:
        ext = ExternalRegistrationSerializer(data=raw["external_registration"])
        if ext.is_valid():
            external = ext.to_representation(ext.validated_data)
        else:
            errors["external_registration"] = ext.errors
    unknown = sorted(set(raw) - allowed - set(COMMON_FIELDS))
    if unknown:
        # echoed back, so made safe to encode (a lone surrogate would break the response)
        shown = ", ".join(n.encode("utf-8", "backslashreplace").decode() for n in unknown)
        errors["non_field_errors"] = [
            _("Unknown fields for this kind: %(fields)s.") % {"fields": shown}
        ]
    return errors, external


def _validate_all(raw_items: list[Any]) -> tuple[list[ItemInput | None], list[dict[str, Any]]]:
    """Validate items grouped by kind: one list serializer per kind builds its fields once,
    where a serializer per item would rebuild them for every one of 500 items."""
    errors: list[dict[str, Any]] = [{} for _raw in raw_items]
    results: list[ItemInput | None] = [None] * len(raw_items)
    groups: dict[str, list[int]] = {}
    for index, raw in enumerate(raw_items):
        error = _kind_error(raw)
        if error:
            errors[index] = error
        else:
            groups.setdefault(raw["kind"], []).append(index)
    for kind_code, indexes in groups.items():
        kind = get_kind(kind_code)
        serializer = kind.serializer_class(
            many=True,
            data=[
                {k: v for k, v in raw_items[i].items() if k not in COMMON_FIELDS} for i in indexes
            ],
        )
        valid = serializer.is_valid()
        allowed = frozenset(serializer.child.fields)
        for position, index in enumerate(indexes):
            item_errors, external = _common_errors(raw_items[index], allowed)
            if not valid:
                item_errors = {**serializer.errors[position], **item_errors}
            if item_errors:
                errors[index] = item_errors
                continue
            if not valid:
                # another item of this kind failed, so the list serializer kept no validated
                # data (reading it was an IndexError, a 500); the request fails on that item
                continue
            attributes = serializer.child.to_representation(serializer.validated_data[position])
            keys = tuple(dict.fromkeys(kind.identity_keys(attributes)))
            too_long = [k for k in keys if len(k.value) > MAX_KEY_LENGTH]
            if too_long:
                errors[index] = {
                    "non_field_errors": [
                        _("Identifier %(scheme)s is longer than %(max)d characters.")
                        % {"scheme": too_long[0].scheme, "max": MAX_KEY_LENGTH}
                    ]
                }
                continue
            results[index] = ItemInput(
                kind=kind_code,
                attributes=dict(attributes),
                external_registration=external,
                keys=keys,
            )
    return results, errors


def item_validate(raw: Any) -> ItemInput:
    """Validate one item; raises DRF ``ValidationError`` with a dict of field errors."""
    [result], [errors] = _validate_all([raw])
    if errors:
        raise serializers.ValidationError(errors)
    return result


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
    results, errors = _validate_all(raw_items)
    if any(errors):
        raise InvalidInput(extra={field: errors})
    items: list[ItemInput] = [item for item in results if item is not None]
    if sum(len(item.keys) for item in items) > MAX_KEYS_PER_REQUEST:
        raise InvalidInput(
            extra={
                field: [
                    _("At most %(max)d identifiers (e.g. ear tags) in one request.")
                    % {"max": MAX_KEYS_PER_REQUEST}
                ]
            }
        )
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
