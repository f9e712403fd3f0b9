"""Runs a job's container on a Docker engine under the sandbox of the container contract.

Inputs and outputs travel through the Docker API, never through a disk shared with the
engine, so the engine may be remote (`DOCKER_HOST=tcp://...`):

- `/input` and `/output` are two new named volumes with a *keeper* container
  (`workers.executors.keeper`: a pause program, network off, no capabilities) that
  mounts both read-write: the job's *slot* (`workers.executors.slots`: it serves this
  job only, and is usually made ahead, while the worker's previous job ran).
  `put_archive` writes the staged inputs into `/input` through the keeper and makes
  `/output` writable for the algorithm's non-root user. The job container then mounts
  `/input` read-only (enforced by the kernel, not by file modes) and `/output`
  read-write.
- `/output` is a tmpfs *volume* with a size (WORKERS_OUTPUT_MB, at most the memory
  limit, which it counts towards like `/tmp`): a container writing more gets "No space
  left on device" while it runs, and the job fails saying /output is full. The keeper
  runs from before the job starts until its objects are removed, holding the tmpfs
  mounted, so the outputs outlive the job container.
- The container runs as the numeric uid:gid resolved from the image's USER when it was
  validated (`ImageRef.user`), with ulimits (open files, no core dumps, file size).
- After the container exits, `get_archive('/output')` streams the outputs back and they
  are unpacked (regular files and directories only; symlinks kept as links so that
  `workers.io.collect_outputs` refuses them by name) into the caller's `output_dir`.

Everything the executor creates carries the label `tessera.job=<job id>` (a slot's
objects `tessera.job=<slot>`, named by the job container's `tessera.slot`), so
`docker_cleanup.remove_job_containers` can always clean up after a lost worker.
Once `/output` is copied back the job's containers are removed in a thread, while the
caller parses the outputs.
"""

import bz2
import fcntl
import io
import logging
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import docker
import requests
from django.conf import settings
from docker.errors import APIError, ImageNotFound, NotFound
from docker.models.containers import Container
from docker.types import DeviceRequest, LogConfig, Ulimit

from app.storage import bucket_name, s3_client
from workers.engine import docker_client
from workers.executors.base import ContainerLimits, ExecutionResult, Executor, ImageRef
from workers.executors.docker_cleanup import (
    CREATED_LABEL,
    JOB_LABEL,
    ROLE_LABEL,
    SLOT_LABEL,
    remove_job_containers,
    remove_named,
    remove_stale_containers,
)
from workers.executors.slots import Slot, make_slot, remove_slot, spares
from workers.executors.start import start_container

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
MAX_OUTPUT_BYTES = 32 * 1024**3  # all outputs of one job together
STATS_INTERVAL_S = 0.5
STOP_POLL_S = 3.0  # how often a running job asks whether it was cancelled
PAGE = 4096  # tmpfs counts whole pages
# removes the containers of jobs whose outputs were taken back (see `execute`)
_removals = ThreadPoolExecutor(max_workers=2, thread_name_prefix="job-removal")


class ProvisionError(Exception):
    """The image or the inputs could not be made ready; the message says why."""


def container_name(job_id: str) -> str:
    return "tessera-job-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", str(job_id))


