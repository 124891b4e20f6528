"""Scheduled jobs: what one run did (:class:`JobResult`) and the register every app adds to.

Each app declares its own jobs in its ``tasks`` module with :func:`register_job` — the name
``manage.py run_job NAME`` knows it by, the Celery task beat runs, and the default schedule —
so no list here names another app's jobs. :func:`all_jobs` imports every installed app's
``tasks`` module first, so the register is complete wherever it is read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("registry.jobs")


@dataclass
class JobResult:
    """What one run of a job did; logged as one line and printed by ``run_job``."""

    job: str
    scanned: int = 0
    found: int = 0
    opened: int = 0
    resolved: int = 0
    updated: int = 0
    sent: int = 0
    failed: int = 0
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    _started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def changed(self) -> int:
        return self.opened + self.resolved + self.updated + self.sent + self.failed

    def add(self, counts: Any) -> None:
        """Add the ``opened``, ``resolved`` and ``updated`` counts of a reconciliation."""
        self.opened += counts.opened
        self.resolved += counts.resolved
        self.updated += counts.updated

    def finish(self) -> JobResult:
        self.duration = time.monotonic() - self._started
        logger.info("%s", self.summary())
        return self

    def summary(self) -> str:
        parts = [
            f"{self.job}: scanned={self.scanned} found={self.found}",
            f"changed={self.changed} (opened={self.opened} resolved={self.resolved}"
            f" updated={self.updated} sent={self.sent} failed={self.failed})",
            *(f"{k}={v}" for k, v in self.extra.items()),
            f"in {self.duration:.3f}s",
        ]
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        data["changed"] = self.changed
        return data


@dataclass(frozen=True)
class Schedule:
    """A job's default beat schedule (crontab fields, Asia/Shanghai); the operator edits it."""

    name: str
    minute: str
    hour: str = "*"
    description: str = ""


@dataclass(frozen=True)
class Job:
    """A job: ``run`` it in the foreground, or let beat queue ``task`` on ``schedule``."""

    name: str
    run: Callable[[], JobResult]
    task: str
    schedule: Schedule | None = None


_JOBS: dict[str, Job] = {}


def register_job(
    name: str, *, task: str, schedule: Schedule | None = None
) -> Callable[[Callable[[], JobResult]], Callable[[], JobResult]]:
    """Decorator: make ``run`` known as job ``name``, queued by beat as Celery task ``task``."""

    def decorator(run: Callable[[], JobResult]) -> Callable[[], JobResult]:
        _JOBS[name] = Job(name=name, run=run, task=task, schedule=schedule)
        return run

    return decorator


def all_jobs() -> dict[str, Job]:
    """Every registered job, by name (each installed app's ``tasks`` module imported)."""
    autodiscover_modules("tasks")
    return dict(_JOBS)
