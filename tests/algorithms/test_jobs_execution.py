"""The execution task on real Docker: outputs become socket values, failures name the
cause, a second delivery does not run the container again."""

import json

import pytest

from algorithms.jobs.execution import run_job
from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from tests.algorithms.test_jobs_support import (
    copy_algorithm_for,
    job_containers,
    make_algorithm,
    make_image,
    socket,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def copy_algorithm(user):  # type: ignore[no-untyped-def]
    return copy_algorithm_for(user)


def create_copy_job(user, algorithm, probability=0.25) -> Job:  # type: ignore[no-untyped-def]
    job, created = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=probability),
        ],
    )
    assert created
    return job


def test_job_succeeds_with_image_and_json_outputs(user, copy_algorithm):  # type: ignore[no-untyped-def]
    job = create_copy_job(user, copy_algorithm)
    run_job(job_pk=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    outputs = {civ.interface.slug: civ for civ in job.outputs.all()}
    assert set(outputs) == {"segmentation", "results-json-file"}
    seg = outputs["segmentation"].image
    assert seg is not None
    assert (seg.width, seg.height, seg.depth) == (8, 6, 4)
    results = outputs["results-json-file"]
    stored = json.loads(results.file.read()) if results.file else results.value
    assert stored == {"threshold": 0.25, "ok": True}
    assert "done" in job.stdout
    assert [s["status"] for s in job.status_history] == [
        "Queued",
        "Provisioning",
        "Executing",
        "Parsing",
        "Succeeded",
    ]
    assert job.exec_duration is not None and job.attempt == 1
    # removed while the worker goes on with its next task
    wait_for(lambda: job_containers(job) == [], timeout=30, what="the job's containers removed")


def test_second_run_of_the_task_does_not_run_the_container_again(user, copy_algorithm):  # type: ignore[no-untyped-def]
    job = create_copy_job(user, copy_algorithm)
    run_job(job_pk=job.pk)
    job.refresh_from_db()
    first = (job.status, job.attempt, job.started, job.stdout, job.outputs.count())
    run_job(job_pk=job.pk)  # a re-delivered task
    job.refresh_from_db()
    assert (job.status, job.attempt, job.started, job.stdout, job.outputs.count()) == first
    assert [s["status"] for s in job.status_history].count("Executing") == 1


def run_script_job(user, script: str, **algorithm_kwargs) -> Job:  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(
        script=script,
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        **algorithm_kwargs,
    )
    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[InputSpec(socket=socket("probability"), value=0.5)],
    )
    run_job(job_pk=job.pk)
    job.refresh_from_db()
    wait_for(lambda: job_containers(job) == [], timeout=30, what="the job's containers removed")
    return job


def test_non_zero_exit_shows_the_code_and_last_stderr_line(user):  # type: ignore[no-untyped-def]
    job = run_script_job(user, "echo starting >&2\necho 'model weights not found' >&2\nexit 3\n")
    assert job.status == Job.Status.FAILED
    assert job.error_message == "The container exited with code 3: model weights not found"
    assert "starting" in job.stderr


def test_memory_limit_names_the_limit(user):  # type: ignore[no-untyped-def]
    # /tmp is a tmpfs: what is written there counts against the container's memory
    job = run_script_job(
        user, "dd if=/dev/zero of=/tmp/fill bs=1M count=3000\nsleep 5\n", memory_limit_gb=1
    )
    assert job.status == Job.Status.FAILED
    assert job.error_message == "The algorithm exceeded the memory limit of 1 GB."


def test_time_limit_names_the_limit(user):  # type: ignore[no-untyped-def]
    job = run_script_job(user, "sleep 60\n", time_limit=2)
    assert job.status == Job.Status.FAILED
    assert job.error_message == "The algorithm exceeded the time limit of 2 s and was stopped."


def test_missing_output_names_the_socket(user):  # type: ignore[no-untyped-def]
    job = run_script_job(user, "echo nothing written\n")
    assert job.status == Job.Status.FAILED
    assert "Output 'results-json-file'" in job.error_message
    assert "results.json is missing" in job.error_message
    assert job.outputs.count() == 0


def test_invalid_output_says_why(user):  # type: ignore[no-untyped-def]
    job = run_script_job(user, "echo '{not json' > /output/results.json\n")
    assert job.status == Job.Status.FAILED
    assert "Output 'results-json-file'" in job.error_message
    assert "not valid JSON" in job.error_message


ORGAN_SEGMENTS = [
    {"name": "background", "visible": False, "voxel_value": 0},
    {"name": "organ", "visible": True, "voxel_value": 1},
]


