"""The container execution interface. The job code speaks only to this; settings pick
the implementation (`WORKERS_EXECUTOR`), Docker first. Every container action (run,
stop, clean up) goes through it, and only on a worker: web and beat have no engine."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ContainerLimits:
    memory_limit_gb: float
    time_limit_s: int
    cpu_count: float = 1.0
    pids_limit: int = 256
    requires_gpu: bool = False
    gpu_count: int = 1  # GPUs a job that requires_gpu gets, never all of the host's


@dataclass(frozen=True)
class ImageRef:
    sha256: str  # "sha256:<hex>", the image ID in the engine
    storage_key: str  # key of the `docker save` tarball in the private bucket
    # numeric "uid:gid" resolved at validation; empty: the image's USER, if numeric
    user: str = ""


@dataclass
class ExecutionResult:
    exit_code: int | None
    stdout: str  # capped
    stderr: str  # capped
    duration_s: float
    peak_memory_bytes: int | None = None
    oom_killed: bool = False
    timed_out: bool = False
    # why /output could not be taken back whole (it filled up, the copy failed), in words
    output_error: str = ""
    extra: dict = field(default_factory=dict)


class Executor(ABC):
    """Runs one container for one job. Implementations must be safe to call again for the
    same job (a re-delivered task): provision and deprovision are idempotent."""

    def __init__(self, *, job_id: str, image: ImageRef, limits: ContainerLimits) -> None:
        self.job_id = job_id
        self.image = image
        self.limits = limits

    @abstractmethod
    def provision(self, *, input_dir: Path, extra_inputs: Mapping[str, Path] | None = None) -> None:
        """Make the image available and take the staged inputs (read-only /input), and
        each `extra_inputs` directory read-only at its absolute container path (an
        evaluation's ground truth at /opt/ml/input/data/ground_truth)."""

    @abstractmethod
    def execute(
        self, *, output_dir: Path, should_stop: Callable[[], bool] | None = None
    ) -> ExecutionResult:
        """Run the container under the sandbox; /output ends up in output_dir. While it
        runs, `should_stop` is asked every few seconds; True kills the container."""

    @abstractmethod
    def deprovision(self, *, wait: bool = True) -> None:
        """Remove the container and anything staged. Never raises for missing things.
        `wait=False`: the removal may finish after the return (the caller goes on)."""

    @classmethod
    @abstractmethod
    def stop_job(cls, *, job_id: str) -> int:
        """Kill and remove every container (and volume) of `job_id` on this worker's
        engine, whichever process made them; returns how many containers went. Idempotent."""

    @classmethod
    @abstractmethod
    def remove_stale(cls, *, older_than_s: float) -> list[str]:
        """Remove the job containers made more than `older_than_s` seconds ago, running or
        not; returns their job ids."""
