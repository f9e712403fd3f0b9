"""Run one job on this worker: claim, stage, execute, parse, settle, always clean up.

Each step begins with a short transaction that locks the job row and checks its status,
so a second delivery of the task, a cancel or the overdue-job sweep always wins cleanly:
whoever moves the status first owns the job, and the others stop.
"""

import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from algorithms.jobs.outputs import OutputsInvalid, parse_outputs
from algorithms.jobs.sockets import super_kind
from algorithms.models import Job
from cases.models import ImageFile
from components.models import ComponentInterfaceValue
from workers.executors.base import ContainerLimits, ExecutionResult, Executor, ImageRef
from workers.io import StagedInput, StagingError, stage_inputs
from workers.services import executor_class

logger = logging.getLogger(__name__)

LOG_CAP = 64 * 1024  # characters of stdout and stderr kept (the tail)
S = Job.Status


def executor_for(job: Job) -> Executor:
    algorithm_image = job.algorithm_image
    algorithm = algorithm_image.algorithm
    return executor_class()(
        job_id=str(job.pk),
        image=ImageRef(
            sha256=algorithm_image.image_sha256,
            storage_key=algorithm_image.image.name,
            user=algorithm_image.run_as,
        ),
        limits=ContainerLimits(
            memory_limit_gb=float(algorithm.memory_limit_gb),
            time_limit_s=job.time_limit,
            requires_gpu=algorithm.requires_gpu,
        ),
    )


def move(job_pk: Any, *, to: str, expect: tuple[str, ...], **fields: object) -> Job | None:
    """Move the job to `to` if its status is one of `expect`; None when it was not."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_pk).first()
        if job is None or job.status not in expect:
            return None
        for name, value in fields.items():
            setattr(job, name, value)
        job.record_status(to)
        job.save(update_fields=[*Job.STATUS_FIELDS, *fields])
        return job


def fail(job_pk: Any, message: str, *, expect: tuple[str, ...] = Job.RUNNING_STATUSES) -> bool:
    return move(job_pk, to=S.FAILED, expect=expect, error_message=message) is not None


def run_job(*, job_pk: Any) -> None:
    job = claim(job_pk)
    if job is None:
        return
    work_dir = Path(tempfile.mkdtemp(prefix=f"tessera-job-{job.pk}-"))
    executor: Executor | None = None
    try:
        executor = executor_for(job)
        _run(job=job, executor=executor, work_dir=work_dir)
    except Exception as e:
        logger.exception("Job %s failed on the worker", job.pk)
        fail(job.pk, f"The job could not be run on the worker: {type(e).__name__}: {e}"[:2000])
    finally:
        if executor is not None:
            try:
                # the job is settled: the worker's next task need not wait for the removal
                executor.deprovision(wait=False)
            except Exception:
                logger.exception("Could not deprovision job %s", job.pk)
        shutil.rmtree(work_dir, ignore_errors=True)


def claim(job_pk: Any) -> Job | None:
    """Queued -> Provisioning, once. A re-delivered task finds another status and stops."""
    with transaction.atomic():
        job = (
            # the job's row only: workers claiming jobs of one algorithm do not queue up
            Job.objects.select_for_update(of=("self",))
            .select_related("algorithm_image__algorithm", "algorithm_interface")
            .filter(pk=job_pk)
            .first()
        )
        if job is None or job.status != S.QUEUED or job.pending_inputs:
            return None
        job.attempt += 1
        job.status_note = ""
        job.record_status(S.PROVISIONING)
        job.save(update_fields=[*Job.STATUS_FIELDS, "attempt", "status_note"])
        return job


def _run(*, job: Job, executor: Executor, work_dir: Path) -> None:
    input_dir, output_dir = work_dir / "input", work_dir / "output"
    output_dir.mkdir(parents=True)
    try:
        stage_inputs(directory=input_dir, inputs=staged_inputs(job))
    except StagingError as e:
        fail(job.pk, str(e))
        return
    executor.provision(input_dir=input_dir)
    if move(job.pk, to=S.EXECUTING, expect=(S.PROVISIONING,)) is None:
        return  # cancelled or settled meanwhile
    result = executor.execute(
        output_dir=output_dir, should_stop=lambda: not _still(job.pk, S.EXECUTING)
    )
    logs = {
        "stdout": result.stdout[-LOG_CAP:],
        "stderr": result.stderr[-LOG_CAP:],
        "exec_duration": timedelta(seconds=result.duration_s),
    }
    problem = execution_problem(job=job, result=result)
    if problem:
        fail(job.pk, problem, expect=(S.EXECUTING,))
        _save_logs(job.pk, logs)
        return
    if move(job.pk, to=S.PARSING, expect=(S.EXECUTING,), **logs) is None:
        return
    try:
        _parse_and_succeed(job, output_dir)
    except OutputsInvalid as e:
        fail(job.pk, str(e), expect=(S.PARSING,))


def _still(job_pk: Any, status: str) -> bool:
    """Whether the job is still in `status` (not cancelled or settled meanwhile); a
    database hiccup is no reason to kill a running container, so it answers yes."""
    try:
        return Job.objects.filter(pk=job_pk, status=status).exists()
    except DatabaseError:
        logger.warning("Could not check whether job %s is still wanted", job_pk, exc_info=True)
        return True


def _save_logs(job_pk: Any, logs: dict) -> None:
    Job.objects.filter(pk=job_pk).update(**logs)


def _parse_and_succeed(job: Job, output_dir: Path) -> None:
    """Convert and store the outputs with no lock held (slow: image conversion, uploads),
    then attach them in one short transaction that settles the job. A job cancelled or
    settled meanwhile keeps nothing: its outputs' rows and objects are deleted."""
    sockets = list(job.algorithm_interface.outputs.all())
    parsed = parse_outputs(sockets=sockets, output_dir=output_dir)
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            kept = locked.status == S.PARSING
            if kept:
                locked.outputs.set(parsed.values)
                locked.record_status(S.SUCCEEDED)
                locked.save(update_fields=Job.STATUS_FIELDS)
    except BaseException:
        parsed.discard()
        raise
    if not kept:
        parsed.discard()


