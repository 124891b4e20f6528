"""Haircut policy versions in and out of the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from valuation.api.serializers.figures import (
    MAX_POLICY_VERSION,
)
from valuation.policies import AdjustmentsSerializer, BaseHaircutsSerializer

# --- haircut policies -------------------------------------------------------------------


class HaircutPolicyVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    platform_default = serializers.BooleanField(
        help_text=_("A platform version (0: the one built in), not the organization's own.")
    )
    organization = serializers.CharField(source="organization_code", allow_null=True)
    effective_from = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField()
    threshold = serializers.DecimalField(max_digits=8, decimal_places=4)


class HaircutPolicySerializer(HaircutPolicyVersionSerializer):
    """A policy version: its document in full."""

    base_haircuts = BaseHaircutsSerializer(source="rules.base_haircuts")
    adjustments = AdjustmentsSerializer(source="rules.adjustments")


class HaircutPolicyQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_POLICY_VERSION,
        required=False,
        help_text=_("Read this version of your policy (0: the platform default)."),
    )
    platform = serializers.BooleanField(
        required=False, default=False, help_text=_("version is a platform version.")
    )
