"""`make run`'s supervisor: what it refuses and the first superuser it makes."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parents[2]


def test_a_taken_port_stops_it_with_a_message_naming_the_port(tmp_path):  # type: ignore[no-untyped-def]
    with socket.socket() as taken, socket.socket() as free:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        free.bind(("127.0.0.1", 0))
        port, free_port = taken.getsockname()[1], free.getsockname()[1]
        free.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "app.settings",
            "TESSERA_VAR_DIR": str(tmp_path),
            "RUN_HTTPS_PORT": str(port),
            "RUN_HTTP_PORT": str(free_port),
        }
        result = subprocess.run(
            [sys.executable, "-m", "app.run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "HTTPS" in result.stderr


@pytest.mark.django_db
def test_first_superuser_is_made_once_with_a_password_shown_once():  # type: ignore[no-untyped-def]
    from app.run import create_first_superuser

    password = create_first_superuser()
    assert password is not None and len(password) >= 16
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert password not in admin.password  # only a hash is stored
    assert admin.emailaddress_set.get().verified  # type: ignore[attr-defined]
    assert create_first_superuser() is None  # never again, never a second password
