"""Collateral items in and out of the API, one schema variant per kind."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from collateral.serializers import ExternalRegistrationSerializer
from registry.exceptions import InvalidInput
from registry.items import ItemInput, items_validate
from registry.models import CollateralItem
from registry.notices import item_document


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    value = serializers.CharField()


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def _variant(code: str, base: type, extra: dict[str, Any], suffix: str) -> type:
    kind = serializers.CharField(help_text=f'Always "{code}" for this variant.')
    fields = {"kind": kind, **extra}
    return type(f"{_camel(code)}{suffix}", (base,), fields)


def item_input_variants() -> dict[str, type]:
    return {
        code: _variant(
            code,
            kind.serializer_class,
            {
                "external_registration": ExternalRegistrationSerializer(
                    required=False, allow_null=True
                )
            },
            "ItemInput",
        )
        for code, kind in all_kinds().items()
    }


def item_output_variants() -> dict[str, type]:
    return {
        code: _variant(
            code,
            kind.serializer_class,
            {
                "id": serializers.IntegerField(),
                "external_registration": ExternalRegistrationSerializer(allow_null=True),
                "identifiers": IdentifierSerializer(many=True),
                "effective_at": serializers.DateTimeField(),
            },
            "Item",
        )
        for code, kind in all_kinds().items()
    }


ITEM_INPUT_SCHEMA = PolymorphicProxySerializer(
    component_name="CollateralItemInput",
    serializers=item_input_variants,
    resource_type_field_name="kind",
    many=True,
)
ITEM_OUTPUT_SCHEMA = PolymorphicProxySerializer(
    component_name="CollateralItem",
    serializers=item_output_variants,
    resource_type_field_name="kind",
)
ITEM_OUTPUT_LIST_SCHEMA = PolymorphicProxySerializer(
    component_name="CollateralItem",
    serializers=item_output_variants,
    resource_type_field_name="kind",
    many=True,
)


class CollateralListField(serializers.Field):
    """A list of collateral items, each validated by its kind; yields ``ItemInput`` objects.

    Its schema (``ITEM_INPUT_SCHEMA`` with ``min_items``) is ``CollateralListFieldExtension``'s.

    Errors come back in DRF's list shape: ``[{}, {"number": ["…"]}]``.
    """

    def __init__(self, *, min_items: int = 1, **kwargs):
        self.min_items = min_items
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[ItemInput]:
        try:
            return items_validate(data, field="items", min_items=self.min_items)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.extra["items"]) from exc

    def to_representation(self, value):  # pragma: no cover - input only
        raise NotImplementedError


@extend_schema_field(ITEM_OUTPUT_SCHEMA)
class CollateralItemField(serializers.Field):
    """One stored item: its id and kind, its kind's fields, identifiers, effective time."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, item: CollateralItem) -> dict[str, Any]:
        return item_document(item)
