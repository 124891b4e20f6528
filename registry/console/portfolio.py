"""Portfolio import (preview with per-row errors, then all-or-nothing) and export."""

from __future__ import annotations

import base64

import tablib
from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import display
from registry.console.site import (
    ExportSheet,
    NavItem,
    can_write,
    console_actor,
    console_site,
    require_write,
)
from registry.exceptions import InvalidInput, RegistryError
from registry.models import CollateralItem, Registration
from registry.portfolio import (
    all_columns,
    column_guide,
    portfolio_plan,
    read_rows,
    sample_rows,
)
from registry.services.portfolio import portfolio_import

SESSION_KEY = "console_portfolio_upload"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        return upload


def import_view(request):
    """Upload → preview (nothing written) → confirm: every registration or none."""
    actor = require_write(request)
    form = UploadForm()
    plan = None
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(SESSION_KEY)
        if not stored:
            messages.error(request, _("Upload the file again: the preview has expired."))
            return HttpResponseRedirect(reverse("console:portfolio_import"))
        try:
            plan = portfolio_plan(read_rows(base64.b64decode(stored["content"]), stored["format"]))
            results = portfolio_import(actor=actor, plan=plan)
        except RegistryError as exc:
            messages.error(
                request, str(exc.message) if not exc.extra else _("Nothing was imported.")
            )
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(
                request,
                _("Imported %(count)s registrations: %(numbers)s.")
                % {
                    "count": len(results),
                    "numbers": ", ".join(r.registration.number for r in results),
                },
            )
            return HttpResponseRedirect(reverse("console:registry_registration_changelist"))
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            file_format = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
            try:
                plan = portfolio_plan(read_rows(content, file_format))
            except InvalidInput as exc:
                for message in exc.extra.get("file", [exc.message]):
                    form.add_error("file", message)
            else:
                if plan.ok:
                    request.session[SESSION_KEY] = {
                        "content": base64.b64encode(content).decode(),
                        "format": file_format,
                    }
                else:
                    request.session.pop(SESSION_KEY, None)
    context = {
        **console_site.each_context(request),
        "title": _("Import a portfolio"),
        "form": form,
        "plan": plan,
        "error_rows": sorted(plan.errors.items()) if plan else [],
        "columns": column_guide(),
    }
    return TemplateResponse(request, "console/portfolio_import.html", context)


def sample_view(request):
    console_actor(request)
    dataset = tablib.Dataset(*sample_rows(), headers=all_columns())
    response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio-sample.csv"'
    return response


def _sheets():
    return sorted(console_site.hooks.export_sheets, key=lambda s: s.order)


def export_view(request):
    """The organization's registrations, items, valuations and alerts as XLSX (one sheet
    each) or one of them as CSV."""
    actor = console_actor(request)
    file_format = request.GET.get("format")
    sheet_code = request.GET.get("sheet")
    sheets = _sheets()
    if file_format in ("xlsx", "csv"):
        organization = actor.organization
        stamp = timezone.localtime().strftime("%Y%m%d")
        if file_format == "xlsx":
            book = tablib.Databook(
                [
                    tablib.Dataset(*s.rows(organization), headers=s.headers(), title=str(s.title))
                    for s in sheets
                ]
            )
            response = HttpResponse(
                book.export("xlsx"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{organization.code}-portfolio-{stamp}.xlsx"'
            )
            return response
        sheet = next((s for s in sheets if s.code == sheet_code), None)
        if sheet is not None:
            dataset = tablib.Dataset(*sheet.rows(organization), headers=sheet.headers())
            response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="{organization.code}-{sheet.code}-{stamp}.csv"'
            )
            return response
    context = {
        **console_site.each_context(request),
        "title": _("Export the portfolio"),
        "sheets": sheets,
    }
    return TemplateResponse(request, "console/portfolio_export.html", context)


def _registration_headers() -> list[str]:
    return [
        _("registration number"),
        _("status"),
        _("registered at"),
        _("expires at"),
        _("grantor name"),
        _("grantor ID type"),
        _("grantor ID number"),
        _("secured amount"),
        _("currency"),
        _("loan reference"),
        _("description"),
    ]


def _registration_rows(organization) -> list[list]:
    return [
        [
            r.number,
            display.status_label(r.current_status()),
            display.local_datetime(r.registered_at),
            display.local_datetime(r.expires_at),
            r.grantor_name,
            display.id_type_label(r.grantor_id_type),
            r.grantor_id_number,
            "" if r.secured_amount is None else str(r.secured_amount),
            r.currency,
            r.loan_reference,
            r.description,
        ]
        for r in Registration.objects.filter(secured_party=organization).order_by("registered_at")
    ]


def _item_headers() -> list[str]:
    return [
        _("registration number"),
        _("item"),
        _("kind"),
        _("collateral"),
        _("identifiers"),
        _("effective at"),
    ]


def _item_rows(organization) -> list[list]:
    items = (
        CollateralItem.objects.filter(
            registration__secured_party=organization, removed_at__isnull=True
        )
        .select_related("registration")
        .prefetch_related("identity_keys")
        .order_by("registration__registered_at", "id")
    )
    rows = []
    for item in items:
        view = display.item_view(item)
        rows.append(
            [
                item.registration.number,
                item.pk,
                view.kind,
                view.summary,
                "; ".join(f"{label} {value}" for label, value, _s in view.identifiers),
                display.local_datetime(item.effective_at),
            ]
        )
    return rows


console_site.add_view("portfolio/import/", import_view, "portfolio_import")
console_site.add_view("portfolio/sample.csv", sample_view, "portfolio_sample")
console_site.add_view("portfolio/export/", export_view, "portfolio_export")
console_site.add_export_sheet(
    ExportSheet(
        "registrations",
        gettext_lazy("Registrations"),
        _registration_headers,
        _registration_rows,
        10,
    )
)
console_site.add_export_sheet(
    ExportSheet("items", gettext_lazy("Collateral items"), _item_headers, _item_rows, 20)
)
PORTFOLIO = gettext_lazy("Portfolio")
console_site.add_navigation(
    NavItem(PORTFOLIO, gettext_lazy("Import"), "portfolio_import", "upload", 50, can_write)
)
console_site.add_navigation(
    NavItem(PORTFOLIO, gettext_lazy("Export"), "portfolio_export", "download", 60)
)
