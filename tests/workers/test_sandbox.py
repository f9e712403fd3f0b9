"""The sandbox of the container contract, each case against the real Docker engine.

Every run goes through `run_job`, which also checks that the job's containers,
volumes and staged inputs are gone afterwards.
"""

import dataclasses
import io
import json
import tarfile
import uuid
from collections.abc import Iterator

import pytest

from tests.workers.conftest import DEFAULT_LIMITS, job_objects
from workers.engine import docker_client
from workers.executors.base import ContainerLimits
from workers.executors.docker import DockerExecutor, ProvisionError, _copy_outputs, container_name

HEALTHY = "echo ok > /output/ok.txt\n"


def assert_worker_still_runs_jobs(run_job) -> None:  # type: ignore[no-untyped-def]
    """Another job right after the hostile one runs normally."""
    result, output_dir, _ = run_job(HEALTHY)
    assert result.exit_code == 0
    assert (output_dir / "ok.txt").read_text() == "ok\n"


def test_container_has_no_network(run_job):  # type: ignore[no-untyped-def]
    script = (
        "if wget -q -T 3 -O /tmp/page http://1.1.1.1/; then echo reached-internet; fi\n"
        "if nc -w 2 127.0.0.1 6379 </dev/null; then echo reached-host; fi\n"
        "cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' > /output/interfaces.txt\n"
    )
    result, output_dir, _ = run_job(script)

    assert result.exit_code == 0
    assert "reached" not in result.stdout
    assert (output_dir / "interfaces.txt").read_text().split() == ["lo"]


def test_only_output_and_tmp_are_writable(run_job):  # type: ignore[no-untyped-def]
    script = (
        "for target in /x /etc/x /bin/x /input/x /tmp/x /output/x; do\n"
        "  if echo data > $target 2>/dev/null; then echo $target; fi\n"
        "done > /tmp/writable\n"
        "cp /tmp/writable /output/writable.txt\n"
    )
    result, output_dir, _ = run_job(script)

    assert result.exit_code == 0
    assert (output_dir / "writable.txt").read_text().split() == ["/tmp/x", "/output/x"]


def test_runs_as_unprivileged_user_without_capabilities(run_job):  # type: ignore[no-untyped-def]
    script = (
        "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status > /output/status.txt\n"
        "echo $GRAND_CHALLENGE_COMPONENT_MAX_MEMORY_MB > /output/memory.txt\n"
    )
    limits = ContainerLimits(memory_limit_gb=0.5, time_limit_s=60)
    _, output_dir, _ = run_job(script, limits=limits)

    status = dict(
        line.split(":\t") for line in (output_dir / "status.txt").read_text().splitlines()
    )
    assert status["CapEff"] == status["CapBnd"] == "0000000000000000"
    assert status["NoNewPrivs"] == "1"
    assert (output_dir / "memory.txt").read_text().strip() == "512"


def test_memory_past_the_limit_is_oom_killed(run_job):  # type: ignore[no-untyped-def]
    # awk doubles a string until the kernel's OOM killer stops it.
    script = "exec awk 'BEGIN { s = \"0123456789\"; while (1) s = s s }'\n"
    limits = ContainerLimits(memory_limit_gb=64 / 1024, time_limit_s=60)
    result, output_dir, _ = run_job(script, limits=limits)

    assert result.oom_killed
    assert not result.timed_out
    assert not (output_dir / "x").exists()
    assert_worker_still_runs_jobs(run_job)


def test_sleeping_past_the_time_limit_is_killed(run_job):  # type: ignore[no-untyped-def]
    limits = ContainerLimits(memory_limit_gb=0.125, time_limit_s=2)
    result, _, _ = run_job("echo started\nsleep 600\necho finished\n", limits=limits)

    assert result.timed_out
    assert result.exit_code != 0
    assert result.stdout == "started\n"
    assert_worker_still_runs_jobs(run_job)


def test_fork_bomb_is_stopped_by_the_pids_limit(run_job):  # type: ignore[no-untyped-def]
    # The main shell forks exactly once, before the bomb grows: busybox sh exits on a
    # refused fork, so every later step uses builtins only. It then reports how many
    # forks the kernel refused and the limit it saw (cgroup v1 or v2 layout).
    script = (
        "( bomb() { bomb | bomb & }; bomb ) &\n"
        "read -t 3 _ < /dev/zero; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done\n"
        "d=/sys/fs/cgroup/pids; [ -e /sys/fs/cgroup/pids.max ] && d=/sys/fs/cgroup\n"
        "read max < $d/pids.max\n"
        "read refused < $d/pids.events\n"
        'echo "{\\"max\\": $max, \\"refused\\": ${refused#max }}" > /output/pids.json\n'
    )
    limits = ContainerLimits(memory_limit_gb=0.25, time_limit_s=60, pids_limit=32)
    result, output_dir, _ = run_job(script, limits=limits)

    assert not result.timed_out
    pids = json.loads((output_dir / "pids.json").read_text())
    assert pids["max"] == 32
    assert pids["refused"] > 0
    assert_worker_still_runs_jobs(run_job)


