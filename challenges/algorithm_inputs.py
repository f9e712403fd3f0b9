"""The inputs of an algorithm-phase evaluation (GC's set_evaluation_inputs): a
predictions.json listing every succeeded job, and each job's outputs mounted at
/input/<job pk>/output/<relative path>."""

import json
from typing import Any

from algorithms.models import Job
from challenges.algorithm_jobs import case_of
from challenges.evaluation_io import EvaluationRefused, InputValue, job_output_prefixes
from challenges.models import Evaluation
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create


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


def _value_of(civ: ComponentInterfaceValue) -> Any:
    if civ.value is None and civ.file and civ.interface.super_kind == SuperKind.VALUE:
        with civ.file.open("rb") as f:
            return json.loads(f.read())
    return civ.value


def civ_internal(civ: ComponentInterfaceValue) -> dict[str, Any]:
    """GC's internal form of a socket value (predictions.json, inputs.json)."""
    socket = socket_data(civ.interface)
    image = None
    if civ.image_id is not None:
        image = {"pk": str(civ.image_id), "name": civ.image.name}  # type: ignore[union-attr]
    return {
        "socket": socket,
        "interface": socket,
        "value": _value_of(civ),
        "file": civ.file.name.rsplit("/", 1)[-1] if civ.file else None,
        "image": image,
        "pk": civ.pk,
    }


def civ_input(civ: ComponentInterfaceValue) -> InputValue:
    data = civ_internal(civ)
    relative_path = civ.interface.relative_path
    if civ.file:
        return InputValue(
            pk=civ.pk,
            data=data,
            relative_path=relative_path,
            super_kind="File",
            source=civ.file.name,
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


def job_entry(job: Job) -> dict[str, Any]:
    """One element of /input/predictions.json (GC's JobSerializer, without host URLs)."""
    return {
        "pk": str(job.pk),
        "url": None,
        "api_url": None,
        "algorithm_image": str(job.algorithm_image_id),
        "inputs": [civ_internal(c) for c in job.inputs.select_related("interface", "image")],
        "outputs": [civ_internal(c) for c in job.outputs.select_related("interface", "image")],
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
    jobs = list(evaluation.submission.jobs.select_related("algorithm_image"))
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
    predictions = socket_value_create(
        socket=ComponentInterface.objects.get(slug="predictions-json-file"),
        value=[job_entry(j) for j in jobs],
    )
    outputs = {str(j.pk): list(j.outputs.select_related("interface", "image")) for j in jobs}
    prefixes = job_output_prefixes({pk: [c.pk for c in civs] for pk, civs in outputs.items()})
    values = [predictions, *(c for civs in outputs.values() for c in civs)]
    evaluation.inputs.set(values)
    Evaluation.objects.filter(pk=evaluation.pk).update(input_prefixes=prefixes)
    return [civ_input(c) for c in values], prefixes
