"""The sandbox of the container contract, each case against the real Docker engine.

Every run goes through `run_job`, which also checks that the job's containers,
volumes and staged inputs are gone afterwards.
"""

import json

from workers.executors.base import ContainerLimits

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
