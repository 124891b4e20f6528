"""Operator and console views of the registry. Registrations and the ledger are read-only
here: every change goes through the services so it lands in the ledger.

Lender staff see only their own organization's rows; lenders, users, API keys and alert
settings are the platform operator's (superusers only), so no lender can widen its own access.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import AuditAction, RulingOutcome
from registry.exceptions import InvalidInput, RegistryError
from registry.models import (
    ApiKey,
    AuditRecord,
    CollateralItem,
    LedgerEvent,
    Objection,
    Organization,
    Registration,
    RegistrationCertificate,
    SearchCertificate,
    SearchEnumerationAlert,
    SearchLog,
    TransferOffer,
    User,
)
from registry.services.audit import audit_record
from registry.services.objections import objection_rule


class OperatorOnlyAdmin(admin.ModelAdmin):
    """Platform configuration: visible and editable by superusers only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class ScopedListFiltersMixin:
    """List filters over a relation offer only the related rows the user's list contains.

    Django's default relation filter lists every row of the related table — every lender to
    every lender's staff. ``RelatedOnlyFieldListFilter`` lists the values present in
    ``get_queryset(request)``, which is already scoped to the user's organization.
    """

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters


class ReadOnlyAdmin(ScopedListFiltersMixin, admin.ModelAdmin):
    """Read-only rows, scoped to the staff user's organization (superusers see all)."""

    # path from the model to the organization whose rows these are
    organization_lookup = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        organization_id = getattr(request.user, "organization_id", None) or -1
        return queryset.filter(**{f"{self.organization_lookup}_id": organization_id})

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(OperatorOnlyAdmin):
    list_display = ["code", "name", "notification_email", "created_at"]
    search_fields = ["code", "name"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """Who changed which key, webhook, role or policy, and when (append-only)."""

    list_display = ["occurred_at", "organization", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor", "target_id"]


@admin.register(User)
class UserAdmin(OperatorOnlyAdmin, BaseUserAdmin):
    list_display = [*BaseUserAdmin.list_display, "organization", "role"]
    list_filter = [*BaseUserAdmin.list_filter, "organization", "role"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Organization"), {"fields": ["organization", "role"]}),
    ]

    def save_model(self, request, obj, form, change):
        before = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        if change and "role" in form.changed_data:
            audit_record(
                actor_label=f"operator:{request.user.get_username()}",
                organization=obj.organization,
                action=AuditAction.USER_ROLE_CHANGED,
                target=obj,
                before={"role": before},
                after={"role": obj.role},
            )


@admin.register(ApiKey)
class ApiKeyAdmin(OperatorOnlyAdmin):
    list_display = [
        "prefix",
        "organization",
        "name",
        "role",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["organization", "role"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    fields = [
        "organization",
        "name",
        "role",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False  # keys are issued by `manage.py create_api_key`, which shows them once


class CollateralItemInline(admin.TabularInline):
    model = CollateralItem
    fields = ["kind", "attributes", "external_registration", "effective_at", "removed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    organization_lookup = "secured_party"
    list_display = [
        "number",
        "secured_party",
        "grantor_name",
        "registered_at",
        "expires_at",
        "status",
    ]
    list_filter = ["status", "secured_party"]
    search_fields = ["number", "grantor_name", "grantor_id_number"]
    date_hierarchy = "registered_at"
    inlines = [CollateralItemInline]


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    organization_lookup = "registration__secured_party"
    list_display = ["sequence", "registration", "event", "actor", "occurred_at", "hash"]
    list_filter = ["event"]
    search_fields = ["registration__number", "hash"]


@admin.register(SearchCertificate)
class SearchCertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "organization", "issued_at", "digest"]
    search_fields = ["number"]


@admin.register(RegistrationCertificate)
class RegistrationCertificateAdmin(ReadOnlyAdmin):
    organization_lookup = "registration__secured_party"
    list_display = ["number", "registration", "event", "issued_at", "digest"]
    search_fields = ["number", "registration__number"]


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "organization",
        "actor",
        "criterion",
        "query",
        "purpose",
        "result_count",
    ]
    list_filter = ["organization", "criterion", "purpose"]


@admin.register(SearchEnumerationAlert)
class SearchEnumerationAlertAdmin(OperatorOnlyAdmin):
    """Resident-ID searches that look like enumeration, for the platform operator."""

    list_display = [
        "last_seen_at",
        "organization",
        "signal",
        "subject_key",
        "search_count",
        "actors",
        "acknowledged_at",
        "resolved_at",
    ]
    list_filter = ["signal", "organization"]
    readonly_fields = [f.name for f in SearchEnumerationAlert._meta.fields]
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        queryset.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=f"user:{request.user.get_username()}"
        )

    @admin.action(description=_("Resolve the selected alerts"))
    def resolve(self, request, queryset):
        queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())


class RulingForm(forms.Form):
    """The operator's record of a court or arbitration ruling on an objection."""

    outcome = forms.ChoiceField(label=_("Ruling outcome"), choices=RulingOutcome.choices)
    reference = forms.CharField(label=_("Ruling reference"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)
    remove_item_ids = forms.CharField(
        label=_("Items removed (amendment)"),
        required=False,
        help_text=_("Collateral item ids, separated by commas."),
    )

    def clean_remove_item_ids(self) -> list[int]:
        raw = self.cleaned_data["remove_item_ids"].replace("，", ",")
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give item ids as whole numbers.")) from None


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    """Objections to the staff user's organization's registrations; the operator records
    rulings here (through the same service as everything else)."""

    organization_lookup = "registration__secured_party"
    list_display = ["id", "registration", "objector", "status", "filed_at", "lapses_at"]
    list_filter = ["status"]
    search_fields = ["registration__number", "objector__code", "case_number"]
    list_select_related = ["registration", "objector"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.ruling_view)
        return [
            path("<int:objection_id>/ruling/", view, name="registry_objection_ruling"),
            *super().get_urls(),
        ]

    def ruling_view(self, request, objection_id: int):
        if not request.user.is_superuser:
            raise DjangoPermissionDenied
        objection = self.get_object(request, str(objection_id))
        if objection is None:
            raise Http404
        form = RulingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                objection_rule(
                    operator=f"operator:{request.user.get_username()}",
                    objection_id=objection.pk,
                    **form.cleaned_data,
                )
            except InvalidInput as exc:
                for field, errors in exc.extra.items():
                    form.add_error(field if field in form.fields else None, errors)
            except RegistryError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(request, _("The ruling is recorded."))
                return redirect("admin:registry_objection_change", objection.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record the ruling on objection #%(id)s") % {"id": objection.pk},
            "objection": objection,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/registry/objection/ruling.html", context)


@admin.register(TransferOffer)
class TransferOfferAdmin(ReadOnlyAdmin):
    organization_lookup = "from_organization"
    list_display = [
        "id",
        "registration",
        "from_organization",
        "to_organization",
        "status",
        "offered_at",
        "expires_at",
        "result",
    ]
    list_filter = ["status"]
    search_fields = ["registration__number"]
    list_select_related = ["registration", "from_organization", "to_organization", "result"]
