"""Valuations, commodity prices and haircut policies in the admin.

Staff see only their organization's rows (superusers see all). Every write goes through the
services, as the API's do: a valuation or a policy version is added, never edited in place
(history must reproduce old figures); a price can be added or its figure corrected, which
marks receipts to market again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.actors import Actor
from registry.admin import ScopedListFiltersMixin
from registry.exceptions import InvalidInput, RegistryError
from valuation.models import CommodityPrice, HaircutPolicy, Valuation
from valuation.policies import PLATFORM_DEFAULT_DOCUMENT, PLATFORM_DEFAULT_THRESHOLD, validate_rules
from valuation.services import (
    PriceInput,
    commodity_prices_record,
    haircut_policy_create,
    valuation_create,
    valuation_target,
)


def _copy_saved(target, saved) -> None:
    """Make the admin's unsaved ``target`` the row a service saved, for its redirect."""
    for model_field in saved._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(saved, model_field.attname))
    target._state.adding = False


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def _form_error(form: forms.Form, exc: RegistryError) -> None:
    if isinstance(exc, InvalidInput) and isinstance(exc.extra, dict):
        for field_name, messages in exc.extra.items():
            form.add_error(field_name if field_name in form.fields else None, _flatten(messages))
    else:
        form.add_error(None, str(exc.message))


class OrganizationScopedAdmin(ScopedListFiltersMixin, admin.ModelAdmin):
    """Rows of the user's organization only; adding needs an organization and write role."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("organization")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization_id=request.user.organization_id or -1)

    def actor(self, request) -> Actor | None:
        user = request.user
        return Actor.for_user(user) if getattr(user, "organization_id", None) else None

    def has_add_permission(self, request) -> bool:
        actor = self.actor(request)
        return super().has_add_permission(request) and actor is not None and actor.can_write

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.admin_actor = self.actor(request)
        return form


class ValuationForm(forms.ModelForm):
    class Meta:
        model = Valuation
        fields = ["item", "value", "currency", "method", "valued_on", "appraiser", "notes"]

    def clean(self):
        data = super().clean()
        if self.errors or self.admin_actor is None:
            return data
        try:
            _item, data["currency"] = valuation_target(
                actor=self.admin_actor,
                item_id=data["item"].pk,
                method=data["method"],
                currency=data.get("currency"),
            )
        except RegistryError as exc:
            _form_error(self, exc)
        return data

    def _post_clean(self):
        # set what the service will set, so the model's own checks can run on the form
        if self.admin_actor is not None:
            self.instance.organization_id = self.admin_actor.organization.pk
            self.instance.created_by = self.admin_actor.label
        super()._post_clean()


@admin.register(Valuation)
class ValuationAdmin(OrganizationScopedAdmin):
    form = ValuationForm
    list_display = [
        "valued_on",
        "item",
        "value",
        "currency",
        "method",
        "appraiser",
        "organization",
        "created_by",
        "created_at",
    ]
    list_filter = ["method", "organization"]
    search_fields = ["item__registration__number", "appraiser", "notes"]
    date_hierarchy = "valued_on"
    raw_id_fields = ["item"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history: a new valuation is added, an old one never rewritten

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = valuation_create(
            actor=self.actor(request),
            item_id=data["item"].pk,
            value=data["value"],
            currency=data["currency"],
            method=data["method"],
            valued_on=data["valued_on"],
            appraiser=data.get("appraiser", ""),
            notes=data.get("notes", ""),
        )
        _copy_saved(obj, saved)


class CommodityPriceForm(forms.ModelForm):
    class Meta:
        model = CommodityPrice
        fields = ["commodity", "unit", "price", "currency", "as_of"]

    def _post_clean(self):
        if self.admin_actor is not None and self.instance.organization_id is None:
            self.instance.organization_id = self.admin_actor.organization.pk
        super()._post_clean()


@admin.register(CommodityPrice)
class CommodityPriceAdmin(OrganizationScopedAdmin):
    form = CommodityPriceForm
    list_display = [
        "as_of",
        "commodity",
        "unit",
        "price",
        "currency",
        "organization",
        "created_by",
        "updated_at",
    ]
    list_filter = ["unit", "organization"]
    search_fields = ["commodity"]
    date_hierarchy = "as_of"

    def get_readonly_fields(self, request, obj=None):
        return ["commodity", "unit", "as_of"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        actor = self.actor(request)
        return super().has_change_permission(request, obj) and bool(actor and actor.can_write)

    def save_model(self, request, obj, form, change):
        result = commodity_prices_record(
            actor=self.actor(request),
            prices=[
                PriceInput(
                    commodity=obj.commodity,
                    unit=obj.unit,
                    price=obj.price,
                    currency=obj.currency,
                    as_of=obj.as_of,
                )
            ],
        )
        _copy_saved(obj, result.prices[0])
        skipped = result.mark_to_market.value_out_of_range
        if skipped:
            self.message_user(
                request,
                _(
                    "Not valued, quantity × price is more than a valuation holds (%(max)s): "
                    "collateral items %(items)s."
                )
                % {
                    "max": skipped[0].max_value,
                    "items": ", ".join(str(entry.item_id) for entry in skipped),
                },
                level=messages.WARNING,
            )


class HaircutPolicyForm(forms.ModelForm):
    rules = forms.JSONField(
        required=False,
        initial=PLATFORM_DEFAULT_DOCUMENT,
        widget=forms.Textarea(attrs={"rows": 30, "cols": 90}),
        help_text=_("Keys left out take the platform default's value."),
    )
    threshold = forms.DecimalField(
        max_digits=8,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal(10),
        initial=PLATFORM_DEFAULT_THRESHOLD,
    )

    class Meta:
        model = HaircutPolicy
        fields = ["organization", "threshold", "rules"]

    def clean_rules(self):
        try:
            return validate_rules(self.cleaned_data.get("rules") or {})
        except serializers.ValidationError as exc:
            raise ValidationError(_flatten(exc.detail)) from exc

    def _post_clean(self):
        pass  # the service validates the complete version and numbers it


@admin.register(HaircutPolicy)
class HaircutPolicyAdmin(OrganizationScopedAdmin):
    form = HaircutPolicyForm
    list_display = [
        "__str__",
        "organization",
        "version",
        "effective_from",
        "threshold",
        "created_by",
    ]
    list_filter = ["organization"]
    readonly_fields = ["version", "effective_from", "created_at", "created_by"]

    def has_add_permission(self, request) -> bool:
        if request.user.is_superuser:  # the operator may add platform versions
            return super(OrganizationScopedAdmin, self).has_add_permission(request)
        return super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a change is a new version; old ones reproduce past figures

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ["organization", "version", "effective_from", "threshold", "rules", "created_by"]
        if request.user.is_superuser:
            return ["organization", "threshold", "rules"]
        return ["threshold", "rules"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if request.user.is_superuser:
            organization = data.get("organization")
        else:
            organization = request.user.organization
        saved = haircut_policy_create(
            organization=organization,
            rules=data["rules"],
            threshold=data["threshold"],
            created_by=f"user:{request.user.get_username()}",
        )
        _copy_saved(obj, saved)
