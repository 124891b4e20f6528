"""Registration requests and the full and notice views of a registration."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collateral.fields import CurrencyField, NormalizedCharField
from collateral.grantors import mask_id_number
from collateral.serializers import GrantorSerializer
from registry.api.serializers.collateral import (
    ITEM_OUTPUT_LIST_SCHEMA,
    CollateralItemField,
    CollateralListField,
)
from registry.choices import OnConflict
from registry.models import LedgerEvent, Registration
from registry.services.registrations import Period

TIMESTAMP = serializers.DateTimeField()


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, **kwargs)


class PeriodMixin:
    """Exactly one of ``<years>`` or ``<months>`` (1–30 years, or 1–360 months)."""

    period_fields = ("period_years", "period_months")

    def period_from(self, attrs: dict[str, Any]) -> Period:
        years_field, months_field = self.period_fields
        years, months = attrs.pop(years_field, None), attrs.pop(months_field, None)
        if (years is None) == (months is None):
            raise serializers.ValidationError(
                {
                    years_field: [
                        _("Give either %(y)s or %(m)s.") % {"y": years_field, "m": months_field}
                    ]
                }
            )
        return Period(years=years or 0, months=months or 0)


class SecuredPartySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """A prior active registration on the same collateral (``conflicts`` of a response)."""

    registration_number = serializers.CharField(source="registration.number")
    secured_party = SecuredPartySerializer(source="registration.secured_party")
    effective_at = serializers.DateTimeField()
    rank = serializers.IntegerField(help_text=_("Best priority rank among the matched keys."))
    matched = serializers.SerializerMethodField()

    def get_matched(self, conflict) -> list[dict[str, str]]:
        return [k.as_dict() for k in conflict.matched]


class RegistrationCreateSerializer(PeriodMixin, serializers.Serializer):
    grantor = GrantorSerializer()
    collateral = CollateralListField()
    period_years = serializers.IntegerField(min_value=1, max_value=30, required=False)
    period_months = serializers.IntegerField(min_value=1, max_value=360, required=False)
    secured_amount = _money(required=False, allow_null=True)
    currency = CurrencyField(default="CNY")
    loan_reference = NormalizedCharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices, default=OnConflict.ACCEPT)

    def validate(self, attrs):
        attrs["period"] = self.period_from(attrs)
        return attrs


class AmendmentSerializer(serializers.Serializer):
    add_collateral = CollateralListField(min_items=0, required=False)
    remove_collateral_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    secured_amount = _money(required=False, allow_null=True)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices, default=OnConflict.ACCEPT)


class ExtensionSerializer(PeriodMixin, serializers.Serializer):
    period_fields = ("years", "months")
    years = serializers.IntegerField(min_value=1, max_value=30, required=False)
    months = serializers.IntegerField(min_value=1, max_value=360, required=False)

    def validate(self, attrs):
        return {"period": self.period_from(attrs)}


class ConflictCheckSerializer(serializers.Serializer):
    collateral = CollateralListField()


class GrantorOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.CharField(help_text=_("Resident IDs are masked for other lenders."))
    id_verified = serializers.BooleanField(
        help_text=_(
            "False for a unified social credit code registered over a failed check character "
            "with a recorded override: the registry could not verify it."
        )
    )
    check_override_reason = serializers.CharField(
        required=False,
        help_text=_("Why the unverified code was accepted; shown to the secured party only."),
    )


class EventSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEvent
        fields = ["sequence", "event", "occurred_at"]


class NoticeSerializer(serializers.ModelSerializer):
    """The public notice of a registration, as any lender may read it."""

    registration_number = serializers.CharField(source="number")
    status = serializers.SerializerMethodField()
    secured_party = SecuredPartySerializer()
    grantor = serializers.SerializerMethodField()
    collateral = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "registration_number",
            "status",
            "registered_at",
            "expires_at",
            "discharged_at",
            "secured_party",
            "grantor",
            "collateral",
            "events",
        ]

    def _is_owner(self, registration: Registration) -> bool:
        organization = self.context.get("organization")
        return organization is not None and organization.pk == registration.secured_party_id

    def get_status(self, registration: Registration) -> str:
        return registration.current_status(self.context.get("now"))

    @extend_schema_field(GrantorOutSerializer)
    def get_grantor(self, registration: Registration) -> dict[str, str]:
        id_number = registration.grantor_id_number
        if not self._is_owner(registration):
            id_number = mask_id_number(registration.grantor_id_type, id_number)
        grantor = {
            "name": registration.grantor_name,
            "id_type": registration.grantor_id_type,
            "id_number": id_number,
            "id_verified": registration.grantor_id_verified,
        }
        if not registration.grantor_id_verified and self._is_owner(registration):
            grantor["check_override_reason"] = registration.grantor_id_override_reason
        return grantor

    @extend_schema_field(ITEM_OUTPUT_LIST_SCHEMA)
    def get_collateral(self, registration: Registration) -> list[dict[str, Any]]:
        items = getattr(registration, "current_items", None)
        if items is None:
            items = list(registration.items.filter(removed_at__isnull=True))
        field = CollateralItemField()
        return [field.to_representation(item) for item in items]

    @extend_schema_field(EventSummarySerializer(many=True))
    def get_events(self, registration: Registration) -> list[dict[str, Any]]:
        events = getattr(registration, "event_list", None)
        if events is None:
            events = list(registration.events.order_by("sequence"))
        # Built by hand: a serializer per registration would rebuild its fields every time.
        return [
            {
                "sequence": e.sequence,
                "event": e.event,
                "occurred_at": TIMESTAMP.to_representation(e.occurred_at),
            }
            for e in events
        ]


class RegistrationSerializer(NoticeSerializer):
    """Notice fields for everyone; the secured party also sees its private fields."""

    PRIVATE = ("secured_amount", "currency", "loan_reference", "description")

    conflicts = serializers.SerializerMethodField(
        help_text=_("Prior active registrations on the same collateral (on writes).")
    )

    class Meta(NoticeSerializer.Meta):
        fields = [
            *NoticeSerializer.Meta.fields,
            "secured_amount",
            "currency",
            "loan_reference",
            "description",
            "conflicts",
        ]

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, registration: Registration) -> list[dict[str, Any]]:
        return ConflictSerializer(self.context.get("conflicts", []), many=True).data

    def to_representation(self, registration: Registration) -> dict[str, Any]:
        data = super().to_representation(registration)
        if not self._is_owner(registration):
            for name in self.PRIVATE:
                data.pop(name, None)
        if "conflicts" not in self.context:
            data.pop("conflicts", None)
        return data


class SearchResultSerializer(NoticeSerializer):
    """A notice found by a search, marked ``exact`` or ``similar``."""

    match = serializers.ChoiceField(choices=["exact", "similar"])
    matched = serializers.SerializerMethodField()

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "match", "matched"]

    def get_matched(self, hit) -> list[dict[str, str]]:
        return [k.as_dict() for k in hit.matched]

    def to_representation(self, hit) -> dict[str, Any]:
        data = NoticeSerializer(hit.registration, context=self.context).data
        data["match"] = hit.match
        data["matched"] = self.get_matched(hit)
        return data


class LedgerEventSerializer(serializers.ModelSerializer):
    """One ledger event; ``payload``, ``actor`` and the hashes are null for other lenders."""

    registration_number = serializers.CharField(source="registration.number")
    actor = serializers.CharField(allow_null=True)
    payload = serializers.JSONField(allow_null=True)
    hash = serializers.CharField(allow_null=True)
    prev_hash = serializers.CharField(allow_null=True)

    class Meta:
        model = LedgerEvent
        fields = [
            "sequence",
            "registration_number",
            "event",
            "actor",
            "occurred_at",
            "payload",
            "prev_hash",
            "hash",
        ]
