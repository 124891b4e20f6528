"""Objections and transfer offers: requests, and what each reader may see of them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collateral.choices import GrantorIdType
from collateral.fields import identifier_error
from collateral.grantors import normalize_id_number
from collateral.identifiers import IdentifierError
from collateral.serializers import ID_NUMBER_SCHEMA_RULES, StrictSerializer
from registry.api.fields import TIMESTAMP
from registry.choices import CaseBodyType, ObjectionStatus, TransferStatus
from registry.models import Objection, TransferOffer
from registry.notices import objection_document


class GrantorIdSerializer(StrictSerializer):
    """A grantor's ID, validated and normalized as a registration's grantor is."""

    schema_rules = ID_NUMBER_SCHEMA_RULES

    id_type = serializers.ChoiceField(choices=GrantorIdType.choices, label=_("ID type"))
    id_number = serializers.CharField(max_length=64, label=_("ID number"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["id_number"] = normalize_id_number(attrs["id_type"], attrs["id_number"])
        except IdentifierError as exc:
            raise identifier_error("id_number", exc) from None
        return attrs


class ObjectionCreateSerializer(StrictSerializer):
    grounds = serializers.CharField(max_length=4000, label=_("Grounds"))
    evidence = serializers.CharField(
        max_length=500, required=False, allow_blank=True, label=_("Evidence reference")
    )
    on_behalf_of_grantor = GrantorIdSerializer(
        required=False,
        allow_null=True,
        help_text=_("The grantor's ID, when the objector acts for the grantor."),
    )


class ObjectionCaseSerializer(StrictSerializer):
    case_number = serializers.CharField(max_length=100, label=_("Case number"))
    body_type = serializers.ChoiceField(choices=CaseBodyType.choices, label=_("Body type"))
    body = serializers.CharField(max_length=200, label=_("Court or arbitration body"))
    accepted_on = serializers.DateField(label=_("Accepted on"))


class OrganizationRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField(source="case_number")
    body_type = serializers.CharField(source="case_body_type")
    body = serializers.CharField(source="case_body")
    accepted_on = serializers.DateField(source="case_accepted_on")


class RulingSerializer(serializers.Serializer):
    reference = serializers.CharField(source="ruling_reference")
    outcome = serializers.CharField(source="ruling_outcome")


class ObjectionNoticeSerializer(serializers.Serializer):
    """A standing objection as the notice shows it (schema only; built by
    :func:`registry.notices.objection_document`)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ObjectionStatus.choices)
    objector = OrganizationRefSerializer()
    on_behalf_of_grantor = serializers.BooleanField()
    filed_at = serializers.DateTimeField()
    lapses_at = serializers.DateTimeField(allow_null=True)
    case = CaseSerializer(allow_null=True)


class ObjectionSerializer(ObjectionNoticeSerializer):
    """An objection in any status; ``grounds``, ``evidence`` and ``grantor`` are null except
    for the objector and the registration's secured party."""

    registration_number = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    ruling = RulingSerializer(allow_null=True)
    grounds = serializers.CharField(allow_null=True)
    evidence = serializers.CharField(allow_null=True)
    grantor = GrantorIdSerializer(allow_null=True)

    def to_representation(self, objection: Objection) -> dict[str, Any]:
        organization = self.context.get("organization")
        data = objection_document(objection, now=self.context.get("now") or timezone.now())
        insider = organization is not None and organization.pk in (
            objection.objector_id,
            objection.registration.secured_party_id,
        )
        data.update(
            registration_number=objection.registration.number,
            closed_at=TIMESTAMP.to_representation(objection.closed_at)
            if objection.closed_at
            else None,
            ruling=RulingSerializer(objection).data if objection.ruling_outcome else None,
            grounds=objection.grounds if insider else None,
            evidence=objection.evidence if insider else None,
            grantor=(
                {"id_type": objection.grantor_id_type, "id_number": objection.grantor_id_number}
                if insider and objection.on_behalf_of_grantor
                else None
            ),
        )
        return data


class TransferCreateSerializer(StrictSerializer):
    to = serializers.CharField(max_length=20, label=_("Organization code"))
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=500,
        help_text=_("Items to split off into a new registration; leave out for the whole."),
    )


class TransferSerializer(serializers.ModelSerializer):
    """A transfer offer as its two parties see it."""

    registration_number = serializers.CharField(source="registration.number")
    from_organization = OrganizationRefSerializer()
    to_organization = OrganizationRefSerializer()
    status = serializers.SerializerMethodField()
    result_registration_number = serializers.CharField(
        source="result.number",
        allow_null=True,
        default=None,
        help_text=_("The registration the receiver holds after acceptance."),
    )

    class Meta:
        model = TransferOffer
        fields = [
            "id",
            "registration_number",
            "from_organization",
            "to_organization",
            "item_ids",
            "status",
            "offered_at",
            "expires_at",
            "decided_at",
            "result_registration_number",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=TransferStatus.choices))
    def get_status(self, offer: TransferOffer) -> str:
        return offer.current_status(self.context.get("now") or timezone.now())