def test_output_that_is_no_label_map_for_overlay_segments_is_refused(user, copy_algorithm):  # type: ignore[no-untyped-def]
    segmentation = socket("segmentation")
    segmentation.overlay_segments = ORGAN_SEGMENTS
    segmentation.save()
    job = create_copy_job(user, copy_algorithm)  # the copied image holds 192 values
    run_job(job_pk=job.pk)
    job.refresh_from_db()

    assert job.status == Job.Status.FAILED
    assert "Output 'segmentation'" in job.error_message
    assert "is not a label map" in job.error_message
    assert job.outputs.count() == 0


def test_input_image_with_values_outside_the_overlay_segments_is_refused(user):  # type: ignore[no-untyped-def]
    from algorithms.jobs.inputs import InputsInvalid

    segmentation = socket("segmentation")
    segmentation.overlay_segments = ORGAN_SEGMENTS
    segmentation.save()
    algorithm = make_algorithm(
        script="echo '{}' > /output/results.json\n",
        inputs=["segmentation"],
        outputs=["results-json-file"],
        editor=user,
    )
    image = make_image(user)
    image.segments = [0, 1, 5]
    image.save()

    with pytest.raises(InputsInvalid) as refused:
        job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=segmentation, image=image)],
        )

    assert refused.value.errors == {
        "segmentation": [
            f"The image {image.pk} holds voxel values [5] that are not among the socket's "
            "overlay segments [0, 1]."
        ]
    }
    assert Job.objects.count() == 0


def test_outputs_parsed_with_no_lock_so_a_cancel_meanwhile_wins(user, copy_algorithm, monkeypatch):  # type: ignore[no-untyped-def]
    """Converting and storing outputs holds no lock: a cancel from another connection
    while the output image is being converted goes through at once (it waited for the
    whole parsing before), and the job keeps nothing of what was parsed."""
    import threading

    from botocore.exceptions import ClientError
    from django.db import connection, transaction

    from algorithms.jobs import outputs
    from algorithms.jobs.services import job_cancel
    from app.storage import bucket_name, s3_client
    from cases.models import Image

    job = create_copy_job(user, copy_algorithm)
    images_before = Image.objects.count()
    seen: dict = {"stored_keys": []}

    def cancel_from_another_connection() -> None:
        try:
            with transaction.atomic():
                # a lock held by the parsing worker makes this fail at once
                Job.objects.select_for_update(nowait=True).get(pk=job.pk)
            job_cancel(job=Job.objects.get(pk=job.pk), actor=user)
            seen["cancelled"] = True
        except Exception as error:
            seen["error"] = repr(error)
        finally:
            connection.close()

    real_build_images = outputs.build_images
    real_store = outputs.store_built_image

    def build_images_while_cancelled(**kwargs):  # type: ignore[no-untyped-def]
        seen["status_while_parsing"] = Job.objects.get(pk=job.pk).status
        other = threading.Thread(target=cancel_from_another_connection)
        other.start()
        other.join(timeout=20)
        seen["cancel_returned_while_parsing"] = not other.is_alive()
        return real_build_images(**kwargs)

    def store_and_record(*, built, stored_keys):  # type: ignore[no-untyped-def]
        seen["stored_keys"] = stored_keys  # the very list the parser fills
        return real_store(built=built, stored_keys=stored_keys)

    monkeypatch.setattr(outputs, "build_images", build_images_while_cancelled)
    monkeypatch.setattr(outputs, "store_built_image", store_and_record)

    run_job(job_pk=job.pk)

    job.refresh_from_db()
    assert seen.get("error") is None
    assert seen["status_while_parsing"] == Job.Status.PARSING
    assert seen["cancel_returned_while_parsing"] is True
    assert seen["cancelled"] is True
    assert job.status == Job.Status.CANCELLED
    assert job.error_message == f"Cancelled by {user.get_username()}."
    assert job.outputs.count() == 0
    assert Image.objects.count() == images_before  # the output image's row is gone too
    keys = list(seen["stored_keys"])
    assert any(key.endswith(".mha") for key in keys)
    client = s3_client("protected")
    input_image = job.inputs.get(interface__slug="ct-image").image
    assert input_image is not None
    input_key = input_image.files.get(image_type="MHD").file.name
    client.head_object(Bucket=bucket_name("protected"), Key=input_key)  # the store answers
    for key in keys:
        with pytest.raises(ClientError) as missing:
            client.head_object(Bucket=bucket_name("protected"), Key=key)
        assert missing.value.response["Error"]["Code"] == "404"
