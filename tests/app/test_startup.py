"""Start-up side effects live in `make run`'s start (app/startup.py); settings only read
what it wrote, so every process uses the one broker chosen at start."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CELERY_BROKER_URL); print(bool(settings._wrapped.SECRET_KEY))"
)


def _settings_in_a_new_process(var: Path) -> list[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "app.settings", "TESSERA_VAR_DIR": str(var)})
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_loading_settings_writes_nothing(tmp_path):  # type: ignore[no-untyped-def]
    var = tmp_path / "var"
    # No file-system broker fallback behind anyone's back: Redis, and no key made up.
    assert _settings_in_a_new_process(var) == ["redis://127.0.0.1:6379/0", "False"]
    assert not var.exists()


def test_the_broker_chosen_at_start_is_what_every_later_process_reads(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from app import startup

    var = tmp_path / "var"
    monkeypatch.setenv("TESSERA_VAR_DIR", str(var))
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with socket.socket() as sock:  # a port where no Redis answers, as on a host without one
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setattr(startup, "EMBEDDED_REDIS_ADDRESS", ("127.0.0.1", dead))

    assert startup.prepare() == {"CELERY_BROKER_URL": "filesystem://"}
    assert (var / "broker" / "control").is_dir()
    assert (var / "secret_key").stat().st_mode & 0o777 == 0o600
    key = (var / "secret_key").read_text()
    assert _settings_in_a_new_process(var) == ["filesystem://", "True"]

    # A later `python -m app.startup` (make worker, bench) keeps the choice and the key.
    monkeypatch.setattr(startup, "EMBEDDED_REDIS_ADDRESS", ("127.0.0.1", 6379))  # Redis is back
    assert startup.prepare(choose_again=False) == {}
    assert _settings_in_a_new_process(var) == ["filesystem://", "True"]
    assert (var / "secret_key").read_text() == key
    # The next `make run` chooses again.
    assert startup.prepare() == {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    assert _settings_in_a_new_process(var) == ["redis://127.0.0.1:6379/0", "True"]
