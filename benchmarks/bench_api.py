"""API benchmarks against the platform served as `make run` serves it (see stack.py).

(a) import: a 300-slice 512x512 CT series through gcapi's `add_case_to_archive` until
    the archive item holds the converted image, against panimg's bare conversion of
    the same folder (target: at most 0.5x panimg's time);
(b) latency: p50 of each upload write endpoint against a GET, one client on a
    keep-alive connection (target: each write within 2x of the GET);
(c) load: 20 concurrent clients for 60 s mixing list calls, job creation and upload
    writes, against the trivial endpoint (`gcapi/`) in the same run (target: >= 0.5x
    its requests/s, 0 errors; p50/p99 reported).

Each database runs in its own process (settings are read once):

    python -m benchmarks.bench_api --database sqlite|postgres [--skip import,load]
"""

import argparse
import asyncio
import json
import shutil
import statistics
import time
from typing import Any

from benchmarks import stack

SLICES = 300
LOAD_CLIENTS = 20
LOAD_SECONDS = 60
TRIVIAL_SECONDS = 20
LATENCY_ROUNDS = 40
PART = b"\0" * 1024


def _fixture() -> dict[str, Any]:
    from django.contrib.auth.models import Permission, User

    from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface
    from app.permissions import add_member, create_role_groups
    from app.services import api_token_create
    from archives.models import Archive
    from components.models import ComponentInterface

    user = User.objects.create_user(username="bench-api", email="bench-api@example.org")
    user.user_permissions.add(Permission.objects.get(codename="add_archive"))
    _, secret = api_token_create(user=user, name="bench", days=1)
    algorithm = Algorithm.objects.create(
        title="Bench load", time_limit=60, memory_limit_gb=1, max_active_jobs_per_user=30000
    )
    create_role_groups(
        obj=algorithm,
        roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
    )
    add_member(obj=algorithm, role="editors", user=user)
    interface = AlgorithmInterface.objects.create(algorithm=algorithm)
    interface.inputs.set(ComponentInterface.objects.filter(slug="probability"))
    interface.outputs.set(ComponentInterface.objects.filter(slug="results-json-file"))
    # jobs only queue in this bench (no jobs worker): the image is never pulled
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image="bench/none",
        image_sha256="0" * 64,
        status="Valid",
        is_active=True,
    )
    del Archive  # created through the API below, as a user would
    return {"token": secret, "algorithm": str(algorithm.pk)}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# (b) ---------------------------------------------------------------------------------


def bench_latency(api: stack.Stack, token: str) -> dict[str, Any]:
    import httpx

    times: dict[str, list[float]] = {k: [] for k in ("GET", "POST", "presign", "complete")}
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=api.api_url, verify=str(api.ca_file), headers=headers) as c,
        httpx.Client() as store,
    ):

        def timed(name: str, method: str, path: str, **kw: Any) -> Any:
            start = time.perf_counter()
            response = c.request(method, path, **kw)
            elapsed = time.perf_counter() - start
            if response.status_code >= 300:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
            times[name].append(elapsed)
            return response.json()

        for i in range(LATENCY_ROUNDS + 3):
            upload = timed("POST", "POST", "uploads/", json={"filename": f"s{i}.dcm"})
            base = f"uploads/{upload['pk']}/{upload['s3_upload_id']}/"
            timed("GET", "GET", f"uploads/{upload['pk']}/")
            urls = timed(
                "presign", "PATCH", base + "generate-presigned-urls/", json={"part_numbers": [1]}
            )["presigned_urls"]
            etag = store.put(urls["1"], content=PART).headers["etag"]
            timed(
                "complete",
                "PATCH",
                base + "complete-multipart-upload/",
                json={"parts": [{"PartNumber": 1, "ETag": etag}]},
            )
    get = statistics.median(times["GET"][3:])
    out: dict[str, Any] = {"rounds": LATENCY_ROUNDS, "GET upload p50_ms": _ms(get)}
    for name, label in (
        ("POST", "POST uploads/"),
        ("presign", "generate-presigned-urls"),
        ("complete", "complete-multipart-upload"),
    ):
        p50 = statistics.median(times[name][3:])  # the first rounds warm the connections up
        out[f"{label} p50_ms"] = _ms(p50)
        out[f"{label} x GET"] = round(p50 / get, 2)
    return out


