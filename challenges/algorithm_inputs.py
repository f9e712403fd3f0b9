"""The inputs of an algorithm-phase evaluation (GC's set_evaluation_inputs): a
predictions.json listing every succeeded job, and each job's outputs mounted at
/input/<job pk>/output/<relative path>."""

import contextlib
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db.models import Prefetch

from algorithms.models import Job
from app.storage import bucket_name, s3_client
from challenges.algorithm_jobs import case_of
from challenges.evaluation_io import EvaluationRefused, InputValue, job_output_prefixes
from challenges.models import Evaluation
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import json_file_content, socket_value_create


def socket_data(socket: ComponentInterface) -> dict[str, Any]:
    return {
        "title": socket.title,
        "description": socket.description,
        "slug": socket.slug,
        "kind": socket.kind,
        "pk": socket.pk,
        "default_value": socket.default_value,
        "super_kind": socket.super_kind,
        "relative_path": socket.relative_path,
        "overlay_segments": socket.overlay_segments,
        "look_up_table": None,
    }


READ_THREADS = 8


@dataclass(frozen=True)
class StoredJson:
    """A JSON value kept in a file, as read: its bytes (staged as they are, not fetched
    again) and its value (listed in predictions.json and inputs.json)."""

    content: bytes
    value: Any


NOTHING_READ: Mapping[int, StoredJson] = MappingProxyType({})


def _in_file(civ: ComponentInterfaceValue) -> bool:
    """A JSON value kept in a stored file (too large for the database)."""
    return civ.value is None and bool(civ.file) and civ.interface.super_kind == SuperKind.VALUE


def _read_value(civ: ComponentInterfaceValue) -> StoredJson:
    # the shared client: a storage opened in a new thread builds its own (slow)
    body = s3_client("protected").get_object(Bucket=bucket_name("protected"), Key=civ.file.name)
    with contextlib.closing(body["Body"]) as stream:
        content = stream.read()
    return StoredJson(content=content, value=json.loads(content))


def file_values(civs: Iterable[ComponentInterfaceValue]) -> dict[int, StoredJson]:
    """The JSON of every value kept in a file, by pk: read once each, concurrently (an
    algorithm phase has one or more per case, each listed twice)."""
    stored = {civ.pk: civ for civ in civs if _in_file(civ)}
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return dict(zip(stored, pool.map(_read_value, stored.values()), strict=True))


def _value_of(civ: ComponentInterfaceValue, read: Mapping[int, StoredJson]) -> Any:
    if _in_file(civ):
        return (read[civ.pk] if civ.pk in read else _read_value(civ)).value
    return civ.value


def civ_internal(
    civ: ComponentInterfaceValue, read: Mapping[int, StoredJson] = NOTHING_READ
) -> dict[str, Any]:
    """GC's internal form of a socket value (predictions.json, inputs.json); `read` holds
    the values kept in files that were read already (`file_values`)."""
    socket = socket_data(civ.interface)
    image = None
    if civ.image_id is not None:
        image = {"pk": str(civ.image_id), "name": civ.image.name}  # type: ignore[union-attr]
    return {
        "socket": socket,
        "interface": socket,
        "value": _value_of(civ, read),
        "file": civ.file.name.rsplit("/", 1)[-1] if civ.file else None,
        "image": image,
        "pk": civ.pk,
    }


def civ_input(
    civ: ComponentInterfaceValue, read: Mapping[int, StoredJson] = NOTHING_READ
) -> InputValue:
    data = civ_internal(civ, read)
    relative_path = civ.interface.relative_path
    if civ.file:
        return InputValue(
            pk=civ.pk,
            data=data,
            relative_path=relative_path,
            super_kind="File",
            source=civ.file.name,
            content=read[civ.pk].content if civ.pk in read else None,
        )
    if civ.image_id is not None:
        image_file = civ.image.files.filter(image_type="MHD").first() or civ.image.files.first()  # type: ignore[union-attr]
        if image_file is None:
            raise EvaluationRefused(f"The image of value {civ.pk} has no stored file.")
        name = image_file.file.name.rsplit("/", 1)[-1]
        return InputValue(
            pk=civ.pk,
            data=data,
            relative_path=relative_path,
            super_kind="Image",
            source=image_file.file.name,
            filename=name,
        )
    return InputValue(pk=civ.pk, data=data, relative_path=relative_path, super_kind="Value")


def job_entry(job: Job, read: Mapping[int, StoredJson] = NOTHING_READ) -> dict[str, Any]:
    """One element of /input/predictions.json (GC's JobSerializer, without host URLs);
    the job's inputs and outputs prefetched (`_VALUES`)."""
    return {
        "pk": str(job.pk),
        "url": None,
        "api_url": None,
        "algorithm_image": str(job.algorithm_image_id),
        "inputs": [civ_internal(c, read) for c in job.inputs.all()],
        "outputs": [civ_internal(c, read) for c in job.outputs.all()],
        "status": "Succeeded",
        "hanging_protocol": None,
        "optional_hanging_protocols": [],
        "view_content": {},
        "exec_duration": job.exec_duration.total_seconds() if job.exec_duration else None,
        "invoke_duration": None,
    }


def algorithm_evaluation_inputs(evaluation: Evaluation) -> tuple[list[InputValue], dict[str, str]]:
    """Once every job of the submission succeeded: store predictions.json as the evaluation's
    input and return all inputs with their prefixes; a failed job fails the evaluation."""
    jobs = list(
        evaluation.submission.jobs.select_related("algorithm_image").prefetch_related(
            Prefetch("inputs", queryset=_VALUES), Prefetch("outputs", queryset=_VALUES)
        )
    )
    if not jobs:
        raise EvaluationRefused("The submission has no algorithm jobs to evaluate.")
    failed = [j for j in jobs if j.status != Job.Status.SUCCEEDED]
    if failed:
        first = failed[0]
        reason = first.error_message or first.status_note or first.status
        case = case_of(phase=evaluation.submission.phase, job=first)
        raise EvaluationRefused(
            f"The algorithm did not succeed on {len(failed)} of {len(jobs)} cases; "
            f"case {case}: {reason}"
        )
    read = file_values(c for j in jobs for c in (*j.inputs.all(), *j.outputs.all()))
    entries = [job_entry(j, read) for j in jobs]
    predictions = socket_value_create(
        socket=ComponentInterface.objects.get(slug="predictions-json-file"), value=entries
    )
    # listed in inputs.json and staged too: not read back
    read[predictions.pk] = StoredJson(content=json_file_content(entries), value=entries)
    outputs = {str(j.pk): list(j.outputs.all()) for j in jobs}
    prefixes = job_output_prefixes({pk: [c.pk for c in civs] for pk, civs in outputs.items()})
    values = [predictions, *(c for civs in outputs.values() for c in civs)]
    evaluation.inputs.set(values)
    Evaluation.objects.filter(pk=evaluation.pk).update(input_prefixes=prefixes)
    return [civ_input(c, read) for c in values], prefixes


_VALUES = ComponentInterfaceValue.objects.select_related("interface", "image")
