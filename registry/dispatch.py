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
from typing import Any

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

# the registry's task that runs several announced tasks from one message (registry.tasks)
DELIVER_TASK = "registry.announced_tasks_run"

_SUBSCRIBERS: dict[str, list[str]] = defaultdict(list)


def subscribe(event: str, task_name: str) -> None:
    """Queue the Celery task ``task_name`` whenever ``event`` is announced (once per name)."""
    if task_name not in _SUBSCRIBERS[event]:
        _SUBSCRIBERS[event].append(task_name)


def _task(task_name: str):
    task = current_app.tasks.get(task_name)
    if task is None:  # the apps' tasks modules are imported lazily; import them once
        current_app.loader.import_default_modules()
        task = current_app.tasks.get(task_name)
    return task


def queue(task_name: str, **kwargs) -> None:
    """Queue the Celery task named ``task_name`` now (callers queue after commit)."""
    task = _task(task_name)
    if task is not None:
        task.apply_async(kwargs=kwargs)  # honours eager mode in tests and tools
    else:
        current_app.send_task(task_name, kwargs=kwargs)


def announce_on_commit(event: str, **kwargs) -> None:
    """Queue every task subscribed to ``event`` once the current transaction commits."""
    announce_all_on_commit([(event, kwargs)])


def announce_all_on_commit(announcements: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Queue every task subscribed to these events once the current transaction commits.

    Two or more go as one message (``DELIVER_TASK`` runs them one after the other in the
    worker): a registration's two follow-up tasks cost one publish in the request and one
    delivery in the worker, not two of each.
    """
    calls = [
        [task_name, kwargs]
        for event, kwargs in announcements
        for task_name in _SUBSCRIBERS.get(event, ())
    ]
    if len(calls) == 1:
        [[task_name, kwargs]] = calls
        transaction.on_commit(lambda: queue(task_name, **kwargs), robust=True)
    elif calls:
        transaction.on_commit(lambda: queue(DELIVER_TASK, calls=calls), robust=True)


def deliver(calls: list[list]) -> None:
    """Run queued ``[task name, kwargs]`` calls here, in order (the worker's side of
    ``announce_all_on_commit``). Each is idempotent; one that fails does not stop the
    others, and the first failure is raised at the end so the delivery shows as failed."""
    failure: Exception | None = None
    for task_name, kwargs in calls:
        task = _task(task_name)
        if task is None:  # not known in this process: let a worker that knows it run it
            current_app.send_task(task_name, kwargs=kwargs)
            continue
        try:
            task(**kwargs)
        except Exception as exc:  # logged here, raised once the others have run
            logger.exception("announced task %s failed", task_name)
            failure = failure or exc
    if failure is not None:
        raise failure


def _announcement(event: str, key: str, ids: Iterable[int]) -> list[tuple[str, dict[str, Any]]]:
    ids = sorted(set(ids))
    return [(event, {key: ids})] if ids else []


def registrations_changed(registration_ids: Iterable[int]) -> None:
    """Announce, after commit, that these registrations changed (no-op for none)."""
    announce_all_on_commit(
        _announcement(REGISTRATIONS_CHANGED, "registration_ids", registration_ids)
    )


def objections_changed(registration_ids: Iterable[int]) -> None:
    """Announce, after commit, that objections on these registrations (or who must hear of
    them) changed."""
    announce_all_on_commit(_announcement(OBJECTIONS_CHANGED, "registration_ids", registration_ids))


def grantor_events_recorded(event_ids: Iterable[int]) -> None:
    """Announce, after commit, ledger events that name a registration's grantor."""
    announce_all_on_commit(_announcement(GRANTOR_EVENTS_RECORDED, "event_ids", event_ids))


def registration_event_recorded(
    *, registration_ids: Iterable[int], event_ids: Iterable[int]
) -> None:
    """``registrations_changed`` and ``grantor_events_recorded`` at once, after commit:
    their tasks travel in one message."""
    announce_all_on_commit(
        [
            *_announcement(REGISTRATIONS_CHANGED, "registration_ids", registration_ids),
            *_announcement(GRANTOR_EVENTS_RECORDED, "event_ids", event_ids),
        ]
    )