# (a) ---------------------------------------------------------------------------------


def bench_import(api: stack.Stack, token: str) -> dict[str, Any]:
    import gcapi
    from gcapi import SocketValueSpec

    from archives.models import ArchiveItem
    from benchmarks import dicom_to_mha
    from cases.models import RawImageUploadSession
    from cases.synthetic import write_ct_series

    series = stack.VAR / f"ct{SLICES}-bench"
    if not series.is_dir() or len(list(series.iterdir())) != SLICES:
        shutil.rmtree(series, ignore_errors=True)
        print(f"generating a {SLICES}-slice CT series ...", flush=True)
        write_ct_series(series, slices=SLICES)
    files = sorted(series.iterdir())
    for f in files:  # page cache warm for both sides alike
        f.read_bytes()

    out_dir = stack.VAR / "out" / "panimg-import"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    panimg = dicom_to_mha._python_tool("panimg", series, out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)

    client = gcapi.Client(base_url=api.api_url, token=token, verify=str(api.ca_file))
    archive = client(method="POST", path="archives/", json={"title": f"Bench {time.time_ns()}"})
    start = time.perf_counter()
    item = client.add_case_to_archive(
        archive_slug=archive["slug"],
        values=[SocketValueSpec(socket_slug="generic-medical-image", files=files)],
    )
    uploaded = time.perf_counter() - start
    deadline = time.monotonic() + 300
    while not ArchiveItem.objects.filter(pk=item.pk, values__image__isnull=False).exists():
        failed = RawImageUploadSession.objects.filter(status="Failed").first()
        if failed is not None:
            raise RuntimeError(f"import failed: {failed.error_message} {failed.file_errors}")
        if time.monotonic() > deadline:
            raise RuntimeError("the imported image was not ready in 300 s")
        time.sleep(0.05)
    total = time.perf_counter() - start
    session = RawImageUploadSession.objects.get(status="Succeeded")
    assert session.started is not None and session.completed is not None
    result: dict[str, Any] = {
        "slices": SLICES,
        "gcapi upload+create s": round(uploaded, 2),
        "queued s": round((session.started - session.created).total_seconds(), 2),
        "convert+store s": round((session.completed - session.started).total_seconds(), 2),
        "end_to_end s": round(total, 2),
    }
    if panimg is not None:
        result["panimg conversion s"] = round(panimg["seconds"], 2)
        result["end_to_end x panimg"] = round(total / panimg["seconds"], 2)
    return result


# (c) ---------------------------------------------------------------------------------


LISTS = (
    "uploads/?limit=20",
    "cases/images/?limit=20",
    "cases/upload-sessions/?limit=20",
    "algorithms/?limit=20",
    "algorithms/jobs/?limit=20",
    "archives/?limit=20",
    "archives/items/?limit=20",
    "components/interfaces/?limit=20",
)


