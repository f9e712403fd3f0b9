"""Helpers for the job tests: real algorithms with real busybox container images.

(Named test_jobs_* to sit with the job tests; it holds no tests itself.)
"""

import importlib
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface, Job
from app.permissions import add_member, create_role_groups
from app.storage import bucket_name, s3_client
from cases.models import Image, ImageFile, RawImageUploadSession
from components.models import ComponentInterface
from tests.workers.processes import worker_log_tail
from workers.engine import docker_client
from workers.executors.docker import JOB_LABEL
from workers.images.busybox import build_busybox_image
from workers.images.tarballs import store_image_tarball

# Copies the input image to the output socket and writes a JSON result; a JSON input
# `threshold` (value socket, in the database) is echoed back.
COPY_SCRIPT = """\
set -e
mkdir -p /output/images/segmentation
cp /input/images/ct/*.mha /output/images/segmentation/
t=$(cat /input/probability.json)
echo "{\\"threshold\\": $t, \\"ok\\": true}" > /output/results.json
echo done
"""

_images: dict[str, tuple[str, str]] = {}


def ensure_default_sockets() -> None:
    """Transactional tests flush the catalogue the migration installed: put it back."""
    catalogue = importlib.import_module("components.migrations.0003_default_sockets")
    for title, slug, kind, path, in_db, description in catalogue.DEFAULT_SOCKETS:
        ComponentInterface.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "kind": kind,
                "relative_path": path,
                "store_in_database": in_db,
                "description": description,
            },
        )


def socket(slug: str) -> ComponentInterface:
    ensure_default_sockets()
    return ComponentInterface.objects.get(slug=slug)


def busybox_ref(script: str) -> tuple[str, str]:
    """(sha256, key) of a busybox image for script, stored in the private bucket once per
    test process (the bucket is per xdist worker)."""
    if script not in _images:
        image_id = build_busybox_image(script=script, tag="tessera-test/jobs")
        ref = store_image_tarball(image=image_id)
        _images[script] = (ref.sha256, ref.storage_key)
    return _images[script]


def make_algorithm(
    *,
    script: str,
    inputs: list[str],
    outputs: list[str],
    editor=None,  # type: ignore[no-untyped-def]
    time_limit: int = 60,
    memory_limit_gb: int = 1,
    max_active_jobs_per_user: int = 5,
    title: str | None = None,
) -> Algorithm:
    """An algorithm (time limits below the model's minimum are allowed in tests)."""
    ensure_default_sockets()
    algorithm = Algorithm.objects.create(
        title=title or f"Algorithm {time.monotonic_ns()}",
        time_limit=time_limit,
        memory_limit_gb=memory_limit_gb,
        max_active_jobs_per_user=max_active_jobs_per_user,
    )
    create_role_groups(
        obj=algorithm,
        roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
    )
    if editor is not None:
        add_member(obj=algorithm, role="editors", user=editor)
    interface = AlgorithmInterface.objects.create(algorithm=algorithm)
    interface.inputs.set(ComponentInterface.objects.filter(slug__in=inputs))
    interface.outputs.set(ComponentInterface.objects.filter(slug__in=outputs))
    sha256, key = busybox_ref(script)
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image=key,
        image_sha256=sha256,
        status=AlgorithmImage.Status.VALID,
        is_active=True,
    )
    return algorithm


def wait_for(predicate: Callable[[], object], *, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def wait_for_job(job: Job, status: str, *, timeout: float, workers: Sequence = ()) -> None:
    """Wait until the job reaches `status`; fail at once, with the job's own reason, when
    it ends in another status first, and show what the workers logged on a time-out."""

    def reached() -> bool:
        job.refresh_from_db()
        if job.status != status and job.status in Job.FINAL_STATUSES:
            raise AssertionError(f"the job ended {job.status} instead: {job.error_message}")
        return job.status == status

    try:
        wait_for(reached, timeout=timeout, what=f"job status {status}")
    except AssertionError as e:
        logs = "\n".join(worker_log_tail(w) for w in workers)
        note = job.status_note or job.error_message
        raise AssertionError(f"{e} (job is {job.status}: {note})\nworker logs:\n{logs}") from e


def job_status(job: Job) -> str:
    job.refresh_from_db()
    return job.status


def wait_until_final(job: Job, timeout: float = 120) -> Job:
    wait_for(lambda: job_status(job) in Job.FINAL_STATUSES, timeout=timeout, what="job end")
    return job


def job_containers(job: Job) -> list:
    # sparse: one list call, no inspect per container that a removal meanwhile would fail
    label = f"{JOB_LABEL}={job.pk}"
    return docker_client().containers.list(all=True, sparse=True, filters={"label": label})


def copy_algorithm_for(user):  # type: ignore[no-untyped-def]
    """CT image + probability in -> segmentation + results JSON out; `user` may run it."""
    algorithm = make_algorithm(
        script=COPY_SCRIPT,
        inputs=["ct-image", "probability"],
        outputs=["segmentation", "results-json-file"],
    )
    add_member(obj=algorithm, role="users", user=user)
    return algorithm


def write_mha(path: Path, *, shape: tuple[int, int, int] = (4, 6, 8)) -> Path:
    array = (np.arange(np.prod(shape)) % 251).astype(np.uint8).reshape(shape)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.5, 0.5, 2.0))
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def make_image(owner) -> Image:  # type: ignore[no-untyped-def]
    """A stored .mha image that `owner` may see (it came from their upload session)."""
    session = RawImageUploadSession.objects.create(
        creator=owner, status=RawImageUploadSession.Status.SUCCEEDED
    )
    image = Image.objects.create(
        name="ct.mha", origin=session, width=8, height=6, depth=4, pixel_type="uint8"
    )
    key = f"images/{image.pk}/{uuid.uuid4()}.mha"
    with tempfile.TemporaryDirectory() as folder:
        path = write_mha(Path(folder) / "ct.mha")
        s3_client("protected").upload_file(str(path), bucket_name("protected"), key)
        size = path.stat().st_size
    ImageFile.objects.create(image=image, image_type="MHD", file=key, size=size)
    return image


def read_object(key: str, bucket: str = "protected") -> bytes:
    body = s3_client(bucket).get_object(Bucket=bucket_name(bucket), Key=key)  # type: ignore[arg-type]
    return body["Body"].read()  # type: ignore[no-any-return]
