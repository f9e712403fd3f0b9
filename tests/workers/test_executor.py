"""The Docker executor's life cycle: image loading, I/O through the engine, logs, clean-up."""

import json
import lzma
import time
import uuid
from pathlib import Path

import pytest
from django.test import override_settings

from app.storage import bucket_name, s3_client
from workers.engine import docker_client
from workers.executors.base import ContainerLimits, ImageRef
from workers.executors.docker import (
    CREATED_LABEL,
    JOB_LABEL,
    DockerExecutor,
    ProvisionError,
    container_name,
)
from workers.executors.docker_cleanup import ROLE_LABEL, SLOT_LABEL, SLOT_ROLE
from workers.images.busybox import build_busybox_image
from workers.images.tarballs import save_image_tarball, store_image_tarball
from workers.services import remove_job_containers, remove_stale_containers

from .conftest import DEFAULT_LIMITS, job_objects

COPY_SCRIPT = """\
mkdir -p /output/images/copy
cp /input/images/ct/*.mha /output/images/copy/
cp /input/inputs.json /output/seen-inputs.json
echo "to stdout"
echo "last error line" >&2
exit 3
"""


def unique_image(tmp_path: Path) -> str:
    """An image no other test uses, so it can be deleted from the engine safely."""
    return build_busybox_image(
        script=f"# {uuid.uuid4()}\necho loaded > /output/result.txt\n", tag="tessera-test/unique"
    )


def test_inputs_in_outputs_out_and_logs_kept(run_job, tmp_path):  # type: ignore[no-untyped-def]
    input_dir = tmp_path / "staged"
    (input_dir / "images" / "ct").mkdir(parents=True)
    (input_dir / "images" / "ct" / "scan.mha").write_bytes(
        b"ObjectType = Image\n" + bytes(range(256))
    )
    (input_dir / "inputs.json").write_text('[{"interface": {"slug": "ct"}}]')

    result, output_dir, _ = run_job(COPY_SCRIPT, input_dir=input_dir)

    assert result.exit_code == 3
    assert result.stdout == "to stdout\n"
    assert result.stderr.splitlines()[-1] == "last error line"
    copied = output_dir / "images" / "copy" / "scan.mha"
    assert copied.read_bytes() == b"ObjectType = Image\n" + bytes(range(256))
    assert json.loads((output_dir / "seen-inputs.json").read_text()) == [
        {"interface": {"slug": "ct"}}
    ]


def test_symlinks_in_output_come_back_as_links_never_followed(run_job):  # type: ignore[no-untyped-def]
    result, output_dir, _ = run_job("ln -s /etc/passwd /output/results.json\n")

    assert result.exit_code == 0
    assert (output_dir / "results.json").is_symlink()


@override_settings(WORKERS_MAX_LOG_BYTES=1000)
def test_logs_are_capped_to_their_end(run_job):  # type: ignore[no-untyped-def]
    script = "i=0; while [ $i -lt 5000 ]; do echo line $i; i=$((i+1)); done\necho the end\n"
    result, _, _ = run_job(script)

    assert len(result.stdout.encode()) <= 1000
    assert result.stdout.endswith("line 4999\nthe end\n")


@pytest.mark.parametrize("compression", ["gzip", "xz", "none"])
def test_image_loaded_from_object_store_by_sha256(compression, tmp_path, run_job):  # type: ignore[no-untyped-def]
    image_id = unique_image(tmp_path)
    tarball = save_image_tarball(
        image=image_id, path=tmp_path / "image.tar", compress=compression == "gzip"
    )
    if compression == "xz":
        tarball = tmp_path / "image.tar.xz"
        tarball.write_bytes(lzma.compress((tmp_path / "image.tar").read_bytes(), preset=0))
    key = f"test-images/{uuid.uuid4()}-{tarball.name}"
    s3_client("private").upload_file(str(tarball), bucket_name("private"), key)
    docker_client().images.remove(image_id, force=True)

    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(
        job_id=job_id, image=ImageRef(sha256=image_id, storage_key=key), limits=DEFAULT_LIMITS
    )
    input_dir = tmp_path / "in"
    input_dir.mkdir()
    try:
        executor.provision(input_dir=input_dir)
        result = executor.execute(output_dir=tmp_path / "out")
    finally:
        executor.deprovision()

    assert result.extra["image_loaded"] is True
    assert (tmp_path / "out" / "result.txt").read_text() == "loaded\n"
    assert docker_client().images.get(image_id).id == image_id
    assert job_objects(job_id) == ([], [])


