"""Which haircut policy version a figure is computed with."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.exceptions import NotFound
from registry.models import Organization
from valuation.models import HaircutPolicy
from valuation.policies import PLATFORM_DEFAULT_POLICY, PLATFORM_DEFAULT_VERSION, EffectivePolicy
from valuation.selectors.moment import Moment


def policy_effective(*, organization: Organization, at: datetime | None = None) -> EffectivePolicy:
    """The organization's policy in force at ``at`` (now): its latest version effective by
    then, else the platform's latest, else the platform default in code (version 0)."""
    row = (
        HaircutPolicy.objects.filter(
            Q(organization=organization) | Q(organization__isnull=True),
            effective_from__lte=at or timezone.now(),
        )
        .select_related("organization")
        .order_by(F("organization_id").asc(nulls_last=True), "-version")
        .first()
    )
    return EffectivePolicy.from_row(row) if row else PLATFORM_DEFAULT_POLICY


def policy_version_get(
    *, organization: Organization, version: int, platform: bool = False
) -> EffectivePolicy:
    """One version: the organization's own, or with ``platform`` the platform's (0: code)."""
    if version == PLATFORM_DEFAULT_VERSION:
        return PLATFORM_DEFAULT_POLICY
    row = (
        HaircutPolicy.objects.select_related("organization")
        .filter(organization=None if platform else organization, version=version)
        .first()
    )
    if row is None:
        raise NotFound(
            _("There is no haircut policy version %(version)s.") % {"version": version},
            extra={"version": version},
        )
    return EffectivePolicy.from_row(row)


def policy_versions(*, organization: Organization) -> list[EffectivePolicy]:
    """Every version the organization can compute with: its own, newest first, then the
    platform's, ending with the platform default in code."""
    rows = (
        HaircutPolicy.objects.filter(Q(organization=organization) | Q(organization__isnull=True))
        .select_related("organization")
        .order_by(F("organization_id").asc(nulls_last=True), "-version")
    )
    return [*(EffectivePolicy.from_row(row) for row in rows), PLATFORM_DEFAULT_POLICY]


def policy_for_figures(
    *,
    organization: Organization,
    as_of: date | None = None,
    version: int | None = None,
    platform: bool = False,
) -> EffectivePolicy:
    """The version asked for, or the one in force at the end of ``as_of``."""
    if version is not None:
        return policy_version_get(organization=organization, version=version, platform=platform)
    return policy_effective(organization=organization, at=Moment.of(as_of).cutoff)