def test_output_past_its_size_limit_fails_while_running(run_job, settings):  # type: ignore[no-untyped-def]
    settings.WORKERS_OUTPUT_MB = 1
    script = (
        "echo small > /output/small.txt\n"
        "dd if=/dev/zero of=/output/big bs=64k count=64 2>/tmp/err\n"
        "if [ $? -ne 0 ]; then cat /tmp/err >&2; exit 3; fi\n"
        "echo wrote-it-all\n"
    )
    result, output_dir, _ = run_job(script)

    # the write failed inside the container, at the limit, not after the run
    assert result.exit_code == 3
    assert "No space left on device" in result.stderr
    assert "wrote-it-all" not in result.stdout
    assert (output_dir / "small.txt").read_text() == "small\n"
    assert (output_dir / "big").stat().st_size < 1024**2
    assert result.output_error == (
        "The algorithm filled /output, which holds at most 1 MB while the container runs; "
        "its outputs are incomplete."
    )
    assert_worker_still_runs_jobs(run_job)


def test_output_within_its_limit_is_no_error(run_job, settings):  # type: ignore[no-untyped-def]
    settings.WORKERS_OUTPUT_MB = 2
    result, output_dir, _ = run_job("dd if=/dev/zero of=/output/big bs=64k count=16\n")

    assert result.exit_code == 0
    assert (output_dir / "big").stat().st_size == 1024**2
    assert result.output_error == ""


def test_runs_as_the_resolved_uid_with_ulimits(run_job_image, stored_image):  # type: ignore[no-untyped-def]
    script = (
        "echo $(id -u):$(id -g) > /output/id.txt\n"
        "grep -E '^Max (open files|core file size|file size)' /proc/self/limits"
        " > /output/limits.txt\n"
    )
    image = dataclasses.replace(stored_image(script), user="1234:5678")
    limits = ContainerLimits(memory_limit_gb=0.5, time_limit_s=60)
    result, output_dir = run_job_image(image, limits=limits)

    assert result.exit_code == 0, result.stderr
    assert (output_dir / "id.txt").read_text() == "1234:5678\n"
    rows = {
        line[:26].strip(): line[26:].split()[:2]
        for line in (output_dir / "limits.txt").read_text().splitlines()
    }
    largest = str(512 * 1024**2)  # the memory limit caps both tmpfs sizes
    assert rows == {
        "Max file size": [largest, largest],
        "Max core file size": ["0", "0"],
        "Max open files": ["8192", "8192"],
    }


def test_an_unresolved_or_root_user_is_never_started(tmp_path, stored_image):  # type: ignore[no-untyped-def]
    for user in ("0:0", "app"):
        image = dataclasses.replace(stored_image("true\n"), user=user)
        job_id = f"test-{uuid.uuid4()}"
        executor = DockerExecutor(job_id=job_id, image=image, limits=DEFAULT_LIMITS)
        try:
            with pytest.raises(ProvisionError, match=f"the image's user '{user}' is not a"):
                executor.provision(input_dir=tmp_path)
        finally:
            executor.deprovision()
        assert job_objects(job_id) == ([], [])


@pytest.mark.parametrize("gpus", [1, 2])
def test_gpu_jobs_get_the_gpus_they_asked_for(tmp_path, stored_image, gpus):  # type: ignore[no-untyped-def]
    job_id = f"test-{uuid.uuid4()}"
    limits = ContainerLimits(
        memory_limit_gb=0.25, time_limit_s=60, requires_gpu=True, gpu_count=gpus
    )
    executor = DockerExecutor(job_id=job_id, image=stored_image("true\n"), limits=limits)
    executor.provision(input_dir=tmp_path)
    try:
        inspected = docker_client().api.inspect_container(container_name(job_id))
        [request] = inspected["HostConfig"]["DeviceRequests"]
        assert request["Count"] == gpus  # never -1, all of the host's GPUs
        assert request["Capabilities"] == [["gpu"]]
        assert inspected["Config"]["User"] == "1000:0"
    finally:
        executor.deprovision()
    assert job_objects(job_id) == ([], [])


class _Archive:
    """What the engine's get_archive returns for a stopped container: a tar stream.
    A real /output cannot hold these members (a path both a link and a directory), so
    the hostile stream is written by hand."""

    def __init__(self, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for info, data in members:
                info.size = len(data) if info.isreg() else 0
                tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
        self.data = buffer.getvalue()

    def get_archive(self, path: str, chunk_size: int) -> tuple[Iterator[bytes], dict]:
        assert path == "/output"
        return iter([self.data]), {}


def _entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def test_copy_back_refuses_escapes_by_resolved_path(tmp_path):  # type: ignore[no-untyped-def]
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    sibling = tmp_path / "out-evil"  # shares the output directory's name as a prefix
    sibling.mkdir()
    archive = _Archive(
        [
            (_entry("output/", tarfile.DIRTYPE), b""),
            (_entry("output/ok.txt"), b"fine"),
            (_entry("output/link", tarfile.SYMTYPE, "../out-evil"), b""),
            (_entry("output/link/planted.txt"), b"escaped through a link"),
            (_entry("output/../out-evil/dotdot.txt"), b"escaped by .."),
            (_entry("/etc/absolute.txt"), b"escaped by an absolute name"),
        ]
    )
    written, _ = _copy_outputs(archive, output_dir)  # type: ignore[arg-type]

    assert written == 4
    assert (output_dir / "ok.txt").read_text() == "fine"
    assert (output_dir / "link").is_symlink()  # kept as a link, refused by collect_outputs
    assert list(sibling.iterdir()) == []
