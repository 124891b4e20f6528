"""Search before lending, the public notice of any registration, search certificates and
the dashboard's registry panels."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collateral.resolution import UnresolvedIdentifier, resolve_identifier
from registry import display
from registry.console.forms import SearchForm
from registry.console.registrations import registration_link
from registry.console.site import NavItem, Section, can_write, console_actor, console_site
from registry.exceptions import NotFound, RegistryError
from registry.models import Registration
from registry.printing import certificate_html
from registry.selectors.certificates import search_certificate_get_own
from registry.selectors.registrations import registration_get, registration_history
from registry.selectors.search import SearchQuery, grantor_id_candidates
from registry.services.certificates import search_certificate_issue
from registry.services.search import search_perform


def _denotes_identifier(text: str) -> bool:
    """Whether the box holds a collateral identifier. Any text could be a receipt number
    under some issuer (a partial key), so that alone counts only when it has digits, as every
    receipt number does and a person's or company's name does not."""
    try:
        keys = resolve_identifier(text)
    except UnresolvedIdentifier:
        return False
    return any(not key.partial for key in keys) or any(c.isdigit() for c in text)


def build_query(form: SearchForm) -> SearchQuery:
    """What the one box means: an identifier if it denotes one, else a grantor ID if it is
    one, else a grantor name (unless the user said which)."""
    text = form.cleaned_data["q"].strip()
    mode = form.cleaned_data.get("mode") or SearchForm.MODE_AUTO
    include_inactive = form.cleaned_data.get("include_inactive", False)
    if mode == SearchForm.MODE_AUTO:
        if _denotes_identifier(text):
            mode = SearchForm.MODE_IDENTIFIER
        elif len(grantor_id_candidates(text)) > 1:
            mode = SearchForm.MODE_GRANTOR_ID
        else:
            mode = SearchForm.MODE_GRANTOR_NAME
    return SearchQuery(**{mode: text, "include_inactive": include_inactive})


def _hit_row(hit, organization_id: int) -> dict:
    registration = hit.registration
    return {
        "registration": registration,
        "url": registration_link(registration, organization_id),
        "own": registration.secured_party_id == organization_id,
        "status": registration.current_status(),
        "match": hit.match,
        "matched": [(display.scheme_label(k.scheme), k.value) for k in hit.matched],
        "grantor_id": display.grantor_id_shown(registration, organization_id),
        "items": [display.item_view(item) for item in registration.current_items],
    }


SEARCH_PAGE_SIZE = 50


def search_view(request):
    """The search page: every match counted, shown a page at a time (``?page=``)."""
    actor = console_actor(request)
    form = SearchForm(request.GET or None)
    rows, query, page = None, None, None
    if form.is_bound and form.is_valid():
        query = build_query(form)
        if query.grantor_name and len(query.grantor_name) < 2:
            form.add_error("q", _("Give at least 2 characters."))
        else:
            try:
                results = search_perform(actor=actor, query=query)
            except RegistryError as exc:  # a resident-ID quota: the reason, not a 500
                form.add_error("q", str(exc.message))
            else:
                page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
                rows = [_hit_row(hit, actor.organization.pk) for hit in page.object_list]
    others = request.GET.copy()
    others.pop("page", None)
    context = {
        **console_site.each_context(request),
        "title": _("Search before lending"),
        "form": form,
        "rows": rows,
        "page": page,
        "query_params": others.urlencode(),
    }
    return TemplateResponse(request, "console/search.html", context)


def certificate_issue_view(request):
    """Search again and keep a signed snapshot (查询证明); a read, so viewers may issue one."""
    actor = console_actor(request)
    form = SearchForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return HttpResponseRedirect(reverse("console:registry_search"))
    try:
        certificate = search_certificate_issue(actor=actor, query=build_query(form))
    except RegistryError as exc:  # too many results for a certificate, or a quota
        messages.error(request, str(exc.message))
        again = urlencode({k: v for k, v in form.cleaned_data.items() if v})
        return HttpResponseRedirect(f"{reverse('console:registry_search')}?{again}")
    return HttpResponseRedirect(reverse("console:certificate", args=[certificate.number]))


def certificate_view(request, number: str):
    actor = console_actor(request)
    try:
        certificate = search_certificate_get_own(organization=actor.organization, number=number)
    except NotFound:
        raise Http404 from None
    language = translation.get_language() or "zh-hans"
    if language not in ("zh-hans", "en"):
        language = "zh-hans"
    return HttpResponse(certificate_html(request, certificate, language=language))


def notice_view(request, number: str):
    """The public notice of any registration: never its private fields, nor the payloads."""
    actor = console_actor(request)
    try:
        registration = registration_get(number=number)
    except RegistryError:
        raise Http404 from None
    if registration.secured_party_id == actor.organization.pk:
        return HttpResponseRedirect(registration_link(registration, actor.organization.pk))
    context = {
        **console_site.each_context(request),
        "title": _("Notice of registration %(number)s") % {"number": registration.number},
        "registration": registration,
        "status": registration.current_status(),
        "grantor_id": display.grantor_id_shown(registration, actor.organization.pk),
        "items": [display.item_view(item) for item in registration.current_items],
        "events": registration_history(
            number=registration.number, organization=actor.organization
        ).events,
    }
    return TemplateResponse(request, "console/notice.html", context)


def _expiring_panel(request) -> dict:
    now = timezone.now()
    soon = (
        Registration.objects.filter(secured_party_id=request.user.organization_id)
        .active(now)
        .filter(expires_at__lte=now + timedelta(days=30))
        .order_by("expires_at")
    )
    return {
        "title": _("Expiring within 30 days"),
        "count": soon.count(),
        "url": reverse("console:registry_registration_changelist") + "?expiring_within=30",
        "rows": [
            {
                "label": r.number,
                "detail": display.local_datetime(r.expires_at),
                "url": registration_link(r, request.user.organization_id),
            }
            for r in soon[:5]
        ],
    }


def _latest_panel(request) -> dict:
    latest = Registration.objects.filter(secured_party_id=request.user.organization_id).order_by(
        "-registered_at", "-id"
    )
    return {
        "title": _("Latest registrations"),
        "count": latest.count(),
        "url": reverse("console:registry_registration_changelist"),
        "rows": [
            {
                "label": r.number,
                "detail": f"{r.grantor_name} · {display.local_datetime(r.registered_at)}",
                "url": registration_link(r, request.user.organization_id),
            }
            for r in latest[:5]
        ],
    }


# "search/" is the theme's own command search
console_site.add_view("registry-search/", search_view, "registry_search")
console_site.add_view("registry-search/certificate/", certificate_issue_view, "certificate_issue")
console_site.add_view("certificates/<str:number>/", certificate_view, "certificate")
console_site.add_view("notices/<str:number>/", notice_view, "notice")
console_site.add_dashboard_panel(Section("console/panel_list.html", _expiring_panel, order=20))
console_site.add_dashboard_panel(Section("console/panel_list.html", _latest_panel, order=40))

WORK = gettext_lazy("Daily work")
console_site.add_navigation(NavItem(WORK, gettext_lazy("Dashboard"), "index", "dashboard", 0))
console_site.add_navigation(NavItem(WORK, gettext_lazy("Search"), "registry_search", "search", 10))
console_site.add_navigation(
    NavItem(
        WORK, gettext_lazy("Registrations"), "registry_registration_changelist", "description", 20
    )
)
console_site.add_navigation(
    NavItem(
        WORK,
        gettext_lazy("Register a pledge"),
        "registry_registration_add",
        "add_circle",
        15,
        can_write,
    )
)
