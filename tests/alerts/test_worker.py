"""A real Celery worker process against Redis (not eager mode) raises a duplicate alert."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from registry.alerts.models import Alert
from tests.factories import ip_item, patent_number, registration_payload

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    """The URL of the test database actually in use (pytest-django's ``test_<name>``)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not _redis_answers(), reason="needs REDIS_URL and a Redis that answers"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process must see the test database",
    ),
]


@pytest.fixture
def worker_queue():
    """A queue of this test's own, so no other worker takes its tasks (and it takes no other)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous


@pytest.mark.django_db(transaction=True)
def test_worker_raises_the_alert_of_a_registration_made_over_http(
    client_a, client_b, worker_queue, tmp_path
):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 - our own venv's celery
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--queues",
            worker_queue,
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{worker_queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        number = patent_number()
        for client in (client_a, client_b):
            response = client.post(
                "/api/v1/registrations/", registration_payload(ip_item(number)), format="json"
            )
            assert response.status_code == 201, response.json()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and worker.poll() is None:
            if Alert.objects.filter(kind="duplicate_pledge").count() == 2:
                break
            time.sleep(0.2)
        alerts = set(
            Alert.objects.filter(kind="duplicate_pledge").values_list(
                "organization__code", "status"
            )
        )
        assert alerts == {("BANKA", "open"), ("BANKB", "open")}, (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
        listed = client_b.get("/api/v1/alerts/").json()
        assert listed["count"] == 1 and listed["results"][0]["kind"] == "duplicate_pledge"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        log.close()
