"""Test run: the project's one settings module, fed test values through the environment.

Each pytest-xdist worker gets its own Redis database and its own buckets, so workers
never see each other's tasks or objects; all share one SeaweedFS server.
"""

import os
import uuid

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_index = int(_worker.removeprefix("gw") or 0)
# Several checkouts may run their suites side by side on one machine: each sets its own
# TEST_REDIS_PORT and TEST_REDIS_DB_BASE, bucket prefix, database and object-store port.
_redis_base = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
_redis_port = int(os.environ.get("TEST_REDIS_PORT", "6379"))
_prefix = os.environ.get("TEST_BUCKET_PREFIX", "test")

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
os.environ["CELERY_BROKER_URL"] = os.environ.get(
    "TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:{_redis_port}/{_redis_base + _index}"
)
os.environ.setdefault("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:18333")
os.environ.setdefault("TESSERA_VAR_DIR", os.path.join(os.getcwd(), "var", "test"))
os.environ.setdefault("SEAWEEDFS_DIR", os.path.join(os.getcwd(), "var", "test", "seaweedfs"))
for _bucket in ("private", "protected", "public", "uploads"):
    os.environ[f"BUCKET_{_bucket.upper()}"] = f"{_prefix}-{_worker}-{_bucket}"
# One id per test run, inherited by xdist workers and every process a test starts, and
# put on every container the executor creates: the end of the run (tests/cleanup.py)
# finds and removes what the run left, even after an interrupt, and nothing of others'.
os.environ.setdefault("TESSERA_TEST_RUN", uuid.uuid4().hex)
os.environ["WORKERS_CONTAINER_LABELS"] = f"tessera.test-run={os.environ['TESSERA_TEST_RUN']}"
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ACCOUNT_EMAIL_VERIFICATION", "mandatory")

from app.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
# Pages render and live servers serve CSS/JS straight from the sources: no collectstatic.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when missing)
# A tiny protected model for the permission helpers' tests (tests/permtest).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.permtest"]  # noqa: F405