def test_tarball_of_another_image_is_refused(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    ref = store_image_tarball(image=unique_image(tmp_path))
    docker_client().images.remove(ref.sha256, force=True)
    wrong = ImageRef(sha256="sha256:" + "0" * 64, storage_key=ref.storage_key)
    executor = DockerExecutor(job_id=f"test-{uuid.uuid4()}", image=wrong, limits=DEFAULT_LIMITS)

    with pytest.raises(ProvisionError, match="not sha256:0000"):
        executor.provision(input_dir=tmp_path)
    executor.deprovision()


def test_missing_tarball_is_a_clear_error(tmp_path):  # type: ignore[no-untyped-def]
    ref = ImageRef(sha256="sha256:" + "1" * 64, storage_key="nowhere/missing.tar.gz")
    executor = DockerExecutor(job_id=f"test-{uuid.uuid4()}", image=ref, limits=DEFAULT_LIMITS)

    with pytest.raises(ProvisionError, match=r"missing\.tar\.gz"):
        executor.provision(input_dir=tmp_path)


def test_sandbox_settings_of_the_created_container(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    job_id = f"test-{uuid.uuid4()}"
    limits = ContainerLimits(memory_limit_gb=0.5, time_limit_s=60, cpu_count=1, requires_gpu=True)
    executor = DockerExecutor(job_id=job_id, image=stored_image("true\n"), limits=limits)
    executor.provision(input_dir=tmp_path)
    try:
        container = docker_client().containers.get(container_name(job_id))
        host = container.attrs["HostConfig"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert host["Memory"] == host["MemorySwap"] == 512 * 1024**2
        assert host["NanoCpus"] == 10**9
        assert host["DeviceRequests"][0]["Capabilities"] == [["gpu"]]
        assert container.labels["tessera.job"] == job_id
    finally:
        executor.deprovision()
    assert job_objects(job_id) == ([], [])


def test_no_gpu_unless_asked(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(job_id=job_id, image=stored_image("true\n"), limits=DEFAULT_LIMITS)
    executor.provision(input_dir=tmp_path)
    try:
        container = docker_client().containers.get(container_name(job_id))
        assert not container.attrs["HostConfig"]["DeviceRequests"]
    finally:
        executor.deprovision()


def test_provision_again_starts_clean_and_deprovision_is_idempotent(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    job_id = f"test-{uuid.uuid4()}"
    image = stored_image("echo once >> /output/runs.txt\n")
    first = DockerExecutor(job_id=job_id, image=image, limits=DEFAULT_LIMITS)
    (tmp_path / "in").mkdir()
    first.provision(input_dir=tmp_path / "in")  # then the worker "dies"

    second = DockerExecutor(job_id=job_id, image=image, limits=DEFAULT_LIMITS)
    second.provision(input_dir=tmp_path / "in")
    result = second.execute(output_dir=tmp_path / "out")
    second.deprovision()
    second.deprovision()
    first.deprovision()

    assert result.exit_code == 0
    assert (tmp_path / "out" / "runs.txt").read_text() == "once\n"
    assert job_objects(job_id) == ([], [])


def test_cleanup_helpers_remove_leftovers(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    image = stored_image("sleep 600\n")
    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(job_id=job_id, image=image, limits=DEFAULT_LIMITS)
    executor.provision(input_dir=tmp_path)
    docker_client().containers.get(container_name(job_id)).start()

    assert remove_job_containers(job_id=job_id) >= 1
    assert job_objects(job_id) == ([], [])
    assert remove_job_containers(job_id=job_id) == 0


def test_stale_containers_of_dead_workers_are_removed(stored_image):  # type: ignore[no-untyped-def]
    image = stored_image("sleep 600\n")
    client = docker_client()
    old, fresh = f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"
    for job_id, age in ((old, 7200), (fresh, 0)):
        labels = {JOB_LABEL: job_id, CREATED_LABEL: str(int(time.time() - age))}
        client.containers.create(image.sha256, labels=labels).start()
        client.volumes.create(name=f"{job_id}-leftover", labels=labels)

    try:
        assert old in remove_stale_containers(older_than_s=3600)
        assert job_objects(old) == ([], [])
        containers, volumes = job_objects(fresh)
        assert len(containers) == len(volumes) == 1
    finally:
        remove_job_containers(job_id=fresh)


def test_should_stop_kills_a_running_container_within_seconds(stored_image, tmp_path):  # type: ignore[no-untyped-def]
    image = stored_image("echo started\nsleep 600\n")
    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(job_id=job_id, image=image, limits=DEFAULT_LIMITS)
    asked = []

    def cancelled_after_two_questions() -> bool:
        asked.append(time.monotonic())
        return len(asked) >= 2

    try:
        (tmp_path / "in").mkdir()
        executor.provision(input_dir=tmp_path / "in")
        result = executor.execute(
            output_dir=tmp_path / "out", should_stop=cancelled_after_two_questions
        )
    finally:
        executor.deprovision()

    assert len(asked) == 2
    assert result.extra["stopped"] is True
    assert result.timed_out is False
    assert result.exit_code == 137  # killed
    assert result.duration_s < 15  # about two 3 s polls, not the 60 s limit
    assert "started" in result.stdout
    assert job_objects(job_id) == ([], [])


def test_extra_inputs_are_mounted_read_only_at_their_paths(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    script = (
        "cat /opt/ml/input/data/ground_truth/masks/a.txt > /output/a.txt\n"
        "if touch /opt/ml/input/data/ground_truth/x 2>/dev/null; "
        "then echo writable > /output/ro.txt; else echo read-only > /output/ro.txt; fi\n"
    )
    extra = tmp_path / "gt"
    (extra / "masks").mkdir(parents=True)
    (extra / "masks" / "a.txt").write_text("truth")
    (tmp_path / "in").mkdir()
    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(job_id=job_id, image=stored_image(script), limits=DEFAULT_LIMITS)
    try:
        executor.provision(
            input_dir=tmp_path / "in", extra_inputs={"/opt/ml/input/data/ground_truth": extra}
        )
        result = executor.execute(output_dir=tmp_path / "out")
    finally:
        executor.deprovision()
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "a.txt").read_text() == "truth"
    assert (tmp_path / "out" / "ro.txt").read_text() == "read-only\n"
    assert job_objects(job_id) == ([], [])


@pytest.mark.parametrize("path", ["/input/gt", "/output", "/", "relative/gt", "/opt/../input"])
def test_an_extra_input_cannot_take_the_place_of_another_mount(tmp_path, stored_image, path):  # type: ignore[no-untyped-def]
    job_id = f"test-{uuid.uuid4()}"
    executor = DockerExecutor(job_id=job_id, image=stored_image("true\n"), limits=DEFAULT_LIMITS)
    with pytest.raises(ProvisionError, match=f"{path} cannot take an extra input"):
        executor.provision(input_dir=tmp_path, extra_inputs={path: tmp_path})
    assert job_objects(job_id) == ([], [])


SEEN_SCRIPT = """\
ls -A /input /output > /tmp/seen.txt
echo mine > /output/mine.txt
cp /tmp/seen.txt /output/seen.txt
"""


def test_a_slot_made_ahead_serves_one_job_and_nothing_passes_to_the_next(run_job, tmp_path):  # type: ignore[no-untyped-def]
    seen = []
    for name in ("first", "second"):
        input_dir = tmp_path / f"{name}-in"
        input_dir.mkdir()
        (input_dir / f"{name}.json").write_text("1")
        result, output_dir, _ = run_job(SEEN_SCRIPT, input_dir=input_dir)
        assert result.exit_code == 0, result.stderr
        seen.append((output_dir / "seen.txt").read_text().split())
    # the second job (its slot made while the first finished) sees its own input only
    assert seen[1] == ["/input:", "second.json", "/output:"]
    assert "first.json" not in seen[1] and "mine.txt" not in seen[1]


def test_the_sweep_removes_a_slot_no_job_took_and_keeps_one_in_use(stored_image):  # type: ignore[no-untyped-def]
    image = stored_image("sleep 600\n")
    client = docker_client()
    unused, used, job = (f"test-{uuid.uuid4()}" for _ in range(3))
    two_hours_ago = str(int(time.time() - 7200))
    for slot in (unused, used):  # a lost worker's spare, and the slot of a running job
        labels = {JOB_LABEL: slot, ROLE_LABEL: SLOT_ROLE, CREATED_LABEL: two_hours_ago}
        client.containers.create(image.sha256, labels=labels).start()
        client.volumes.create(name=f"{slot}-input", labels=labels)
    labels = {JOB_LABEL: job, SLOT_LABEL: used, CREATED_LABEL: str(int(time.time()))}
    client.containers.create(image.sha256, labels=labels).start()
    try:
        assert unused in remove_stale_containers(older_than_s=24 * 3600)
        assert job_objects(unused) == ([], [])
        containers, volumes = job_objects(used)
        assert len(containers) == len(volumes) == 1
        # the job's removal takes its slot with it
        assert remove_job_containers(job_id=job) == 2
        assert job_objects(used) == ([], [])
    finally:
        for leftover in (unused, used, job):
            remove_job_containers(job_id=leftover)
