"""Work queued after a registry write commits, by task name, for apps that build on it.

The registry must not import the apps above it (alerts, valuation), yet they must hear at once
when registrations change: the alerts app's incremental duplicate check runs right after each
registration, amendment, discharge or expiry commits. An app subscribes a Celery task *name*
to an event here (in its ``AppConfig.ready``); the registry announces the event and the task
is queued after the transaction commits. ``robust``: the write has committed by then, so a
broker outage is logged rather than raised, and the scheduled full scans catch up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from celery import current_app
from django.db import transaction

logger = logging.getLogger("registry.dispatch")

# registration ids whose collateral, status or period changed: kwargs {"registration_ids": [...]}
REGISTRATIONS_CHANGED = "registrations_changed"
# registration ids whose objections were filed, changed or closed, or whose secured party
# changed: kwargs {"registration_ids": [...]}
OBJECTIONS_CHANGED = "objections_changed"
# ledger events that name a grantor (registered, amended, discharged): kwargs {"event_ids": [...]}
GRANTOR_EVENTS_RECORDED = "grantor_events_recorded"

_SUBSCRIBERS: dict[str, list[str]] = defaultdict(list)


def subscribe(event: str, task_name: str) -> None:
    """Queue the Celery task ``task_name`` whenever ``event`` is announced (once per name)."""
    if task_name not in _SUBSCRIBERS[event]:
        _SUBSCRIBERS[event].append(task_name)


def queue(task_name: str, **kwargs) -> None:
    """Queue the Celery task named ``task_name`` now (callers queue after commit)."""
    task = current_app.tasks.get(task_name)
    if task is None:  # the apps' tasks modules are imported lazily; import them once
        current_app.loader.import_default_modules()
        task = current_app.tasks.get(task_name)
    if task is not None:
        task.apply_async(kwargs=kwargs)  # honours eager mode in tests and tools
    else:
        current_app.send_task(task_name, kwargs=kwargs)


def announce_on_commit(event: str, **kwargs) -> None:
    """Queue every task subscribed to ``event`` once the current transaction commits."""
    for task_name in list(_SUBSCRIBERS.get(event, ())):
        transaction.on_commit(lambda name=task_name: queue(name, **kwargs), robust=True)


def registrations_changed(registration_ids: Iterable[int]) -> None:
    """Announce, after commit, that these registrations changed (no-op for none)."""
    ids = sorted(set(registration_ids))
    if ids:
        announce_on_commit(REGISTRATIONS_CHANGED, registration_ids=ids)


def objections_changed(registration_ids: Iterable[int]) -> None:
    """Announce, after commit, that objections on these registrations (or who must hear of
    them) changed."""
    ids = sorted(set(registration_ids))
    if ids:
        announce_on_commit(OBJECTIONS_CHANGED, registration_ids=ids)


def grantor_events_recorded(event_ids: Iterable[int]) -> None:
    """Announce, after commit, ledger events that name a registration's grantor."""
    ids = sorted(set(event_ids))
    if ids:
        announce_on_commit(GRANTOR_EVENTS_RECORDED, event_ids=ids)