async def _client_loop(
    n: int,
    api: stack.Stack,
    token: str,
    algorithm: str,
    seconds: float,
    trivial: bool,
    record: list[tuple[str, float, int]],
) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(
            base_url=api.api_url, verify=str(api.ca_file), headers=headers, timeout=60
        ) as c,
        httpx.AsyncClient(timeout=60) as store,
    ):

        async def call(kind: str, method: str, path: str, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                response = await c.request(method, path, **kw)
                status = response.status_code
            except httpx.HTTPError:
                response, status = None, 0
            record.append((kind, time.perf_counter() - start, status))
            return response.json() if response is not None and status < 300 else None

        end = time.perf_counter() + seconds
        i = n
        while time.perf_counter() < end:
            i += 1
            if trivial:
                await call("trivial", "GET", "gcapi/")
                continue
            await call("list", "GET", LISTS[i % len(LISTS)])
            step = i % 4
            if step == 0:
                body = {
                    "algorithm": algorithm,
                    "inputs": [{"interface": "probability", "value": 0.5}],
                }
                await call("job", "POST", "algorithms/jobs/", json=body)
            elif step == 1:
                upload = await call("upload", "POST", "uploads/", json={"filename": f"l{i}.dcm"})
                if upload is None:
                    continue
                base = f"uploads/{upload['pk']}/{upload['s3_upload_id']}/"
                urls = await call(
                    "upload", "PATCH", base + "generate-presigned-urls/", json={"part_numbers": [1]}
                )
                if urls is None:
                    continue
                put = await store.put(urls["presigned_urls"]["1"], content=PART)
                await call(
                    "upload",
                    "PATCH",
                    base + "complete-multipart-upload/",
                    json={"parts": [{"PartNumber": 1, "ETag": put.headers["etag"]}]},
                )


def _run_load(api: stack.Stack, fx: dict[str, Any], seconds: float, trivial: bool) -> dict:
    record: list[tuple[str, float, int]] = []

    async def main() -> None:
        await asyncio.gather(
            *(
                _client_loop(n, api, fx["token"], fx["algorithm"], seconds, trivial, record)
                for n in range(LOAD_CLIENTS)
            )
        )

    start = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - start
    latencies = [t for _, t, _ in record]
    errors = [s for _, _, s in record if not 200 <= s < 300]
    kinds = sorted({k for k, _, _ in record})
    return {
        "clients": LOAD_CLIENTS,
        "seconds": round(elapsed, 1),
        "requests": len(record),
        "req_per_s": round(len(record) / elapsed, 1),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
        "p50_ms": _ms(_p(latencies, 0.5)),
        "p99_ms": _ms(_p(latencies, 0.99)),
        "by_kind": {
            k: {
                "requests": sum(1 for kk, _, _ in record if kk == k),
                "p50_ms": _ms(_p([t for kk, t, _ in record if kk == k], 0.5)),
                "p99_ms": _ms(_p([t for kk, t, _ in record if kk == k], 0.99)),
            }
            for k in kinds
        },
    }


def bench_load(api: stack.Stack, fx: dict[str, Any]) -> dict[str, Any]:
    trivial = _run_load(api, fx, TRIVIAL_SECONDS, trivial=True)
    mixed = _run_load(api, fx, LOAD_SECONDS, trivial=False)
    return {
        "trivial": trivial,
        "mixed": mixed,
        "mixed x trivial req/s": round(mixed["req_per_s"] / trivial["req_per_s"], 2),
    }


def run(database: str, skip: set[str]) -> dict[str, Any]:
    env = stack.configure(database)
    import django

    django.setup()
    from django.core.management import call_command

    from app import objectstore
    from app.celery import celery_app

    objectstore.ensure_running()
    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    fx = _fixture()
    results: dict[str, Any] = {"database": database}
    try:
        with stack.serving(env) as api:
            results["latency"] = bench_latency(api, fx["token"])
            print(json.dumps(results["latency"]), flush=True)
            if "import" not in skip:
                results["import"] = bench_import(api, fx["token"])
                print(json.dumps(results["import"]), flush=True)
            if "load" not in skip:
                results["load"] = bench_load(api, fx)
                print(json.dumps(results["load"]["mixed"]), flush=True)
    finally:
        celery_app.control.purge()  # the load bench's jobs were never meant to run
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--skip", default="", help="comma-separated: import,load")
    args = parser.parse_args()
    results = run(args.database, set(filter(None, args.skip.split(","))))
    print("RESULT " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
