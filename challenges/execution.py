"""Run an evaluation container through the executor interface, in the same sandbox as
algorithm jobs: stage GC's /input layout, run, read /output/metrics.json.

Predictions phases run when submitted; algorithm phases once their submission's jobs all
succeeded (`services.evaluation_jobs_settle`). The active ground truth is extracted on the
worker and mounted read-only at /opt/ml/input/data/ground_truth/ (an extra input of the
executor).
"""

import json
import logging
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from app.storage import bucket_name, s3_client
from challenges import services
from challenges.algorithm_inputs import algorithm_evaluation_inputs, civ_input
from challenges.deadlines import RUNNING
from challenges.evaluation_io import (
    GROUND_TRUTH_DIR,
    INPUT_DIR,
    EvaluationRefused,
    InputValue,
    Layout,
    evaluation_layout,
)
from challenges.models import Evaluation
from challenges.services import PREDICTIONS_SOCKETS
from workers.executors.base import ContainerLimits, ExecutionResult, Executor, ImageRef

S = Evaluation.Status
logger = logging.getLogger(__name__)
DOWNLOAD_THREADS = 8


def _move(evaluation_pk: Any, *, to: int, expect: tuple[int, ...]) -> Evaluation | None:
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_pk).first()
        if evaluation is None or evaluation.status not in expect:
            return None
        evaluation.status = to
        if to == S.EXECUTING:
            evaluation.started_at = timezone.now()
        evaluation.save()
        return evaluation


def predictions_input(evaluation: Evaluation) -> InputValue:
    """The submitted predictions file: the evaluation's value of the predictions socket its
    detected type picked (predictions-csv-file or -zip-file), at that socket's path."""
    civ = (
        evaluation.inputs.filter(interface__slug__in=PREDICTIONS_SOCKETS.values())
        .select_related("interface")
        .first()
    )
    if civ is None:
        raise EvaluationRefused("The submission's predictions file is missing.")
    return civ_input(civ)


def stage_layout(layout: Layout, directory: Path) -> dict[str, Path]:
    """Write the /input part of a layout into directory (the executor's input_dir) and
    extract the ground truth beside it; returns the executor's extra inputs. The files
    are downloaded concurrently (an algorithm phase has one or more per case)."""
    extra: dict[str, Path] = {}
    downloads: list[tuple[str, str, Path]] = []  # (bucket, key, target)
    for placement in layout.placements:
        if placement.path == GROUND_TRUTH_DIR and placement.extract:
            target = directory.parent / "ground_truth"
            _extract_ground_truth(placement.source, placement.bucket, target)
            extra[GROUND_TRUTH_DIR.rstrip("/")] = target
            continue
        if not placement.path.startswith(INPUT_DIR):
            raise EvaluationRefused(f"{placement.path} cannot be mounted by this executor.")
        target = directory / placement.path[len(INPUT_DIR) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        if placement.content is not None:
            target.write_bytes(placement.content)
        elif placement.source:
            downloads.append((placement.bucket, placement.source, target))
        else:
            target.write_text(json.dumps(placement.value))
    with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
        for done in [pool.submit(_download, *d, directory=directory) for d in downloads]:
            done.result()
    return extra


def _download(bucket: Any, key: str, target: Path, *, directory: Path) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3_client(bucket).download_file(bucket_name(bucket), key, str(target))
    except (BotoCoreError, ClientError) as e:
        where = INPUT_DIR + str(target.relative_to(directory))
        raise EvaluationRefused(f"The input {where} could not be downloaded: {e}") from None


def _extract_ground_truth(key: str, bucket: Any, target: Path) -> None:
    """Unpack the tarball with tarfile's "data" filter: no links out, no absolute paths,
    no devices (validation refused such tarballs already; this is the second line)."""
    target.mkdir()
    archive = target.parent / "ground_truth.tar"
    s3_client(bucket).download_file(bucket_name(bucket), key, str(archive))
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError) as e:
        raise EvaluationRefused(f"The ground truth could not be extracted: {e}") from None
    finally:
        archive.unlink(missing_ok=True)


