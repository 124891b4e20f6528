"""Registration requests and the full and notice views of a registration."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collateral.fields import CurrencyField, NormalizedCharField
from collateral.kinds.base import kind_choices
from collateral.resolution import scheme_choices, schemes_description
from collateral.serializers import GrantorSerializer, StrictSerializer
from registry.api.fields import money_field
from registry.api.serializers.collateral import (
    ITEM_OUTPUT_LIST_SCHEMA,
    CollateralListField,
    IdentifierSerializer,
)
from registry.api.serializers.legal import ObjectionNoticeSerializer
from registry.choices import OnConflict
from registry.exceptions import InvalidInput
from registry.models import LedgerEvent, Registration
from registry.notices import notice_document, search_result_document
from registry.periods import MAX_MONTHS, MAX_YEARS, Period

MONEY = money_field()


def years_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_YEARS, required=False, **kwargs)


def months_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False, **kwargs)


class PeriodMixin:
    """Exactly one of ``<years>`` or ``<months>``; the rule itself is :class:`Period`'s."""

    period_fields = ("period_years", "period_months")

    @property
    def schema_rules(self) -> dict[str, Any]:
        """The same rule in the OpenAPI schema (``StrictSerializerExtension`` adds it)."""
        years, months = self.period_fields
        return {"oneOf": [{"required": [years]}, {"required": [months]}]}

    def period_from(self, attrs: dict[str, Any]) -> Period:
        years_name, months_name = self.period_fields
        try:
            return Period.from_parts(
                years=attrs.pop(years_name, None),
                months=attrs.pop(months_name, None),
                names=self.period_fields,
            )
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.extra) from exc


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


class RegistrationCreateSerializer(PeriodMixin, StrictSerializer):
    grantor = GrantorSerializer()
    collateral = CollateralListField()
    period_years = years_field()
    period_months = months_field()
    secured_amount = money_field(min_value=0, required=False, allow_null=True)
    currency = CurrencyField(default="CNY")
    loan_reference = NormalizedCharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices, default=OnConflict.ACCEPT)

    def validate(self, attrs):
        attrs["period"] = self.period_from(attrs)
        return attrs


def _non_empty(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"minItems": 1}}}


class AmendmentSerializer(StrictSerializer):
    # what the service refuses as "changes nothing" when none is given (schema only)
    schema_rules: ClassVar[dict[str, Any]] = {
        "anyOf": [
            _non_empty("add_collateral"),
            _non_empty("remove_collateral_ids"),
            {"required": ["description"]},
            {"required": ["secured_amount"]},
        ]
    }
    add_collateral = CollateralListField(min_items=0, required=False)
    remove_collateral_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    secured_amount = money_field(min_value=0, required=False, allow_null=True)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices, default=OnConflict.ACCEPT)


class ExtensionSerializer(PeriodMixin, StrictSerializer):
    period_fields = ("years", "months")
    years = years_field()
    months = months_field()

    def validate(self, attrs):
        return {"period": self.period_from(attrs)}


class TypedIdentifierSerializer(StrictSerializer):
    identifier = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=kind_choices(), required=False)
    scheme = serializers.ChoiceField(
        choices=scheme_choices(), required=False, help_text=schemes_description()
    )


class ConflictCheckSerializer(StrictSerializer):
    """Either full ``collateral`` items, or bare ``identifiers`` resolved as a search would."""

    schema_rules: ClassVar[dict[str, Any]] = {
        "oneOf": [{"required": ["collateral"]}, _non_empty("identifiers")]
    }

    collateral = CollateralListField(required=False)
    identifiers = TypedIdentifierSerializer(many=True, required=False)

    def validate(self, attrs):
        if bool(attrs.get("collateral")) == bool(attrs.get("identifiers")):
            raise serializers.ValidationError(
                {"collateral": [_("Give either collateral or identifiers.")]}
            )
        return attrs


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
    objections = serializers.SerializerMethodField(
        help_text=_("Objections that stand against this registration (异议登记).")
    )

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
            "objections",
        ]

    def _is_owner(self, registration: Registration) -> bool:
        organization = self.context.get("organization")
        return organization is not None and organization.pk == registration.secured_party_id

    # The methods below only describe the schema: the notice itself is built by
    # registry.notices, which the certificates sign too.
    def get_status(self, registration: Registration) -> str:  # pragma: no cover - schema only
        return registration.current_status(self.context.get("now"))

    @extend_schema_field(GrantorOutSerializer)
    def get_grantor(self, registration: Registration) -> dict[str, str]:  # pragma: no cover
        raise NotImplementedError

    @extend_schema_field(ITEM_OUTPUT_LIST_SCHEMA)
    def get_collateral(
        self, registration: Registration
    ) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    @extend_schema_field(EventSummarySerializer(many=True))
    def get_events(self, registration: Registration) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def to_representation(self, registration: Registration) -> dict[str, Any]:
        return notice_document(
            registration,
            organization=self.context.get("organization"),
            now=self.context.get("now") or timezone.now(),
        )

    @extend_schema_field(ObjectionNoticeSerializer(many=True))
    def get_objections(
        self, registration: Registration
    ) -> list[dict[str, Any]]:  # pragma: no cover - schema only
        raise NotImplementedError


