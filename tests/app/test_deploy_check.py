import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_silent_with_production_settings(tmp_path):  # type: ignore[no-untyped-def]
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "TESSERA_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "k9#Lq2!vXw8@Rt5$Yp0^Zn3&Bm6*Hc1(Gd4)Fs7-Je0+Ua9=Ib2",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "tessera.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://tessera.example.org",
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "DATABASE_URL": "postgres://tessera@db.example.org:5432/tessera",
        "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr.strip() == ""
