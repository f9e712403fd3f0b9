"""`make run`'s side effects on the local state folder, kept out of settings.

`app.settings` only reads: the secret key file and the broker choice that `prepare()`
writes under TESSERA_VAR_DIR. `app.run` calls `prepare()` once, before Django loads
settings, so every child (web, worker, beat) and any later `manage.py` read the same
values. No Django imports here: settings are not loaded yet when this runs.
"""

import os
import socket
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
# Written by `prepare()`, read by settings: the broker every process of this install uses.
BROKER_ENV_FILE = "broker.env"
EMBEDDED_REDIS = "redis://127.0.0.1:6379/0"
EMBEDDED_REDIS_ADDRESS = ("127.0.0.1", 6379)


def read_dotenv() -> None:
    if (BASE_DIR / ".env").exists():
        environ.Env.read_env(BASE_DIR / ".env")


def var_dir() -> Path:
    return Path(os.environ.get("TESSERA_VAR_DIR") or BASE_DIR / "var")


def read_secret_key(folder: Path) -> str:
    path = folder / SECRET_KEY_FILE
    return path.read_text().strip() if path.exists() else ""


def redis_answers(attempts: int = 3) -> bool:
    """A real answer to PING, retried: one slow connect must not pick the wrong broker."""
    host, port = EMBEDDED_REDIS_ADDRESS
    for _ in range(attempts):
        try:
            with socket.create_connection((host, port), timeout=1) as sock:
                sock.settimeout(1)
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith((b"+PONG", b"-NOAUTH")):
                    return True
        except OSError:
            pass
    return False


def choose_broker(folder: Path) -> str:
    """The broker of this install, chosen now and written down for every process.

    CELERY_BROKER_URL wins when set. Otherwise Redis when it answers, else the
    file-system broker under var/broker (workers started by `make run` read it too)."""
    url = os.environ.get("CELERY_BROKER_URL") or (
        EMBEDDED_REDIS if redis_answers() else "filesystem://"
    )
    if url.startswith("filesystem"):
        (folder / "broker" / "control").mkdir(parents=True, exist_ok=True)
    (folder / BROKER_ENV_FILE).write_text(
        "# Written by `make run` (app/startup.py): the broker every process uses.\n"
        f"CELERY_BROKER_URL={url}\n"
    )
    return url


def prepare(*, choose_again: bool = True) -> dict[str, str]:
    """Make var/, its secret key (when SECRET_KEY is unset) and the broker choice.

    `make run` chooses the broker again at each start; other entry points
    (`python -m app.startup`: make bench, migrate, worker) keep a choice already written.
    Returns the environment values the children must inherit."""
    from django.core.management.utils import get_random_secret_key

    read_dotenv()
    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("SECRET_KEY") and not read_secret_key(folder):
        path = folder / SECRET_KEY_FILE
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    written = folder / BROKER_ENV_FILE
    if not choose_again and written.exists() and not os.environ.get("CELERY_BROKER_URL"):
        return {}
    return {"CELERY_BROKER_URL": choose_broker(folder)}


if __name__ == "__main__":
    prepare(choose_again=False)
    print(f"tessera: local state ready in {var_dir()}")
