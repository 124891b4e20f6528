"""The console's valuation pages: valuations (added from an item's row), coverage and the
haircut breakdown on the registration page, and the haircut policy as a form.

The policy form is built from every collateral kind (``all_kinds()``) and the policy
document's serializers, so a kind added with its policy variants needs no edit here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from registry import display
from registry.console.base import ConsoleModelAdmin, add_service_errors
from registry.console.site import (
    ExportSheet,
    NavItem,
    Section,
    can_write,
    console_site,
    is_org_admin,
    require_admin,
    require_write,
)
from registry.exceptions import InvalidInput, RegistryError
from valuation.api.serializers import ValuationCreateSerializer
from valuation.choices import ValuationMethod
from valuation.models import Valuation
from valuation.policies import BaseHaircutsSerializer, HaircutPolicyInputSerializer
from valuation.selectors import collateral_item_get, policy_effective, registration_coverage
from valuation.services import haircut_policy_create, valuation_create

# --- valuations -----------------------------------------------------------------------


class ValuationForm(forms.Form):
    value = forms.DecimalField(label=gettext_lazy("value"), max_digits=20, decimal_places=2)
    method = forms.ChoiceField(
        label=gettext_lazy("method"),
        choices=[c for c in ValuationMethod.choices if c[0] != ValuationMethod.COMMODITY_INDEX],
    )
    valued_on = forms.DateField(
        label=gettext_lazy("valued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    appraiser = forms.CharField(label=gettext_lazy("appraiser"), max_length=200, required=False)
    notes = forms.CharField(
        label=gettext_lazy("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


@admin.register(Valuation, site=console_site)
class ValuationConsoleAdmin(ConsoleModelAdmin):
    """The organization's valuations (history: added, never edited)."""

    list_display = [
        "valued_shown",
        "registration_link",
        "item_shown",
        "value_shown",
        "method_shown",
        "appraiser",
    ]
    list_display_links = None
    list_filter = ["method"]
    search_fields = ["item__registration__number", "appraiser"]
    ordering = ["-valued_on", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__registration")

    @admin.display(description=gettext_lazy("valued on"), ordering="valued_on")
    def valued_shown(self, obj):
        return display.local_date(obj.valued_on)

    @admin.display(description=gettext_lazy("registration"))
    def registration_link(self, obj):
        from django.utils.html import format_html

        url = reverse("console:registry_registration_change", args=[obj.item.registration_id])
        return format_html('<a href="{}">{}</a>', url, obj.item.registration.number)

    @admin.display(description=gettext_lazy("collateral item"))
    def item_shown(self, obj):
        return display.item_view(obj.item).summary

    @admin.display(description=gettext_lazy("value"), ordering="value")
    def value_shown(self, obj):
        return display.money(obj.value, obj.currency)

    @admin.display(description=gettext_lazy("method"))
    def method_shown(self, obj):
        return display.choice_label(ValuationMethod, obj.method)

    def has_add_permission(self, request) -> bool:
        return can_write(request)

    def add_view(self, request, form_url="", extra_context=None):
        """Value one item of the organization's (``?item=<id>``, from the item's row)."""
        actor = require_write(request)
        try:
            item = collateral_item_get(
                item_id=int(request.GET.get("item", "")), organization=actor.organization
            )
        except (ValueError, RegistryError):
            raise Http404 from None
        back = reverse("console:registry_registration_change", args=[item.registration_id])
        form = ValuationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data.items())
            checked = ValuationCreateSerializer(
                data={
                    **data,
                    "value": str(data["value"]),
                    "valued_on": data["valued_on"].isoformat(),
                }
            )
            try:
                if not checked.is_valid():
                    raise InvalidInput(extra=checked.errors)
                valuation_create(actor=actor, item_id=item.pk, **checked.validated_data)
            except RegistryError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Valuation recorded."))
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a valuation"),
            "form": form,
            "item": display.item_view(item),
            "registration": item.registration,
            "back_url": back,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/valuation_form.html", context)


def _value_item_action(request, item) -> list[tuple[str, str]]:
    if not can_write(request) or not item.registration.is_active():
        return []
    url = reverse("console:valuation_valuation_add") + f"?item={item.pk}"
    return [(_("Add a valuation"), url)]


