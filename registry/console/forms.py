"""Forms of the console's registry pages.

The collateral item forms are built from each kind's serializer (labels, choices, required
fields), and what they collect is validated by that same serializer through
:func:`registry.items.items_validate` — exactly as the API validates it — so the console has
no rules of its own and a new kind appears in the form without an edit here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import GrantorIdType
from collateral.kinds.base import all_kinds
from collateral.serializers import GrantorSerializer

LIST_SEPARATORS = "\n,;，；"


def form_field(serializer_field: serializers.Field) -> forms.Field:
    """The form field that collects what ``serializer_field`` validates."""
    required = bool(serializer_field.required)
    common = {"label": serializer_field.label, "required": required}
    if isinstance(serializer_field, serializers.ChoiceField):
        choices = list(serializer_field.choices.items())
        if not required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, **common)
    if isinstance(serializer_field, serializers.DateField):
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if isinstance(serializer_field, serializers.IntegerField):
        return forms.IntegerField(**common)
    if isinstance(serializer_field, serializers.DecimalField):
        return forms.DecimalField(**common)
    if isinstance(serializer_field, serializers.BooleanField):
        return forms.BooleanField(required=False, label=serializer_field.label)
    if isinstance(serializer_field, serializers.ListField):
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("One per line."),
            **common,
        )
    return forms.CharField(max_length=getattr(serializer_field, "max_length", None), **common)


def _raw_value(serializer_field: serializers.Field, value: Any) -> Any:
    """A cleaned form value as the API would receive it (JSON types)."""
    if isinstance(serializer_field, serializers.ListField):
        text = value or ""
        for separator in LIST_SEPARATORS[1:]:
            text = text.replace(separator, "\n")
        return [part.strip() for part in text.split("\n") if part.strip()]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class ItemForm(forms.Form):
    """One collateral item of one kind; subclasses per kind are built by :func:`item_form_class`."""

    kind_code: str = ""
    serializer_fields: dict[str, serializers.Field] = {}

    def raw_item(self) -> dict[str, Any] | None:
        """The item as an API request would carry it, or None for a form left empty."""
        if not self.has_changed():
            return None
        data: dict[str, Any] = {"kind": self.kind_code}
        for name, serializer_field in self.serializer_fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            data[name] = _raw_value(serializer_field, value)
        return data


def item_form_class(kind_code: str) -> type[ItemForm]:
    kind = all_kinds()[kind_code]
    serializer_fields = dict(kind.serializer_class().fields)
    attrs: dict[str, Any] = {name: form_field(f) for name, f in serializer_fields.items()}
    attrs.update(kind_code=kind_code, serializer_fields=serializer_fields)
    return type(f"{kind_code.title().replace('_', '')}ItemForm", (ItemForm,), attrs)


class ItemFormsets:
    """One formset per collateral kind, in the order the kinds are registered."""

    def __init__(self, data=None, *, prefix: str = "items") -> None:
        self.formsets = []
        for code, kind in all_kinds().items():
            formset_class = formset_factory(item_form_class(code), extra=0)
            formset = formset_class(data, prefix=f"{prefix}-{code}")
            formset.kind_code, formset.kind_label = code, kind.label
            self.formsets.append(formset)

    def is_valid(self) -> bool:
        return all(formset.is_valid() for formset in self.formsets)

    def raw_items(self) -> tuple[list[dict[str, Any]], list[ItemForm]]:
        """The filled-in items in form order, and the form each came from (for errors)."""
        items, forms_used = [], []
        for formset in self.formsets:
            for form in formset.forms:
                raw = form.raw_item()
                if raw is not None:
                    items.append(raw)
                    forms_used.append(form)
        return items, forms_used

    def __iter__(self):
        return iter(self.formsets)


def _grantor_fields() -> dict[str, forms.Field]:
    fields = GrantorSerializer().fields
    return {
        "grantor_name": form_field(fields["name"]),
        "grantor_id_type": forms.ChoiceField(
            choices=GrantorIdType.choices, label=fields["id_type"].label
        ),
        "grantor_id_number": form_field(fields["id_number"]),
    }


class PeriodMixin(forms.Form):
    period_years = forms.IntegerField(
        label=_("Period (years)"), min_value=1, max_value=30, required=False
    )
    period_months = forms.IntegerField(
        label=_("or period (months)"), min_value=1, max_value=360, required=False
    )

    def clean(self):
        data = super().clean()
        years, months = data.get("period_years"), data.get("period_months")
        if bool(years) == bool(months) and not self.errors:
            self.add_error("period_years", _("Give 1 to 30 years or 1 to 360 months, not both."))
        return data


class RegistrationForm(PeriodMixin):
    """The registration's own fields; its items come from :class:`ItemFormsets`."""

    secured_amount = forms.DecimalField(
        label=_("Secured amount"), max_digits=20, decimal_places=2, min_value=0, required=False
    )
    currency = forms.RegexField(
        label=_("Currency"), regex=r"^[A-Z]{3}$", initial="CNY", max_length=3
    )
    loan_reference = forms.CharField(label=_("Loan reference"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {**_grantor_fields(), **self.fields}

    def grantor(self) -> dict[str, str]:
        return {
            "name": self.cleaned_data["grantor_name"],
            "id_type": self.cleaned_data["grantor_id_type"],
            "id_number": self.cleaned_data["grantor_id_number"],
        }


class ExtendForm(PeriodMixin):
    pass


class AmendForm(forms.Form):
    """Remove current items, change the description or the secured amount; items to add come
    from :class:`ItemFormsets`."""

    remove_items = forms.MultipleChoiceField(
        label=_("Remove collateral"), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    secured_amount = forms.DecimalField(
        label=_("Secured amount"), max_digits=20, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_items"].choices = item_choices


class SearchForm(forms.Form):
    """One box: an identifier, a grantor ID or a grantor name."""

    MODE_AUTO, MODE_IDENTIFIER, MODE_GRANTOR_ID, MODE_GRANTOR_NAME = (
        "auto",
        "identifier",
        "grantor_id",
        "grantor_name",
    )

    q = forms.CharField(
        label=_("Identifier, grantor ID or grantor name"), max_length=200, required=True
    )
    mode = forms.ChoiceField(
        label=_("Search by"),
        required=False,
        choices=[
            (MODE_AUTO, _("Detect automatically")),
            (MODE_IDENTIFIER, _("Collateral identifier")),
            (MODE_GRANTOR_ID, _("Grantor ID")),
            (MODE_GRANTOR_NAME, _("Grantor name")),
        ],
    )
    include_inactive = forms.BooleanField(label=_("Include expired and discharged"), required=False)
