"""Every URL pattern of the project, each filled with organization A's real objects.

Nothing here names a route: patterns come from ``get_resolver()``, path parameters are filled
by what they denote — the resource named by the literal segment before them on the API, the
model of the admin page on a console or admin site. A parameter nothing can fill is reported,
never skipped, so a new route is walked (or fails loudly) without editing the test.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from registry.console.site import console_site
from registry.models import Organization

SITES = {"console/": console_site, "admin/": admin.site}
# Rows of one model walked per object page: scoping is per queryset, so a few rows of each
# model show a leak as well as all of them would.
ROWS_PER_MODEL = 3
DJANGO_VIEW_METHODS = ("GET", "POST")
MISSING_PK = "0"


@dataclass
class Route:
    """One URL pattern: its full pattern text, name, view and the methods it answers."""

    pattern: str
    name: str | None
    callback: object
    parts: list  # the resolver chain's patterns, outermost first
    methods: tuple[str, ...] = field(default=())

    @property
    def site_prefix(self) -> str | None:
        return next((p for p in SITES if self.pattern.startswith(p)), None)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _methods(callback) -> tuple[str, ...]:
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: the methods it maps
        return tuple(sorted(m.upper() for m in actions))
    if cls is not None and issubclass(cls, APIView):
        return tuple(
            m.upper()
            for m in cls.http_method_names
            if m not in ("options", "head", "trace") and hasattr(cls, m)
        )
    return DJANGO_VIEW_METHODS


def all_routes() -> list[Route]:
    routes = []

    def walk(resolver: URLResolver, prefix: str, parts: list) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern), [*parts, entry.pattern])
            elif isinstance(entry, URLPattern):
                routes.append(
                    Route(
                        pattern=prefix + str(entry.pattern),
                        name=entry.name,
                        callback=entry.callback,
                        parts=[*parts, entry.pattern],
                        methods=_methods(entry.callback),
                    )
                )

    walk(get_resolver(), "", [])
    return routes


# --- which objects a parameter denotes ------------------------------------------------

PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<rx>[^)]*)\)")


def params(pattern: str) -> list[tuple[str, str, int]]:
    """(name, converter or regex, position) of each parameter in a pattern's text."""
    found = []
    for m in PARAM.finditer(pattern):
        if m.group("name"):
            found.append((m.group("name"), m.group("conv") or "str", m.start()))
        else:
            found.append((m.group("rname"), "re:" + m.group("rx"), m.start()))
    return found


def owned_by(obj: models.Model, organization: Organization, depth: int = 2) -> bool:
    """Whether ``obj`` belongs to ``organization`` through foreign keys (``depth`` hops)."""
    if isinstance(obj, Organization):
        return obj.pk == organization.pk
    if depth == 0:
        return False
    for f in obj._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.name not in ("acknowledged_by_user",):
            related = getattr(obj, f.name)
            if related is not None and owned_by(related, organization, depth - 1):
                return True
    return False


def rows_not_of(model: type[models.Model], outsider: Organization) -> list[models.Model]:
    """Rows the outsider does not own: every other organization's, and the operator's."""
    rows = [o for o in model._default_manager.order_by("pk") if not owned_by(o, outsider)]
    if len(rows) <= ROWS_PER_MODEL:
        return rows
    step = max(1, len(rows) // ROWS_PER_MODEL)
    return rows[::step][:ROWS_PER_MODEL]


def api_resources(outsider: Organization) -> dict[str, list[str]]:
    """What the literal segment before an API parameter names → the values to fill it with."""
    from registry.alerts.models import Alert, GrantorWatch, Webhook
    from registry.models import (
        CollateralItem,
        Objection,
        Registration,
        RegistrationCertificate,
        SearchCertificate,
        TransferOffer,
    )

    def pks(model):
        return [str(o.pk) for o in model.objects.order_by("pk") if not owned_by(o, outsider)]

    registrations = [
        r.number for r in Registration.objects.order_by("pk") if r.secured_party_id != outsider.pk
    ]
    search_certs = [
        c.number for c in SearchCertificate.objects.order_by("pk") if not owned_by(c, outsider)
    ]
    registration_certs = [
        c.number
        for c in RegistrationCertificate.objects.order_by("pk")
        if not owned_by(c, outsider)
    ][:ROWS_PER_MODEL]
    return {
        "registrations": registrations,
        "collateral": pks(CollateralItem),
        "objections": pks(Objection),
        "transfers": pks(TransferOffer),
        "alerts": pks(Alert),
        "webhooks": pks(Webhook),
        "grantor-watches": pks(GrantorWatch),
        "search-certificates": search_certs,
        "registration-certificates": registration_certs,
        "verify": search_certs + registration_certs,
        # console pages outside the model admins
        "certificates": search_certs,
        "notices": registrations[:ROWS_PER_MODEL],
    }


class Unfillable(Exception):
    pass


def _regex_alternatives(regex: str) -> list[str] | None:
    if re.fullmatch(r"[\w|-]+", regex):
        return regex.split("|")
    return None


def _site_model(route: Route):
    """The model an admin URL is about: ``<site>/<app_label>/<model_name>/…``."""
    site = SITES[route.site_prefix]
    rest = route.pattern[len(route.site_prefix) :].split("/")
    if len(rest) >= 2:
        for model in site._registry:
            if (model._meta.app_label, model._meta.model_name) == (rest[0], rest[1]):
                return model
    return None


def fillings(route: Route, outsider: Organization, resources) -> list[dict[str, str]]:
    """Every way to fill the route's parameters with objects the outsider does not own."""
    found = params(route.pattern)
    if not found:
        return [{}]
    choices: dict[str, list[str]] = {}
    for name, conv, position in found:
        if conv.startswith("re:") and (alternatives := _regex_alternatives(conv[3:])):
            choices[name] = alternatives
            continue
        if name == "url" and conv == "re:.*":  # the admin's catch-all
            choices[name] = ["no-such-page/"]
            continue
        if name == "content_type_id":  # the admin's view-on-site redirect
            choices[name] = [str(ContentType.objects.get_for_model(resources["_registration"]).pk)]
            continue
        if name == "object_id" and "content_type_id" in choices:
            choices[name] = [str(resources["_registration"].pk)]
            continue
        model = _site_model(route) if route.site_prefix else None
        if model is None:
            # the resource the literal segment before the parameter names
            before = [s for s in route.pattern[:position].split("/") if s and "<" not in s]
            segment = before[-1].lstrip("^") if before else None
            if segment not in resources:
                raise Unfillable(f"{route.pattern}: {name} after {segment!r}")
            choices[name] = resources[segment]
            continue
        if name not in ("pk", "id", "object_id", f"{model._meta.model_name}_id"):
            raise Unfillable(f"{route.pattern}: {name} ({conv}) on {model._meta.label}")
        # a model page: the model's rows; an empty table is walked with a row that is not there
        choices[name] = [str(o.pk) for o in rows_not_of(model, outsider)] or [MISSING_PK]
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices.values())]


