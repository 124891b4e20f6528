"""The day a figure is computed for, and how much was known by then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Moment:
    """The day a figure is for, and the instant that day's knowledge ends (``cutoff``)."""

    day: date
    cutoff: datetime

    @classmethod
    def of(cls, as_of: date | None) -> Moment:
        now = timezone.now()
        if as_of is None:
            return cls(timezone.localdate(now), now)
        if as_of >= timezone.localdate(now):
            # today's (or a later day's) knowledge ends now; never computes date.max + 1 day
            return cls(as_of, now)
        day_end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
        return cls(as_of, min(day_end, now))