class DockerExecutor(Executor):
    def __init__(self, *, job_id: str, image: ImageRef, limits: ContainerLimits) -> None:
        super().__init__(job_id=job_id, image=image, limits=limits)
        self.job_id = str(job_id)
        self.client = docker_client()
        self.name = container_name(self.job_id)
        self.input_dir: Path | None = None
        self.extra_inputs: list[tuple[str, Path]] = []
        self.slot: Slot | None = None
        self.container: Container | None = None  # once created; it names its slot
        self.removal: Future[int] | None = None
        self.image_loaded = False

    # provision ---------------------------------------------------------------------

    def provision(self, *, input_dir: Path, extra_inputs: Mapping[str, Path] | None = None) -> None:
        """Load the image if needed, stage `input_dir` into the job's `/input` volume (and
        each extra input into a volume of its own, mounted read-only at its path) and
        create (not start) the sandboxed container. A leftover of an earlier attempt at
        the same job is removed first, so a re-delivered task starts clean."""
        self.input_dir = Path(input_dir)
        for path in extra_inputs or {}:
            parts = PurePosixPath(path).parts
            # an absolute path of its own: never over /input, /output, /tmp or the root
            if (
                not PurePosixPath(path).is_absolute()
                or len(parts) < 2
                or parts[1] in ("input", "output", "tmp")
                or ".." in parts
            ):
                raise ProvisionError(f"{path} cannot take an extra input")
        # (container path, staged directory); staged under /extra-<n> in the keeper
        self.extra_inputs = [
            (str(path), Path(directory)) for path, directory in sorted((extra_inputs or {}).items())
        ]
        self._remove_job_objects()
        self.image_loaded = ensure_image(client=self.client, image=self.image)
        self.run_as = _run_as(self.client, self.image)
        if self.extra_inputs:
            self.slot = make_slot(
                self.client, output_bytes=self.output_bytes, extras=len(self.extra_inputs)
            )
        else:
            self.slot = spares.take(output_bytes=self.output_bytes) or make_slot(
                self.client, output_bytes=self.output_bytes
            )
        # The job container does not depend on the staged files: create it meanwhile.
        with ThreadPoolExecutor(max_workers=1) as pool:
            created = pool.submit(self._create_container, self.slot)
            self._stage(self.slot, self.input_dir)
            created.result()

    @property
    def memory_bytes(self) -> int:
        return int(self.limits.memory_limit_gb * 1024**3)

    @property
    def output_bytes(self) -> int:
        """Size of the /output tmpfs: the setting, at most the memory it is charged to."""
        return max(PAGE, min(settings.WORKERS_OUTPUT_MB * 1024**2, self.memory_bytes))

    def _labels(self, role: str = "job") -> dict[str, str]:
        return {
            **settings.WORKERS_CONTAINER_LABELS,
            JOB_LABEL: self.job_id,
            ROLE_LABEL: role,
            CREATED_LABEL: str(int(time.time())),
        }

    def _stage(self, slot: Slot, input_dir: Path) -> None:
        """Stream the inputs into the slot's /input (and extra volumes) through its keeper."""
        extras = [(f"extra-{n}", d) for n, (_, d) in enumerate(self.extra_inputs)]
        try:
            accepted = self.client.api.put_archive(
                slot.keeper,
                "/",
                _PipeReader(lambda out: _write_input_tar(input_dir, out, extras=extras)),
            )
        except NotFound:
            raise ProvisionError("the job's input keeper is gone from the engine") from None
        if not accepted:
            raise ProvisionError("the container engine refused the staged inputs")

    def _create_container(self, slot: Slot) -> None:
        limits = self.limits
        memory_bytes = self.memory_bytes
        tmpfs_mb = max(1, min(settings.WORKERS_TMPFS_MB, memory_bytes // 1024**2))
        largest_file = max(tmpfs_mb * 1024**2, self.output_bytes)
        ncpu = _engine_cpus(self.client)
        nano_cpus = int(min(max(limits.cpu_count, 0.01), ncpu) * 1e9)
        log_size = max(settings.WORKERS_MAX_LOG_BYTES * 2, 64 * 1024)
        self.container = self.client.containers.create(
            self.image.sha256,
            name=self.name,
            labels={**self._labels(), SLOT_LABEL: slot.name},
            environment={
                "GRAND_CHALLENGE_COMPONENT_MAX_MEMORY_MB": str(memory_bytes // 1024**2),
            },
            user=self.run_as,
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={tmpfs_mb}m,mode=1777"},  # noqa: S108 (in the container)
            volumes={
                slot.input_volume: {"bind": "/input", "mode": "ro"},
                slot.output_volume: {"bind": "/output", "mode": "rw"},
                **{
                    slot.extra_volume(n): {"bind": path, "mode": "ro"}
                    for n, (path, _) in enumerate(self.extra_inputs)
                },
            },
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=min(limits.pids_limit, settings.WORKERS_PIDS_LIMIT),
            # nproc is not set: it counts every process of the uid on the host, not in
            # the container; pids_limit bounds the container's processes instead
            ulimits=[
                Ulimit(name="nofile", soft=settings.WORKERS_NOFILE, hard=settings.WORKERS_NOFILE),
                Ulimit(name="core", soft=0, hard=0),
                Ulimit(name="fsize", soft=largest_file, hard=largest_file),
            ],
            mem_limit=memory_bytes,
            memswap_limit=memory_bytes,  # equal to the memory limit: no swap
            nano_cpus=nano_cpus,
            # Under host memory pressure, a job dies before the worker does.
            oom_score_adj=500,
            device_requests=(
                [DeviceRequest(count=max(1, limits.gpu_count), capabilities=[["gpu"]])]
                if limits.requires_gpu
                else None
            ),
            # Two capped files: the engine never keeps more than this per job.
            log_config=LogConfig(
                type="json-file", config={"max-size": str(log_size), "max-file": "2"}
            ),
        )

    # execute -----------------------------------------------------------------------

    def execute(
        self, *, output_dir: Path, should_stop: Callable[[], bool] | None = None
    ) -> ExecutionResult:
        """Start the container, wait at most the time limit (then kill it), and copy
        `/output` into `output_dir`. Never raises for what the algorithm did."""
        container = self.container or self.client.containers.get(self.name)
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        sampler = _MemorySampler(container)
        started = time.monotonic()
        start_container(container)
        sampler.start()
        if not self.extra_inputs:
            # the next job's slot is made while this container runs: made after it
            # exited, it was not ready in time for the worker's next job
            spares.make_ahead(self.client, output_bytes=self.output_bytes)
        status, timed_out, stopped = self._wait(container, started, should_stop)
        duration = time.monotonic() - started
        sampler.stop()
        # the container's state, its two logs and /output are fetched at once
        with ThreadPoolExecutor(max_workers=3) as pool:
            reloaded = pool.submit(container.reload)
            logs = [pool.submit(self._log, container, stdout=s) for s in (True, False)]
            outputs = self._take_outputs(container, output_dir)
            reloaded.result()
            stdout, stderr = (log.result() for log in logs)
        state = container.attrs.get("State", {})
        exit_code = status.get("StatusCode", state.get("ExitCode"))
        peak = sampler.peak
        limit_bytes = int(self.limits.memory_limit_gb * 1024**3)
        oom = bool(state.get("OOMKilled")) or (
            not timed_out and exit_code == 137 and peak is not None and peak >= 0.95 * limit_bytes
        )
        extra: dict = {"container_id": container.id, "image_loaded": self.image_loaded}
        if stopped:
            extra["stopped"] = True
        output_error, extra["output_bytes"] = outputs
        # the outputs are taken back: the containers go while the caller parses them
        self.removal = _removals.submit(self._remove_made_objects)
        return ExecutionResult(
            exit_code=exit_code,
            stdout=stdout,
            stderr=stderr,
            duration_s=duration,
            peak_memory_bytes=peak,
            oom_killed=oom,
            timed_out=timed_out,
            output_error=output_error,
            extra=extra,
        )

    def _wait(
        self, container: Container, started: float, should_stop: Callable[[], bool] | None
    ) -> tuple[dict, bool, bool]:
        """Wait for the container's end; kill it past the time limit or once `should_stop`
        says so (asked every few seconds: a cancel must not wait for a free worker).
        Returns (wait status, timed out, stopped)."""
        deadline = started + self.limits.time_limit_s
        while True:
            remaining = deadline - time.monotonic()
            step = remaining if should_stop is None else min(remaining, STOP_POLL_S)
            try:
                return container.wait(timeout=max(step, 0.01)), False, False
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                pass
            timed_out = time.monotonic() >= deadline
            if timed_out or (should_stop is not None and should_stop()):
                _kill(container)
                return container.wait(timeout=60), timed_out, not timed_out

    def _take_outputs(self, container: Container, output_dir: Path) -> tuple[str, int]:
        """Copy /output into output_dir; returns (what went wrong, in words, or "", bytes)."""
        try:
            copied, used = _copy_outputs(container, output_dir)
        except (APIError, OSError, tarfile.TarError, _OutputTooLarge) as error:
            return f"The outputs could not be copied from the container: {error}", 0
        if used > self.output_bytes - 16 * PAGE:  # full, short of a few pages
            return (
                f"The algorithm filled /output, which holds at most "
                f"{self.output_bytes // 1024**2} MB while the container runs; its "
                "outputs are incomplete."
            ), copied
        return "", copied

    def _log(self, container: Container, *, stdout: bool) -> str:
        raw = container.logs(stdout=stdout, stderr=not stdout)
        return str(raw[-settings.WORKERS_MAX_LOG_BYTES :].decode(errors="replace"))

    # deprovision -------------------------------------------------------------------

    def deprovision(self, *, wait: bool = True) -> None:
        """Remove the containers and volumes of this job and the staged input directory.
        The output directory belongs to the caller. Safe to call any number of times.
        With `wait=False` the containers may still be going when it returns (a worker
        takes its next task meanwhile); a failure is logged, and the stale sweep or the
        job's next provision removes what is left."""
        if self.input_dir is not None:
            shutil.rmtree(self.input_dir, ignore_errors=True)
        if wait:
            self._remove_all()
        else:
            _removals.submit(self._remove_all_logged)

    def _remove_all(self) -> None:
        if self.removal is not None:  # begun when the outputs were taken back
            try:
                self.removal.result()
            except Exception:
                logger.warning("Removing job %s failed; again", self.job_id, exc_info=True)
            else:
                return
        self._remove_job_objects()
        if self.slot is not None and self.container is None:
            remove_slot(self.slot)

    def _remove_all_logged(self) -> None:
        try:
            self._remove_all()
        except Exception:
            logger.exception("Could not remove the containers of job %s", self.job_id)

    def _remove_job_objects(self) -> int:
        return remove_job_containers(job_id=self.job_id)

    def _remove_made_objects(self) -> int:
        """What this executor made, by name (fewer engine calls than by label); the label
        look-up when something of it will not go."""
        slot = self.slot
        assert slot is not None
        volumes = [slot.input_volume, slot.output_volume]
        volumes += [slot.extra_volume(n) for n in range(slot.extras)]
        try:
            return remove_named(containers=[self.name, slot.keeper], volumes=volumes)
        except Exception:
            logger.warning("Removing job %s by name failed; by label", self.job_id, exc_info=True)
            return self._remove_job_objects()

    # control of any job on this engine -------------------------------------------------

    @classmethod
    def stop_job(cls, *, job_id: str) -> int:
        return remove_job_containers(job_id=str(job_id))

    @classmethod
    def remove_stale(cls, *, older_than_s: float) -> list[str]:
        return remove_stale_containers(older_than_s=older_than_s)


# images --------------------------------------------------------------------------------


def ensure_image(*, client: docker.DockerClient, image: ImageRef) -> bool:
    """Make `image.sha256` present in the engine, loading the tarball from the private
    bucket when missing. One load per image per host at a time (a file lock); returns
    whether this call loaded it."""
    if _has_image(client, image.sha256):
        return False
    lock_dir = Path(tempfile.gettempdir()) / "tessera-image-locks"
    lock_dir.mkdir(exist_ok=True)
    digest = image.sha256.removeprefix("sha256:")
    with open(lock_dir / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _has_image(client, image.sha256):  # another job loaded it while we waited
                return False
            _load(client, image)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return True


def _has_image(client: docker.DockerClient, sha256: str) -> bool:
    try:
        client.images.get(sha256)
    except ImageNotFound:
        return False
    return True


_NUMERIC_USER = re.compile(r"^\d+(:\d+)?$")


def _run_as(client: docker.DockerClient, image: ImageRef) -> str:
    """The numeric uid:gid to start the container with, never root.

    Images validated since uid resolution came in carry it (`ImageRef.user`); for older
    ones a numeric USER of the image is taken as it is, anything else is refused.
    """
    user = (image.user or _image_user(client, image.sha256)).strip()
    if not _NUMERIC_USER.match(user) or int(user.split(":")[0]) == 0:
        raise ProvisionError(
            f"the image's user {user or '(none)'!r} is not a numeric non-root uid; upload "
            "the image again so that its user is resolved"
        )
    return user if ":" in user else f"{user}:0"


# an image ID names its content, so its USER never changes: asked once per process
_image_users: dict[str, str] = {}


def _image_user(client: docker.DockerClient, sha256: str) -> str:
    if sha256 not in _image_users:
        config = client.images.get(sha256).attrs.get("Config") or {}
        _image_users[sha256] = str(config.get("User") or "")
    return _image_users[sha256]


def _load(client: docker.DockerClient, image: ImageRef) -> None:
    try:
        body = s3_client("private").get_object(
            Bucket=bucket_name("private"), Key=image.storage_key
        )["Body"]
    except Exception as error:
        raise ProvisionError(f"image tarball {image.storage_key!r} unavailable: {error}") from None
    try:
        loaded = client.images.load(_engine_readable(body.iter_chunks(CHUNK)))
    except (APIError, docker.errors.ImageLoadError) as error:
        raise ProvisionError(f"the container engine could not load the image: {error}") from None
    finally:
        body.close()
    ids = {str(item.id) for item in loaded}
    if image.sha256 not in ids:
        raise ProvisionError(
            f"the tarball holds {', '.join(sorted(ids)) or 'no image'}, not {image.sha256}"
        )


def _engine_readable(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Pass gzip and plain tar through (the engine reads them); decompress xz and bzip2
    here, on the fly, so the engine host needs no `xz` binary."""
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 6:
            break
    if head.startswith(b"\xfd7zXZ\x00"):
        decompressor: lzma.LZMADecompressor | bz2.BZ2Decompressor | None = lzma.LZMADecompressor()
    elif head.startswith(b"BZh"):
        decompressor = bz2.BZ2Decompressor()
    else:
        decompressor = None
    for chunk in _prepend(head, chunks):
        if decompressor is None:
            yield chunk
            continue
        data = decompressor.decompress(chunk)
        if data:
            yield data


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


_engine_cpu_cache: dict[str, float] = {}


def _engine_cpus(client: docker.DockerClient) -> float:
    key = str(client.api.base_url)
    if key not in _engine_cpu_cache:
        _engine_cpu_cache[key] = float(client.info().get("NCPU") or os.cpu_count() or 1)
    return _engine_cpu_cache[key]


def _kill(container: Container) -> None:
    try:
        container.kill()
    except (NotFound, APIError):  # already gone or already stopped
        pass


class _MemorySampler:
    """Samples the container's peak memory (cgroup v1 `max_usage`, else `usage`) while it
    runs; `peak` stays None when no sample came in (very short runs)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.peak: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="memory-sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                stats = self.container.stats(stream=False, one_shot=True)
            except (APIError, requests.exceptions.RequestException):
                return
            memory = stats.get("memory_stats") or {}
            value = memory.get("max_usage") or memory.get("usage")
            if value:
                self.peak = max(self.peak or 0, int(value))
            self._stop.wait(STATS_INTERVAL_S)


# archives ------------------------------------------------------------------------------


class _PipeReader(io.RawIOBase):
    """A readable stream fed by `produce(writer)` in a thread: lets `put_archive` stream a
    tarball that is written on the fly, without a second copy of the inputs on disk."""

    def __init__(self, produce) -> None:  # type: ignore[no-untyped-def]
        read_fd, write_fd = os.pipe()
        self._reader = os.fdopen(read_fd, "rb")
        self._error: BaseException | None = None

        def run() -> None:
            with os.fdopen(write_fd, "wb") as writer:
                try:
                    produce(writer)
                except BaseException as error:  # surfaced to the reading side
                    self._error = error

        self._thread = threading.Thread(target=run, daemon=True, name="tar-writer")
        self._thread.start()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._reader.read1(len(buffer))
        if not data and self._error is not None:
            raise ProvisionError(f"could not pack the inputs: {self._error}")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._reader.close()
        super().close()

    def __iter__(self):  # type: ignore[no-untyped-def]
        # requests streams iterables chunk by chunk
        while chunk := self.read(CHUNK):
            yield chunk


def _write_input_tar(
    input_dir: Path, out: io.BufferedWriter, *, extras: Sequence[tuple[str, Path]] = ()
) -> None:
    """`input/...` (read-only modes, owned by root) plus an `output/` everyone may write:
    the algorithm's user is not known in advance; each extra directory under its name."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for top, directory in [("input", input_dir), *extras]:
            _add_tree(tar, top, directory)
        tar.addfile(_dir_info("output", 0o777))


def _add_tree(tar: tarfile.TarFile, top: str, directory: Path) -> None:
    tar.addfile(_dir_info(top, 0o755))
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        relative = Path(root).relative_to(directory)
        for name in dirs:
            if not (Path(root) / name).is_symlink():
                tar.addfile(_dir_info(str(PurePosixPath(top) / relative / name), 0o755))
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            info = tarfile.TarInfo(str(PurePosixPath(top) / relative / name))
            info.size = path.stat().st_size
            info.mode = 0o444
            with open(path, "rb") as handle:
                tar.addfile(info, handle)


def _dir_info(name: str, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    return info


class _OutputTooLarge(Exception):
    pass


class _ChunkStream(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _copy_outputs(container: Container, output_dir: Path) -> tuple[int, int]:
    """Unpack `/output` of the stopped container into `output_dir`; returns the bytes
    written and the bytes they took on the tmpfs (whole pages). Only directories,
    regular files and symlinks (as links, never followed) are kept; nothing lands
    outside `output_dir` (checked on resolved paths)."""
    chunks, _ = container.get_archive("/output", chunk_size=CHUNK)
    root = output_dir.resolve()
    total = used = 0
    stream = io.BufferedReader(_ChunkStream(chunks), buffer_size=CHUNK)
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if not parts or parts[0] != "output" or ".." in parts:
                continue
            relative = PurePosixPath(*parts[1:]) if len(parts) > 1 else None
            if relative is None:
                continue
            target = root / relative
            if not target.parent.resolve().is_relative_to(root):
                continue  # a parent is a link leading elsewhere
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isreg():
                total += member.size
                used += -(-member.size // PAGE) * PAGE
                if total > MAX_OUTPUT_BYTES:
                    raise _OutputTooLarge(f"outputs exceed {MAX_OUTPUT_BYTES} bytes")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with open(target, "wb") as handle:
                    shutil.copyfileobj(source, handle, CHUNK)
            elif member.issym():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(member.linkname, target)
    return total, used