def changelist_actions(route: Route, outsider: Organization) -> list[dict]:
    """On a model admin's list: each of its actions posted with other organizations' rows
    selected (and confirmed), as a crafted form would."""
    if not (route.site_prefix and (route.name or "").endswith("_changelist")):
        return []
    model = _site_model(route)
    if model is None:
        return []
    model_admin = SITES[route.site_prefix]._registry[model]
    names = {"delete_selected"} | {
        a if isinstance(a, str) else a.__name__ for a in (model_admin.actions or [])
    }
    selected = [str(o.pk) for o in rows_not_of(model, outsider)]
    if not selected:
        return []
    return [
        {"action": name, "_selected_action": selected, "index": "0", "post": "yes"}
        for name in sorted(names)
    ]


def url_for(route: Route, kwargs: dict[str, str]) -> str:
    """The request path: each parameter replaced by its value, regex anchors dropped."""
    path = route.pattern
    for name, value in kwargs.items():
        path = re.sub(
            rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", lambda _m, v=value: v, path, count=1
        )
    return "/" + path.replace("^", "").replace("$", "")


# What a sign-in or an API call itself writes: not the data a write may not change.
BOOKKEEPING_APPS = {"sessions", "axes"}
BOOKKEEPING_FIELDS = {"last_login", "last_used_at"}


def models_counted() -> list[type[models.Model]]:
    """Every model of every app, except the login bookkeeping a sign-in itself writes."""
    return [m for m in apps.get_models() if m._meta.app_label not in BOOKKEEPING_APPS]


class WriteDetector:
    """Notes whether a request ran any INSERT, UPDATE or DELETE beyond sign-in bookkeeping, so
    the walk fingerprints the database only after requests that tried to write."""

    IGNORED = ("django_session", "axes_")
    BOOKKEEPING_UPDATES = ("last_login", "last_used_at")

    def __init__(self) -> None:
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip()[:6].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and not any(t in sql for t in self.IGNORED):
            bookkeeping = head == "UPDATE" and any(c in sql for c in self.BOOKKEEPING_UPDATES)
            if not bookkeeping:
                self.wrote = True
        return execute(sql, params, many, context)


def _rows(model, upto=None) -> list[tuple]:
    names = [f.attname for f in model._meta.concrete_fields if f.name not in BOOKKEEPING_FIELDS]
    queryset = model._default_manager.order_by("pk")
    if upto is not None:
        queryset = queryset.filter(pk__lte=upto)
    return list(queryset.values_list("pk", *names))


def fingerprint() -> dict[str, tuple]:
    """Per model: row count, highest pk and a hash of every row's values, so an UPDATE shows
    as well as an INSERT or DELETE."""
    prints = {}
    for model in models_counted():
        rows = _rows(model)
        prints[model._meta.label] = (len(rows), rows[-1][0] if rows else 0, hash(repr(rows)))
    return prints


def only_insertions_of(before: dict, after: dict, organization: Organization) -> bool:
    """Whether every change between two fingerprints is a new row of ``organization``'s own:
    the caller writing its own collection (a policy version, a webhook), never touching others'."""
    for label, (count, _top, digest) in after.items():
        old_count, old_top, old_digest = before[label]
        if digest == old_digest:
            continue
        model = apps.get_model(label)
        if hash(repr(_rows(model, upto=old_top))) != old_digest:
            return False  # an existing row changed or went
        added = list(model._default_manager.filter(pk__gt=old_top))
        if len(added) != count - old_count or not all(owned_by(o, organization) for o in added):
            return False
    return True
