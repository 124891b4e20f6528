"""The registration period rule, in one place: 1 to 30 years, or 1 to 360 months (PBoC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.exceptions import InvalidInput

MAX_YEARS = 30
MAX_MONTHS = 360


def calendar_add(moment: datetime, delta: relativedelta) -> datetime:
    """``moment`` moved by whole years or months on the calendar of the service's time zone
    (``TIME_ZONE``, Asia/Shanghai), as a UTC time.

    A month from 31 March 04:00 in Shanghai is 30 April 04:00 there, whatever the hour. On
    the UTC calendar that moment is still 30 March, and a month later would be 1 May in
    Shanghai: the expiry date a lender reads would depend on the hour it registered.
    """
    return (timezone.localtime(moment) + delta).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """A registration period or extension, in whole years or whole months, never both."""

    years: int = 0
    months: int = 0

    def __post_init__(self) -> None:
        valid = (1 <= self.years <= MAX_YEARS and self.months == 0) or (
            self.years == 0 and 1 <= self.months <= MAX_MONTHS
        )
        if not valid:
            raise InvalidInput(
                extra={
                    "period": [
                        _("Give 1 to %(years)d years or 1 to %(months)d months, not both.")
                        % {"years": MAX_YEARS, "months": MAX_MONTHS}
                    ]
                }
            )

    @classmethod
    def from_parts(cls, *, years: int | None, months: int | None, names: tuple[str, str]) -> Period:
        """The period given as two optional request fields (``names``), exactly one set.

        Errors name the request's own field (``period_years`` or ``years`` …).
        """
        years_field, months_field = names
        if (years is None) == (months is None):
            raise InvalidInput(
                extra={
                    years_field: [
                        _("Give either %(y)s or %(m)s.") % {"y": years_field, "m": months_field}
                    ]
                }
            )
        try:
            return cls(years=years or 0, months=months or 0)
        except InvalidInput as exc:
            field = years_field if years is not None else months_field
            raise InvalidInput(extra={field: exc.extra["period"]}) from exc

    @property
    def delta(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months)

    def after(self, moment: datetime) -> datetime:
        """When this period, begun at ``moment``, ends (on the service's calendar)."""
        return calendar_add(moment, self.delta)

    def as_dict(self) -> dict[str, int]:
        return {"years": self.years} if self.years else {"months": self.months}
