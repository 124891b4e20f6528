"""Settings for the test suite: fast password hashing, eager-free Celery, in-memory mail."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-only-insecure-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
TESTING = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min"}}  # noqa: F405

# Files the code writes (dev signing key, demo key) go to a scratch folder, not var/.
VAR_DIR = Path(tempfile.mkdtemp(prefix="registry-test-"))

# Tasks that tests queue on a real broker go to a queue of their own: no development worker
# on the same Redis ever picks them up.
CELERY_TASK_DEFAULT_QUEUE = "registry-tests"