class RegistrationSerializer(NoticeSerializer):
    """Notice fields for everyone; the secured party also sees its private fields."""

    PRIVATE = ("secured_amount", "currency", "loan_reference", "description")

    class Meta(NoticeSerializer.Meta):
        fields = [
            *NoticeSerializer.Meta.fields,
            "secured_amount",
            "currency",
            "loan_reference",
            "description",
        ]

    def to_representation(self, registration: Registration) -> dict[str, Any]:
        data = super().to_representation(registration)
        if self._is_owner(registration):
            amount = registration.secured_amount
            data["secured_amount"] = None if amount is None else MONEY.to_representation(amount)
            data["currency"] = registration.currency
            data["loan_reference"] = registration.loan_reference
            data["description"] = registration.description
        if not self._is_owner(registration):
            for name in self.PRIVATE:
                data.pop(name, None)
        return data


class RegistrationWriteResultSerializer(RegistrationSerializer):
    """A registration as a registering or amending write answers: with its ``conflicts``.

    Only these responses carry ``conflicts`` (always, possibly empty); list, detail,
    extension and discharge do not, and the schema says so.
    """

    conflicts = serializers.SerializerMethodField(
        help_text=_("Prior active registrations on the same collateral.")
    )

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "conflicts"]

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, registration: Registration) -> list[dict[str, Any]]:
        return ConflictSerializer(self.context.get("conflicts", []), many=True).data

    def to_representation(self, registration: Registration) -> dict[str, Any]:
        data = super().to_representation(registration)
        data["conflicts"] = self.get_conflicts(registration)
        return data


class KeyMatchSerializer(serializers.Serializer):
    """Why one result matched: the query's normalized value, the stored value and how."""

    scheme = serializers.CharField(required=False, help_text=_("The identity-key scheme."))
    field = serializers.CharField(
        required=False, help_text=_("For a match on a registration field (number, grantor).")
    )
    query = serializers.CharField(help_text=_("The searched value, normalized."))
    stored = serializers.CharField(help_text=_("The value as registered."))
    how = serializers.ChoiceField(
        choices=["exact", "lookalike", "one_edit", "similar_name"],
        help_text=_(
            "exact: equal once normalized (partial: a receipt number matched under any "
            "issuer); lookalike: equal once O/0, I/L/1, Z/2, S/5, B/8 are folded (see "
            "folded); one_edit: one character different (see edit)."
        ),
    )
    partial = serializers.BooleanField(required=False)
    folded = serializers.ListField(child=serializers.DictField(), required=False)
    edit = serializers.DictField(required=False)


class SearchResultSerializer(NoticeSerializer):
    """A notice found by a search, marked ``exact`` or ``similar``, with why it matched."""

    match = serializers.ChoiceField(choices=["exact", "similar"])
    matched = serializers.SerializerMethodField()
    match_details = KeyMatchSerializer(many=True, read_only=True)

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "match", "matched", "match_details"]

    @extend_schema_field(IdentifierSerializer(many=True))
    def get_matched(self, hit) -> list[dict[str, str]]:
        return [k.as_dict() for k in hit.matched]

    def to_representation(self, hit) -> dict[str, Any]:
        return search_result_document(
            hit,
            organization=self.context.get("organization"),
            now=self.context.get("now") or timezone.now(),
        )


class LedgerEventSerializer(serializers.ModelSerializer):
    """One ledger event; ``payload``, ``actor`` and the hashes are null for other lenders."""

    registration_number = serializers.CharField(source="registration.number")
    actor = serializers.CharField(allow_null=True)
    payload = serializers.JSONField(allow_null=True)
    hash = serializers.CharField(allow_null=True)
    prev_hash = serializers.CharField(allow_null=True)
    certificate_number = serializers.SerializerMethodField(
        help_text=_("The registration certificate (登记证明) of this event, RC-YYYY-NNNNNNNN.")
    )

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
            "certificate_number",
        ]

    PRIVATE = ("payload", "actor", "hash", "prev_hash")

    def to_representation(self, event: LedgerEvent) -> dict[str, Any]:
        data = super().to_representation(event)
        full_through = self.context.get("full_through")
        full = self.context.get("full", False) or (
            full_through is not None and event.sequence <= full_through
        )
        if not full:
            data.update(dict.fromkeys(self.PRIVATE))
        return data

    def get_certificate_number(self, event: LedgerEvent) -> str | None:
        certificate = getattr(event, "certificate", None)
        return certificate.number if certificate is not None else None
