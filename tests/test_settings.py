"""Production settings: hardened enough for `check --deploy`, and refuse to start unsafely."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pem() -> str:
    from registry.signing import new_private_key_pem

    return new_private_key_pem()


def _good_env() -> dict[str, str]:
    """A complete production environment; each test takes one thing away or breaks it."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "SEARCH_CERTIFICATE_SIGNING_KEY": _pem(),
        "DEBUG": "0",
    }


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = {"SECRET_KEY", "REDIS_URL", "SEARCH_CERTIFICATE_SIGNING_KEY", "DEBUG"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production")
    environment.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_good_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", **{**_good_env(), "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SEARCH_CERTIFICATE_SIGNING_KEY": None}, "SEARCH_CERTIFICATE_SIGNING_KEY must be set"),
        (
            {"SEARCH_CERTIFICATE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nbroken\n"},
            "not a readable PEM private key",
        ),
        ({"REDIS_URL": None}, "REDIS_URL must be set"),
        ({"DEBUG": "1"}, "DEBUG must be off"),
    ],
    ids=["no-signing-key", "bad-pem", "no-redis", "debug-on"],
)
def test_production_refuses_to_start_misconfigured(change, message):
    result = _manage("check", **{**_good_env(), **change})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_signing_key_that_is_not_ed25519():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    result = _manage("check", **{**_good_env(), "SEARCH_CERTIFICATE_SIGNING_KEY": pem})
    assert result.returncode != 0
    assert "must be an Ed25519 key" in result.stderr


def test_production_serves_json_only():
    code = (
        "from django.conf import settings;"
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    result = _manage("shell", "-c", code, **_good_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['rest_framework.renderers.JSONRenderer']"


def test_a_killed_workers_task_is_redelivered_within_minutes():
    """acks_late + a short visibility timeout; no task may outlive the timeout."""
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    code = (
        "from django.conf import settings as s;"
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], s.CELERY_TASK_TIME_LIMIT)"
    )
    result = _manage("shell", "-c", code, **_good_env())
    assert result.returncode == 0, result.stderr
    visibility, limit = map(int, result.stdout.strip().splitlines()[-1].split())
    assert visibility <= 300
    assert limit < visibility


@pytest.mark.parametrize("visibility", ["300", "20"])
def test_abandoned_tasks_are_looked_for_soon_after_the_visibility_timeout(visibility):
    """Kombu's Redis transport restores a dead worker's unacknowledged tasks only when a live
    worker sweeps for them: by default every 10 s x every 10th call, i.e. 100 s, on top of
    the visibility timeout (seen in make chaos: a SIGKILLed task waited 80+ s at 20 s).
    The sweep must come within a quarter of the timeout (at most 10 s)."""
    code = (
        "from django.conf import settings as s;"
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(o.get('unacked_restore_interval', 10), o.get('unacked_restore_throttle', 10))"
    )
    result = _manage(
        "shell", "-c", code, **{**_good_env(), "CELERY_VISIBILITY_TIMEOUT": visibility,
                                "CELERY_TASK_TIME_LIMIT": str(int(visibility) - 5),
                                "CELERY_TASK_SOFT_TIME_LIMIT": str(int(visibility) - 10)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    interval, throttle = map(int, result.stdout.strip().splitlines()[-1].split())
    assert interval * throttle <= min(10, int(visibility) / 4)


def test_task_limits_beyond_the_visibility_timeout_refuse_to_start():
    result = _manage("check", **{**_good_env(), "CELERY_TASK_TIME_LIMIT": "3600"})
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT" in result.stderr