def execution_problem(*, job: Job, result: ExecutionResult) -> str | None:
    """The cause of a failed run in words, or None when the container succeeded."""
    algorithm = job.algorithm_image.algorithm
    if result.timed_out:
        return f"The algorithm exceeded the time limit of {job.time_limit} s and was stopped."
    if result.oom_killed:
        return f"The algorithm exceeded the memory limit of {algorithm.memory_limit_gb} GB."
    if result.output_error:  # a full /output also makes the container exit non-zero
        return result.output_error
    if result.exit_code != 0:
        line = last_line(result.stderr) or last_line(result.stdout)
        cause = f": {line}" if line else " (no output on stderr)"
        return f"The container exited with code {result.exit_code}{cause}"
    return None


def last_line(text: str) -> str:
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()[:1000]
    return ""


def staged_inputs(job: Job) -> list[StagedInput]:
    staged = []
    for civ in job.inputs.select_related("interface", "image"):
        socket = civ.interface
        common = {
            "slug": socket.slug,
            "kind": socket.kind,
            "super_kind": super_kind(socket),
            "relative_path": socket.relative_path,
            "title": socket.title,
            "pk": civ.pk,
        }
        if civ.image_id is not None:
            image_file = _container_file(civ)
            suffix = Path(image_file.file.name).suffix.lower() or ".mha"
            staged.append(
                StagedInput(
                    **common,  # type: ignore[arg-type]
                    bucket="protected",
                    key=image_file.file.name,
                    filename=f"{civ.image_id}{suffix}",
                    image_pk=str(civ.image_id),
                )
            )
        elif civ.file:
            staged.append(StagedInput(**common, bucket="protected", key=civ.file.name))  # type: ignore[arg-type]
        else:
            staged.append(StagedInput(**common, value=civ.value))  # type: ignore[arg-type]
    return staged


def _container_file(civ: ComponentInterfaceValue) -> ImageFile:
    files = {f.image_type: f for f in ImageFile.objects.filter(image=civ.image)}
    for image_type in (ImageFile.ImageType.MHD, ImageFile.ImageType.TIFF):
        if image_type in files:
            return files[image_type]
    raise StagingError(slug=civ.interface.slug, reason="the image has no .mha or .tif file")
