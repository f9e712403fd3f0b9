import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from workers.engine import docker_client
from workers.executors.base import ContainerLimits, ExecutionResult, ImageRef
from workers.executors.docker import JOB_LABEL, DockerExecutor
from workers.images.busybox import build_busybox_image
from workers.images.tarballs import store_image_tarball

DEFAULT_LIMITS = ContainerLimits(memory_limit_gb=0.25, time_limit_s=60, pids_limit=64)


def job_objects(job_id: str) -> tuple[list, list]:
    """The containers and volumes the engine still has for a job."""
    client = docker_client()
    label = f"{JOB_LABEL}={job_id}"
    return (
        client.containers.list(all=True, filters={"label": label}),
        client.volumes.list(filters={"label": label}),
    )


@pytest.fixture
def stored_image() -> Callable[..., ImageRef]:
    """Build a busybox image for `script` and put its tarball in the private bucket."""
    cache: dict[str, ImageRef] = {}

    def make(script: str, **kwargs) -> ImageRef:  # type: ignore[no-untyped-def]
        if script not in cache:
            image_id = build_busybox_image(script=script, tag="tessera-test/workers", **kwargs)
            cache[script] = store_image_tarball(image=image_id)
        return cache[script]

    return make


@pytest.fixture
def run_job_image(tmp_path: Path) -> Callable[..., tuple[ExecutionResult, Path]]:
    """Run a stored image as a job through the whole executor life cycle; returns the
    result and the output directory, after checking nothing of the job is left."""

    def run(
        image: ImageRef, *, limits: ContainerLimits = DEFAULT_LIMITS, input_dir: Path | None = None
    ) -> tuple[ExecutionResult, Path]:
        job_id = f"test-{uuid.uuid4()}"
        input_dir = input_dir or tmp_path / f"{job_id}-in"
        input_dir.mkdir(exist_ok=True)
        output_dir = tmp_path / f"{job_id}-out"
        executor = DockerExecutor(job_id=job_id, image=image, limits=limits)
        try:
            executor.provision(input_dir=input_dir)
            result = executor.execute(output_dir=output_dir)
        finally:
            executor.deprovision()
        assert job_objects(job_id) == ([], [])
        assert not input_dir.exists()
        result.extra["job_id"] = job_id
        return result, output_dir

    return run


@pytest.fixture
def run_job(run_job_image, stored_image) -> Callable[..., tuple[ExecutionResult, Path, str]]:  # type: ignore[no-untyped-def]
    """`run_job_image` for a busybox `script`; returns the result, the output
    directory and the job id."""

    def run(
        script: str, *, limits: ContainerLimits = DEFAULT_LIMITS, input_dir: Path | None = None
    ) -> tuple[ExecutionResult, Path, str]:
        result, output_dir = run_job_image(stored_image(script), limits=limits, input_dir=input_dir)
        return result, output_dir, result.extra["job_id"]

    return run