def _coverage_section(request, registration) -> dict[str, Any]:
    coverage = registration_coverage(registration=registration)
    rows = []
    for entry in coverage.items:
        result = entry.result
        rows.append(
            {
                "summary": display.item_view(entry.item).summary,
                "valuation": entry.valuation,
                "value": display.money(result.value, result.currency),
                "method": display.choice_label(ValuationMethod, entry.valuation.method)
                if entry.valuation
                else "",
                "valued_on": display.local_date(entry.valuation.valued_on)
                if entry.valuation
                else "",
                "haircut": f"{result.haircut_pct}%",
                "lendable": display.money(result.lendable_value, result.currency),
                "breakdown": [(f"{line.pct}%", line.reason) for line in result.breakdown],
            }
        )
    ratio = coverage.ratio
    return {
        "rows": rows,
        "secured": display.money(coverage.secured_amount, coverage.currency),
        "lendable_total": display.money(coverage.lendable_total, coverage.currency),
        "ratio": f"{ratio * 100:.2f}%" if ratio is not None else "—",
        "threshold": f"{coverage.threshold * 100:.2f}%",
        "shortfall": coverage.shortfall,
        "shortfall_amount": display.money(coverage.shortfall_amount, coverage.currency),
        "policy_version": coverage.policy.version,
        "policy_default": coverage.policy.platform_default,
    }


def _valuation_headers() -> list[str]:
    return [
        _("registration number"),
        _("collateral item"),
        _("valued on"),
        _("value"),
        _("currency"),
        _("method"),
        _("appraiser"),
    ]


def _valuation_rows(organization) -> list[list]:
    return [
        [
            v.item.registration.number,
            display.item_view(v.item).summary,
            v.valued_on.isoformat(),
            str(v.value),
            v.currency,
            display.choice_label(ValuationMethod, v.method),
            v.appraiser,
        ]
        for v in Valuation.objects.filter(organization=organization)
        .select_related("item__registration")
        .prefetch_related("item__identity_keys")
        .order_by("valued_on", "id")
    ]


# --- the haircut policy ---------------------------------------------------------------

SEP = "__"

PARAMETER_LABELS = {
    "enabled": gettext_lazy("Applies"),
    "extra_pct": gettext_lazy("Extra haircut (%)"),
    "max_age_days": gettext_lazy("Stale after (days)"),
    "hard_limit_days": gettext_lazy("Nothing lent after (days)"),
    "min_years": gettext_lazy("Minimum remaining life (years)"),
    "window_days": gettext_lazy("Price window (days)"),
    "min_prices": gettext_lazy("Minimum number of prices"),
    "threshold_pct": gettext_lazy("Volatility threshold (%)"),
    "stdev_multiplier": gettext_lazy("Standard-deviation multiplier"),
}
RULE_LABELS = {
    "stale_valuation": gettext_lazy("Stale valuation"),
    "remaining_life": gettext_lazy("Little remaining right life"),
    "uninsured_herd": gettext_lazy("Uninsured herd"),
    "price_volatility": gettext_lazy("Commodity price volatility"),
    "junior_position": gettext_lazy("Junior priority position"),
}
VARIANT_LABELS = {
    "default": gettext_lazy("All items"),
    "insured": gettext_lazy("Insured"),
    "uninsured": gettext_lazy("Uninsured"),
    "unknown": gettext_lazy("Not given"),
}


def variant_label(kind_code: str, variant: str) -> str:
    """A base-haircut variant by its label: a choice of the kind's own fields (an IP type, a
    stand age), else a generic word."""
    kind = all_kinds().get(kind_code)
    if kind is not None:
        for serializer_field in kind.serializer_class().fields.values():
            choices = getattr(serializer_field, "choices", None)
            if isinstance(serializer_field, serializers.ChoiceField) and variant in choices:
                return str(choices[variant])
    return str(VARIANT_LABELS.get(variant, variant))


def _form_field(serializer_field, label) -> forms.Field:
    if isinstance(serializer_field, serializers.BooleanField):
        return forms.BooleanField(label=label, required=False)
    if isinstance(serializer_field, serializers.IntegerField):
        return forms.IntegerField(
            label=label,
            required=not getattr(serializer_field, "allow_null", False),
            min_value=serializer_field.min_value,
            max_value=serializer_field.max_value,
        )
    return forms.DecimalField(
        label=label,
        max_digits=serializer_field.max_digits,
        decimal_places=serializer_field.decimal_places,
        min_value=serializer_field.min_value,
        max_value=serializer_field.max_value,
    )


