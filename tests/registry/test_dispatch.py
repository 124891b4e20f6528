"""After-commit announcements: a write's follow-up tasks travel in one message."""

from __future__ import annotations

import pytest
from celery import shared_task

from registry import dispatch
from registry.actors import Actor
from registry.items import item_validate
from registry.periods import Period
from registry.services.registrations import registration_create
from tests.factories import OrganizationFactory, grantor

RAN: list[tuple[str, dict]] = []


@shared_task(name="tests.dispatch_ok")
def ok_task(**kwargs):
    RAN.append(("ok", kwargs))


@shared_task(name="tests.dispatch_broken")
def broken_task(**kwargs):
    RAN.append(("broken", kwargs))
    raise RuntimeError("broken on purpose")


@pytest.fixture
def queued(monkeypatch):
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(dispatch, "queue", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.mark.django_db
def test_a_registration_queues_its_three_tasks_in_one_message_after_commit(
    queued, django_capture_on_commit_callbacks
):
    actor = Actor.command(OrganizationFactory(), "test")
    item = item_validate(
        {
            "kind": "livestock",
            "species": "pig",
            "ear_tags": ["133010600000017"],
            "head_count": 1,
            "farm": "Test farm",
        }
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = registration_create(
            actor=actor, grantor=grantor(), items=[item], period=Period(years=1)
        )
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    event = result.registration.events.get()
    assert queued == [
        (
            dispatch.DELIVER_TASK,
            {
                "calls": [
                    [
                        "registry.duplicate_pledges_check",
                        {"registration_ids": [result.registration.pk]},
                    ],
                    [
                        "registry.expiring_alerts_check",
                        {"registration_ids": [result.registration.pk]},
                    ],
                    ["registry.grantor_watch_alerts", {"event_ids": [event.pk]}],
                ]
            },
        )
    ]


@pytest.mark.django_db
def test_a_single_subscriber_is_queued_as_itself(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.objections_changed([3, 1, 3])
    assert queued == [("registry.objection_alerts_check", {"registration_ids": [1, 3]})]


def test_deliver_runs_every_call_and_raises_the_failure_after():
    RAN.clear()
    with pytest.raises(RuntimeError, match="broken on purpose"):
        dispatch.deliver([["tests.dispatch_broken", {"n": 1}], ["tests.dispatch_ok", {"n": 2}]])
    assert RAN == [("broken", {"n": 1}), ("ok", {"n": 2})]
