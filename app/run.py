"""`make run`: the whole platform on one machine, supervised from one process.

First writes the local state (`app.startup.prepare`: var/, the secret key, the broker
choice every child reads). Then runs the start-up steps in `STARTUP_STEPS` (TLS
certificates, migrations, static files, the embedded object store, the first
superuser), then starts the long-running children: gunicorn over HTTPS (API and site)
and over plain HTTP (site, for a browser), one Celery worker for every queue and beat.
Ctrl-C or SIGTERM stops them all. The supervisor watches every child from the first
step on: an object store that exits is restarted (a few times, with its log tail); any
other child that exits stops the whole platform with the cause, so "running" is never
printed while a part is down.

Other apps add start-up work (say, registering a demo algorithm) by appending a
`Step` to `STARTUP_STEPS`; steps run in order with the object store up and the
database migrated, before any server starts.
"""

import contextlib
import ctypes
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

from app import startup

if __name__ == "__main__":
    # Before settings load: they read what this writes, and the children inherit it.
    os.environ.update(startup.prepare())

import django
from botocore.exceptions import BotoCoreError, ClientError

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from app import objectstore  # noqa: E402
from app.tls import TlsFiles, ensure_certificates  # noqa: E402

QUEUES = ",".join(settings.CELERY_TASK_QUEUES_NAMES)  # one worker serves every queue
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class StartupError(Exception):
    """Something the person running `make run` must fix; the message says what."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    command: list[str] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)  # monotonic times of restarts


@dataclass
class Context:
    """What the start-up steps share and hand to the servers."""

    host: str = settings.RUN_HOST
    http_port: int = settings.RUN_HTTP_PORT
    https_port: int = settings.RUN_HTTPS_PORT
    tls: TlsFiles | None = None
    children: list[Child] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed in the ready banner

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/"

    @property
    def https_url(self) -> str:
        return f"https://{self.host}:{self.https_port}/"


@dataclass(frozen=True)
class Step:
    description: str
    run: Callable[[Context], None]


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the supervisor dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(ctx: Context, name: str, command: list[str]) -> subprocess.Popen:
    # Own process group: Ctrl-C reaches only the supervisor, which stops children in order.
    process = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)
    ctx.children.append(Child(name, process, command))
    return process


def _object_store_is_local() -> tuple[bool, int]:
    endpoint = urlsplit(settings.AWS_S3_ENDPOINT_URL)
    return (endpoint.hostname or "") in LOCAL_HOSTS, endpoint.port or 8333


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(ctx: Context) -> None:
    wanted = {ctx.https_port: "HTTPS site and API", ctx.http_port: "HTTP site"}
    local_store, s3_port = _object_store_is_local()
    if local_store and not objectstore.is_up():
        store = "embedded object store (SeaweedFS)"
        wanted.update({s3_port + i: store for i in range(objectstore.PORTS_USED)})
    for port, purpose in wanted.items():
        if not _port_free(ctx.host, port):
            raise StartupError(
                f"port {port} on {ctx.host} is already in use, so the {purpose} cannot start. "
                "Stop whatever holds it (another `make run`?), or choose other ports with "
                "RUN_HTTP_PORT / RUN_HTTPS_PORT (and AWS_S3_ENDPOINT_URL for the object store)."
            )


def ensure_tls(ctx: Context) -> None:
    ctx.tls = ensure_certificates(Path(settings.VAR_DIR) / "tls", hosts=(ctx.host, "localhost"))


def migrate(ctx: Context) -> None:
    call_command("migrate", interactive=False, verbosity=0)


def _static_fingerprint() -> str:
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static(ctx: Context) -> None:
    # Compressing every file takes seconds: skip it when no static source changed.
    marker = Path(settings.STATIC_ROOT) / ".sources-fingerprint"
    fingerprint = _static_fingerprint()
    if marker.exists() and marker.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint)


def start_object_store(ctx: Context) -> None:
    """Start SeaweedFS without waiting: it boots while the database is migrated."""
    local_store, _ = _object_store_is_local()
    if local_store and not objectstore.is_up():
        spawn(ctx, OBJECT_STORE, [sys.executable, "-m", "app.objectstore", "serve"])


def wait_for_object_store(ctx: Context) -> None:
    store = next((c.process for c in ctx.children if c.name == OBJECT_STORE), None)
    try:
        objectstore.wait_until_up(process=store)
        objectstore.ensure_buckets()
    except (RuntimeError, BotoCoreError, ClientError) as e:
        raise StartupError(f"object store at {settings.AWS_S3_ENDPOINT_URL}: {e}") from e


def ensure_superuser(ctx: Context) -> None:
    """Create `admin` with a random password, shown once, when no superuser exists yet."""
    password = create_first_superuser()
    if password is not None:
        ctx.notes.append(
            f"Created the superuser 'admin' with the password  {password}\n"
            "  (shown only now: note it down; change it on the profile page)"
        )


def create_first_superuser(username: str = "admin") -> str | None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    email = f"{username}@localhost"
    user = user_model.objects.create_superuser(username=username, email=email, password=password)
    # Sign-in requires a verified address; the first administrator has no inbox to check.
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return password


def register_demo_algorithm() -> None:
    """Build (cached) and register the demo algorithm when Docker is there."""
    from algorithms.jobs.demo import register_demo_algorithm as register

    register(log=lambda line: print(f"tessera: {line}", flush=True))


def _log(line: str) -> None:
    print(f"tessera: {line}", flush=True)


def demo_step(description: str, register: Callable[[], object]) -> Step:
    """A demo is a convenience: its failure prints the cause and the platform still starts."""

    def run(ctx: Context) -> None:
        try:
            register()
        except Exception as e:
            traceback.print_exc()
            ctx.notes.append(f"Not ready: {description} ({type(e).__name__}: {e})")
            print(f"tessera: {description} failed, continuing without it: {e}", flush=True)

    return Step(description, run)


def register_demo_reader_study() -> None:
    from reader_studies.demo import register_demo_reader_study as register

    register(log=_log)


def register_demo_challenge() -> None:
    from challenges.demo import register_demo_challenge as register

    register(log=_log)


STARTUP_STEPS: list[Step] = [
    Step("checking ports", check_ports),
    Step("making TLS certificates", ensure_tls),
    Step("starting the object store", start_object_store),
    Step("migrating the database", migrate),
    Step("collecting static files", collect_static),
    Step("waiting for the object store", wait_for_object_store),
    Step("checking for a superuser", ensure_superuser),
    demo_step("registering the demo algorithm", register_demo_algorithm),
    demo_step("registering the demo reader study", register_demo_reader_study),
    demo_step("registering the demo challenge", register_demo_challenge),
]


def start_servers(ctx: Context) -> None:
    assert ctx.tls is not None
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "app.wsgi:application",
        "--worker-class=gthread",
        f"--workers={settings.RUN_WEB_WORKERS}",
        "--threads=4",
        "--timeout=120",
        "--graceful-timeout=10",
        "--access-logfile=-",
        "--no-control-socket",  # two gunicorns would fight over ~/.gunicorn/gunicorn.ctl
    ]
    os.environ.setdefault("API_HTTPS_URL", ctx.https_url)  # plain HTTP serves pages only
    # gunicorn applies --certfile to every bind, hence one process per scheme.
    spawn(
        ctx,
        "https server",
        [
            *gunicorn,
            f"--bind={ctx.host}:{ctx.https_port}",
            f"--certfile={ctx.tls.cert}",
            f"--keyfile={ctx.tls.key}",
        ],
    )
    spawn(ctx, "http server", [*gunicorn, f"--bind={ctx.host}:{ctx.http_port}"])
    celery = [sys.executable, "-m", "celery", "-A", "app"]
    spawn(ctx, "celery worker", [*celery, "worker", "-l", "info", "-Q", QUEUES])
    spawn(
        ctx,
        "celery beat",
        [*celery, "beat", "-l", "info", "-s", str(settings.CELERY_BEAT_SCHEDULE_FILENAME)],
    )


def wait_for_web(ctx: Context, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for port in (ctx.https_port, ctx.http_port):
        while True:
            with contextlib.suppress(OSError), socket.create_connection((ctx.host, port), 0.5):
                break
            check_children(ctx)
            if time.monotonic() > deadline:
                raise StartupError(f"the web server did not answer on port {port} in {timeout}s")
            time.sleep(0.2)


def banner(ctx: Context) -> str:
    assert ctx.tls is not None
    lines = [
        "",
        "Tessera is running.",
        f"  Site (browser):       {ctx.http_url}",
        f"  Site and API (HTTPS): {ctx.https_url}   API root {ctx.https_url}api/v1/",
        f'  CA certificate:       {ctx.tls.ca}   (clients: verify="{ctx.tls.ca}")',
        f"  Object store (S3):    {settings.AWS_S3_ENDPOINT_URL}",
        f"  Broker:               {settings.CELERY_BROKER_URL.split('@')[-1]}",
        f"Sign in at {ctx.http_url}accounts/login/ (sign up there for new accounts; the",
        "verification mail is printed here). Make an API token on the Tokens page or with",
        "  .venv/bin/python manage.py create_api_token admin",
        *ctx.notes,
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


OBJECT_STORE = "object store"
# An object store that dies more often than this is broken, not unlucky: stop instead.
MAX_RESTARTS, RESTART_WINDOW_S = 3, 600


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        tail = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n".join(f"    {line}" for line in tail)


def _store_log() -> Path:
    return Path(settings.SEAWEEDFS_DIR) / "weed.log"


def restart_object_store(ctx: Context, child: Child, code: int) -> None:
    now = time.monotonic()
    child.restarts = [t for t in child.restarts if now - t < RESTART_WINDOW_S]
    tail = _log_tail(_store_log())
    if len(child.restarts) >= MAX_RESTARTS:
        raise StartupError(
            f"the {OBJECT_STORE} exited with code {code}, {MAX_RESTARTS + 1} times in "
            f"{RESTART_WINDOW_S}s; the end of {_store_log()}:\n{tail}"
        )
    print(
        f"tessera: the {OBJECT_STORE} exited with code {code}; restarting it. "
        f"The end of {_store_log()}:\n{tail}",
        file=sys.stderr,
        flush=True,
    )
    child.restarts.append(now)
    # A SeaweedFS left behind by its dead `serve` parent would hold the ports.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, signal.SIGKILL)
    child.process = subprocess.Popen(
        child.command, start_new_session=True, preexec_fn=_die_with_parent
    )
    try:
        objectstore.wait_until_up(process=child.process)
        objectstore.ensure_buckets()
    except (RuntimeError, BotoCoreError, ClientError) as e:
        raise StartupError(
            f"the {OBJECT_STORE} did not come back: {e}; the end of {_store_log()}:\n"
            f"{_log_tail(_store_log())}"
        ) from e
    print(f"tessera: the {OBJECT_STORE} is back at {settings.AWS_S3_ENDPOINT_URL}", flush=True)


def check_children(ctx: Context) -> None:
    """Restart an object store that exited; any other child that exited stops us."""
    for child in ctx.children:
        code = child.process.poll()
        if code is None:
            continue
        if child.name == OBJECT_STORE:
            restart_object_store(ctx, child, code)
            continue
        raise StartupError(f"the {child.name} exited with code {code}; see its output above")


def _dead_children(ctx: Context) -> str:
    """The likely cause of a failed step: a child that died meanwhile (say, the store)."""
    notes = []
    for child in ctx.children:
        code = child.process.poll()
        if code is not None:
            tail = f"; the end of {_store_log()}:\n{_log_tail(_store_log())}"
            notes.append(
                f"\n  the {child.name} had exited with code {code}"
                + (tail if child.name == OBJECT_STORE else "")
            )
    return "".join(notes)


def check_all_up(ctx: Context) -> None:
    """Before saying "running": every child alive and the object store answering."""
    check_children(ctx)
    if not objectstore.is_up():
        raise StartupError(
            f"the object store at {settings.AWS_S3_ENDPOINT_URL} does not answer; the end "
            f"of {_store_log()}:\n{_log_tail(_store_log())}"
        )


def stop_children(ctx: Context, timeout: float = 30) -> None:
    for child in reversed(ctx.children):
        if child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()
    deadline = time.monotonic() + timeout
    for child in reversed(ctx.children):
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"tessera: the {child.name} did not stop in {timeout}s; killing it", flush=True)
        # Each child leads its own process group: take anything it left behind with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Explicit for SIGINT too: a shell starting us in the background ignores it otherwise.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    ctx = Context()
    try:
        for step in STARTUP_STEPS:
            print(f"tessera: {step.description} ...", flush=True)
            started = time.monotonic()
            try:
                step.run(ctx)
            except (StartupError, KeyboardInterrupt):
                raise
            except Exception as e:
                traceback.print_exc()
                raise StartupError(f"{step.description} failed: {e}{_dead_children(ctx)}") from e
            print(f"tessera: {step.description}: done in {time.monotonic() - started:.1f}s")
            check_children(ctx)  # a child that died during this step is caught now
        start_servers(ctx)
        wait_for_web(ctx)
        check_all_up(ctx)
        print(banner(ctx), flush=True)
        while True:
            check_children(ctx)
            time.sleep(1)
    except StartupError as e:
        print(f"tessera: cannot run: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ntessera: stopping ...", flush=True)
        return 0
    finally:
        stop_children(ctx)


if __name__ == "__main__":
    sys.exit(main())