class HaircutPolicyForm(forms.Form):
    """Every figure of the policy document as its own field, grouped for display."""

    def __init__(self, *args, document: dict[str, Any], threshold: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups: list[dict[str, Any]] = []
        base_fields = BaseHaircutsSerializer().fields
        for code, kind in all_kinds().items():
            kind_serializer = base_fields.get(code)
            if kind_serializer is None:
                continue
            names = []
            for variant, serializer_field in kind_serializer.fields.items():
                name = SEP.join(["base_haircuts", code, variant])
                self.fields[name] = _form_field(serializer_field, variant_label(code, variant))
                self.initial[name] = document["base_haircuts"][code][variant]
                names.append(name)
            self.groups.append(
                {"title": _("Base haircut (%%): %(kind)s") % {"kind": kind.label}, "names": names}
            )
        adjustments = HaircutPolicyInputSerializer().fields["adjustments"].fields
        for rule, rule_serializer in adjustments.items():
            names = []
            for parameter, serializer_field in rule_serializer.fields.items():
                stored = document["adjustments"][rule][parameter]
                label = PARAMETER_LABELS.get(parameter, parameter)
                if isinstance(serializer_field, serializers.Serializer):  # per kind
                    for code, per_kind in serializer_field.fields.items():
                        kind = all_kinds().get(code)
                        name = SEP.join(["adjustments", rule, parameter, code])
                        self.fields[name] = _form_field(
                            per_kind, f"{label} · {kind.label if kind else code}"
                        )
                        self.initial[name] = stored.get(code)
                        names.append(name)
                else:
                    name = SEP.join(["adjustments", rule, parameter])
                    self.fields[name] = _form_field(serializer_field, label)
                    self.initial[name] = stored
                    names.append(name)
            self.groups.append({"title": RULE_LABELS.get(rule, rule), "names": names})
        self.fields["threshold"] = forms.DecimalField(
            label=_("Coverage threshold (ratio)"), max_digits=8, decimal_places=4
        )
        self.initial["threshold"] = threshold
        self.groups.append({"title": _("Coverage"), "names": ["threshold"]})

    def bound_groups(self):
        return [{"title": g["title"], "fields": [self[n] for n in g["names"]]} for g in self.groups]

    def document(self) -> dict[str, Any]:
        """The policy as a PUT body of ``haircut-policy/`` would give it."""
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "threshold":
                data["threshold"] = str(value)
                continue
            parts = name.split(SEP)
            node = data
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = str(value) if isinstance(value, Decimal) else value
        return data


def _field_errors(detail: Any, path: list[str]) -> list[tuple[str, str]]:
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in _field_errors(value, [*path, str(key)])]
    if isinstance(detail, list):
        return [e for value in detail for e in _field_errors(value, path)]
    return [(SEP.join(path), str(detail))]


def haircut_policy_view(request):
    actor = require_admin(request)
    policy = policy_effective(organization=actor.organization)
    form = HaircutPolicyForm(
        request.POST or None, document=policy.document, threshold=policy.threshold
    )
    if request.method == "POST" and form.is_valid():
        serializer = HaircutPolicyInputSerializer(data=form.document())
        try:
            if not serializer.is_valid():
                raise InvalidInput(extra=serializer.errors)
            row = haircut_policy_create(
                organization=actor.organization,
                rules=serializer.validated_data["rules"],
                threshold=serializer.validated_data["threshold"],
                created_by=actor.label,
            )
        except RegistryError as exc:
            for name, message in _field_errors(exc.extra, []):
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, _("Saved as version %(version)s of the policy.") % {"version": row.version}
            )
            return HttpResponseRedirect(reverse("console:haircut_policy"))
    context = {
        **console_site.each_context(request),
        "title": _("Haircut policy"),
        "form": form,
        "policy": policy,
    }
    return TemplateResponse(request, "console/haircut_policy.html", context)


console_site.add_item_action(_value_item_action)
console_site.add_registration_section(
    Section("console/section_coverage.html", _coverage_section, order=10)
)
console_site.add_view("haircut-policy/", haircut_policy_view, "haircut_policy")
console_site.add_export_sheet(
    ExportSheet("valuations", gettext_lazy("Valuations"), _valuation_headers, _valuation_rows, 30)
)
console_site.add_navigation(
    NavItem(
        gettext_lazy("Daily work"),
        gettext_lazy("Valuations"),
        "valuation_valuation_changelist",
        "payments",
        25,
    )
)
console_site.add_navigation(
    NavItem(
        gettext_lazy("Organization"),
        gettext_lazy("Haircut policy"),
        "haircut_policy",
        "percent",
        83,
        is_org_admin,
    )
)