def executor_for(evaluation: Evaluation) -> Executor:
    method = evaluation.method
    assert method is not None
    cls = import_string(settings.WORKERS_EXECUTOR)
    return cls(  # type: ignore[no-any-return]
        job_id=f"evaluation-{evaluation.pk}",
        image=ImageRef(sha256=method.sha256, storage_key=method.image.name),
        limits=ContainerLimits(
            memory_limit_gb=float(evaluation.requires_memory_gb),
            time_limit_s=evaluation.time_limit,
            requires_gpu=bool(evaluation.requires_gpu_type),
        ),
    )


def failure_message(result: ExecutionResult) -> str:
    if result.timed_out:
        return "The evaluation took longer than its time limit and was stopped."
    if result.oom_killed:
        return "The evaluation ran out of memory and was stopped."
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    last = f": {lines[-1].strip()[:400]}" if lines else ""
    return f"The evaluation container exited with code {result.exit_code}{last}"


def evaluation_execute(*, evaluation_pk: Any) -> None:
    """Run one queued evaluation; a re-delivered task finds it no longer queued and stops.
    Whatever goes wrong on the way fails the evaluation at once, naming the cause: an
    unexpected error must not leave it running until the stuck sweep."""
    evaluation = _move(evaluation_pk, to=S.PROVISIONING, expect=(S.PENDING, S.PROVISIONING))
    if evaluation is None:
        return
    if evaluation.method is None or not evaluation.method.image:
        services.evaluation_fail(evaluation=evaluation, error_message="No evaluation method image.")
        return
    try:
        _evaluate(evaluation)
    except EvaluationRefused as e:
        _fail_if_running(evaluation, str(e))
    except Exception as e:
        logger.exception("Evaluation %s failed on the worker", evaluation.pk)
        _fail_if_running(
            evaluation,
            f"The evaluation could not be run on the worker: {type(e).__name__}: {e}",
        )


def _fail_if_running(evaluation: Evaluation, message: str) -> None:
    """Fail the evaluation unless it was settled meanwhile (the sweep, a cancel)."""
    if Evaluation.objects.filter(pk=evaluation.pk, status__in=RUNNING).exists():
        services.evaluation_fail(evaluation=evaluation, error_message=message)


def _evaluate(evaluation: Evaluation) -> None:
    if evaluation.submission.phase.is_algorithm_phase:
        inputs, prefixes = algorithm_evaluation_inputs(evaluation)
    else:
        inputs, prefixes = [predictions_input(evaluation)], {}
    layout = evaluation_layout(
        inputs=inputs,
        input_prefixes=prefixes,
        ground_truth_key=evaluation.ground_truth.ground_truth.name
        if evaluation.ground_truth
        else "",
    )
    executor = executor_for(evaluation)
    with tempfile.TemporaryDirectory(prefix="evaluation-") as work:
        input_dir, output_dir = Path(work) / "input", Path(work) / "output"
        input_dir.mkdir()
        try:
            extra_inputs = stage_layout(layout, input_dir)
            executor.provision(input_dir=input_dir, extra_inputs=extra_inputs)
            if _move(evaluation.pk, to=S.EXECUTING, expect=(S.PROVISIONING,)) is None:
                return
            result = executor.execute(output_dir=output_dir)
            _settle(evaluation, result, output_dir)
        finally:
            # after settling: the leaderboard need not wait for the containers' removal
            executor.deprovision(wait=False)


def _settle(evaluation: Evaluation, result: ExecutionResult, output_dir: Path) -> None:
    Evaluation.objects.filter(pk=evaluation.pk).update(
        stdout=result.stdout[-65536:],
        stderr=result.stderr[-65536:],
        exec_duration=timedelta(seconds=result.duration_s),
        status=S.PARSING,
    )
    if result.exit_code != 0:
        services.evaluation_fail(evaluation=evaluation, error_message=failure_message(result))
        return
    metrics_file = output_dir / "metrics.json"
    raw = metrics_file.read_bytes() if metrics_file.is_file() else None
    services.evaluation_succeed(evaluation=evaluation, metrics_json=raw)
