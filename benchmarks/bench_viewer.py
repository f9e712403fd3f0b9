"""Viewer benchmark: how soon a large CT is on screen in the browser, and at what memory.

The image page of a 512 x 512 x 500 int16 CT (262 MB of voxels, stored compressed as
the import writes it) is opened in headless Chromium (Debian's, software WebGL) against
the platform as `make run` serves it (gunicorn over HTTPS). Measured, median of a few
rounds, each in a fresh browser context (no cache):

- first slice: navigation start until a slice is on screen: the stored middle-slice
  thumbnail painted or the first axial slice drawn from the download, whichever is first
  (preview and the viewer's first decoded slice are also reported on their own);
- MPR interactive: navigation start until the whole volume is interactive in MPR: the
  CPU planes drawn from all voxels (data-mpr=ready) have answered one scroll, a real
  key press (the slice label changes and the canvas pixels differ the next frame);
- full (Niivue ready, tools): navigation start until Niivue reports ready (three planes
  drawn on the GPU, annotation tools on) and has answered one scroll;
- window: how long one window change (a preset) takes to be drawn, on the CPU planes
  and once Niivue is ready;
- download: the same browser (a fresh context) fetching the same .mha through the same
  permission-checked redirect and reading it to the end, in the same run: the floor for
  any viewer that needs the whole file (a Python client's download is reported too);
- memory: the peak resident memory of all Chromium processes while the page opens,
  against the volume's voxel bytes, with the renderer's (the tab's) and the GPU
  process's peaks.

    python -m benchmarks.bench_viewer [--rounds 3] [--slices 500]
"""

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import stack

MARKER = "--tessera-bench-viewer"  # an ignored switch that finds the browser's processes
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    MARKER,
]


def _write_ct(path: Path, *, size: int, slices: int) -> int:
    """A CT-like phantom (air, an elliptic body with noise, a bright spine), written
    compressed as .mha; returns its voxel bytes."""
    import SimpleITK as sitk

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2
    body = ((xx - c) / (0.42 * size)) ** 2 + ((yy - c) / (0.32 * size)) ** 2 <= 1
    spine = ((xx - c) / (0.05 * size)) ** 2 + ((yy - 1.5 * c) / (0.05 * size)) ** 2 <= 1
    volume = np.full((slices, size, size), -1000, np.int16)
    for z in range(slices):
        plane = np.where(body, 40, -1000).astype(np.int16)
        plane[spine] = 700
        plane += rng.normal(0, 15, plane.shape).astype(np.int16)
        volume[z] = plane
    image = sitk.GetImageFromArray(volume)
    image.SetSpacing((0.7, 0.7, 1.0))
    sitk.WriteImage(image, str(path), useCompression=True)
    return int(volume.nbytes)


def _fixture(path: Path) -> tuple[Any, Any]:
    from django.contrib.auth.models import User

    from app.storage import bucket_name, s3_client
    from archives.services import archive_cases_add, archive_create
    from cases.importing import import_session
    from cases.models import Image, RawImageUploadSession
    from uploads.models import UserUpload

    user = User.objects.create_user(username="bench-viewer", email="bench-viewer@example.org")
    archive = archive_create(creator=user, title="Bench viewer")
    body = path.read_bytes()
    upload = UserUpload.objects.create(
        creator=user, filename="ct.mha", status=UserUpload.Status.COMPLETED, size=len(body)
    )
    s3_client("uploads").put_object(Bucket=bucket_name("uploads"), Key=upload.key, Body=body)
    session = archive_cases_add(archive=archive, creator=user, uploads=[upload])
    import_session(session_pk=str(session.pk))
    session.refresh_from_db()
    if session.status != RawImageUploadSession.Status.SUCCEEDED:
        raise RuntimeError(f"the bench CT did not import: {session.error_message}")
    return user, Image.objects.get(origin=session)


def _session_cookie(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _browser_pids() -> list[int]:
    """The Chromium processes started with MARKER and all their descendants."""
    parents: dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if MARKER.encode() in cmdline:
            roots.append(pid)
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


def _kind(pid: int) -> str:
    """Chromium's process type (renderer, gpu-process, ...; "browser" for the main one)."""
    try:
        # Chromium rewrites its children's command lines as one string with spaces
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return "gone"
    for arg in args:
        if arg.startswith(b"--type="):
            return arg[7:].decode()
    return "browser"


class _PeakMemory:
    """Samples the browser's total resident memory every 50 ms in a thread, and the peak
    of each kind of process (summed over the processes of that kind)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.kind_peak_kb: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            by_kind: dict[str, int] = {}
            for pid in _browser_pids():
                kind = _kind(pid)
                by_kind[kind] = by_kind.get(kind, 0) + _rss_kb(pid)
            self.peak_kb = max(self.peak_kb, sum(by_kind.values()))
            for kind, kb in by_kind.items():
                self.kind_peak_kb[kind] = max(self.kind_peak_kb.get(kind, 0), kb)
            self._stop.wait(0.05)

    def __enter__(self) -> "_PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _download_s(url: str, cookie: str, ca: Path) -> float:
    import httpx

    started = time.perf_counter()
    with httpx.stream(
        "GET",
        url,
        cookies={"sessionid": cookie},
        verify=str(ca),
        follow_redirects=True,
        timeout=120,
    ) as response:
        response.raise_for_status()
        for _ in response.iter_bytes(1 << 20):
            pass
    return time.perf_counter() - started


def _browser_download_s(browser: Any, base: str, file_url: str, cookie: str) -> float:
    """The same browser, in a fresh context, fetching the file and reading it to the end."""
    context = browser.new_context(ignore_https_errors=True)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    page.goto(base + "/health/")
    seconds = page.evaluate(
        """async (url) => {
            const started = performance.now();
            const response = await fetch(url, { credentials: "same-origin" });
            const reader = response.body.getReader();
            for (;;) { const { done } = await reader.read(); if (done) break; }
            return (performance.now() - started) / 1000;
        }""",
        file_url,
    )
    context.close()
    return float(seconds)


def _open_page(browser: Any, page_url: str, cookie: str, base: str) -> dict[str, float]:
    context = browser.new_context(
        ignore_https_errors=True, viewport={"width": 1280, "height": 1000}
    )
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    page.set_default_timeout(600_000)
    # Each moment is stamped in the page (performance.now(), from navigation start) by a
    # watcher installed before the page's own scripts run.
    page.add_init_script(
        """(() => {
            const t = (window.__bench = {});
            // stamped when they happen (a busy main thread would delay a polling loop)
            document.addEventListener("load", (e) => {
                const preview = e.target.matches?.("[data-viewer=preview]");
                if (preview && !t.preview) t.preview = performance.now();
            }, true);
            new MutationObserver(() => {
                const root = document.querySelector(".tessera-viewer");
                if (!root) return;
                if (!t.decoded && root.dataset.quickSlice) t.decoded = performance.now();
                if (!t.mpr && root.dataset.mpr === "ready") t.mpr = performance.now();
                if (!t.ready && root.dataset.state === "ready") t.ready = performance.now();
            }).observe(document, { subtree: true, attributes: true, childList: true });
        })()"""
    )
    page.goto(page_url, wait_until="commit")
    page.wait_for_function(
        """() => {
            const root = document.querySelector(".tessera-viewer");
            return root && (root.dataset.mpr === "ready" || root.dataset.state !== "loading");
        }""",
        polling=50,
    )
    cpu = _cpu_stage(page)
    page.wait_for_selector(".tessera-viewer[data-state=ready]", state="attached")
    # one scroll answered: the slice label changes and the next frame is drawn
    stamps = page.evaluate(
        """async () => {
            const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
            const root = document.querySelector(".tessera-viewer");
            await frame();
            const t = window.__bench;
            const before = root.dataset.slice;
            const canvas = root.querySelector("canvas[data-viewer=canvas]");
            canvas.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
            while (root.dataset.slice === before) await frame();
            await frame();
            t.scrolled = performance.now();
            const preset = root.querySelector("[data-viewer=preset]");
            const started = performance.now();
            preset.value = preset.options[preset.options.length - 1].value;
            preset.dispatchEvent(new Event("change"));
            await frame();
            t.window = performance.now() - started;
            return t;
        }"""
    )
    state = page.locator(".tessera-viewer").get_attribute("data-state")
    context.close()
    if state != "ready":
        raise RuntimeError(f"the viewer ended in state {state}")
    seen = [stamps[k] for k in ("preview", "decoded") if stamps.get(k)]
    nan = float("nan")
    return {
        "first_s": min(seen) / 1000 if seen else nan,
        "preview_s": stamps.get("preview", nan) / 1000,
        "decoded_s": stamps.get("decoded", nan) / 1000,
        "mpr_ready_s": stamps.get("mpr", nan) / 1000,
        # without CPU planes the volume is interactive in MPR once Niivue has answered
        "mpr_s": (cpu["scrolled"] if cpu else stamps["scrolled"]) / 1000,
        "mpr_by_cpu": cpu["by_cpu"] if cpu else 0.0,
        "cpu_window_s": cpu["window"] / 1000 if cpu else nan,
        "niivue_ready_s": stamps["ready"] / 1000,
        "full_s": stamps["scrolled"] / 1000,
        "window_s": stamps["window"] / 1000,
    }


def _cpu_stage(page: Any) -> dict[str, float] | None:
    """On the CPU planes, if the viewer shows them: one real key press (the slice label
    and the canvas pixels must change; by_cpu says whether the CPU planes answered it or
    Niivue, ready meanwhile, did), then one window change (a preset, set back afterwards
    so Niivue gets the window it had)."""
    cpu = page.locator("canvas.viewer-cpu")
    if page.locator(".tessera-viewer[data-mpr=ready][data-state=loading]").count() == 0:
        return None
    pixels = """() => {
        const c = document.querySelector("canvas.viewer-cpu");
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let hash = 0;
        for (let i = 0; i < data.length; i += 4) hash = (hash * 31 + data[i]) | 0;
        return [document.querySelector(".tessera-viewer").dataset.slice, hash];
    }"""
    before = page.evaluate(pixels)
    cpu.focus()
    page.keyboard.press("ArrowUp")
    answered = page.evaluate(
        """async (before) => {
            const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
            const root = document.querySelector(".tessera-viewer");
            while (root.dataset.slice === before) await frame();
            await frame();
            return {
                scrolled: performance.now(),
                cpu: root.dataset.state === "loading" && !!root.querySelector("canvas.viewer-cpu"),
            };
        }""",
        before[0],
    )
    if not answered["cpu"]:  # Niivue took over before the key press was answered
        return {"scrolled": answered["scrolled"], "window": float("nan"), "by_cpu": 0.0}
    after = page.evaluate(pixels)
    if after[1] == before[1]:
        raise RuntimeError("the CPU planes answered the scroll without a change on the canvas")
    window = page.evaluate(
        """async () => {
            const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
            const preset = document.querySelector("[data-viewer=preset]");
            const was = preset.value;
            const started = performance.now();
            preset.value = preset.options[preset.options.length - 1].value;
            preset.dispatchEvent(new Event("change"));
            await frame();
            const seconds = performance.now() - started;
            preset.value = was;
            preset.dispatchEvent(new Event("change"));
            return seconds;
        }"""
    )
    return {"scrolled": answered["scrolled"], "window": window, "by_cpu": 1.0}


def run(*, rounds: int = 3, slices: int = 500) -> dict[str, Any]:
    env = stack.configure("postgres", name="viewer")
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    from app import objectstore
    from cases.viewing import viewer_config

    objectstore.ensure_running()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `make run` does
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ct.mha"
        voxel_bytes = _write_ct(path, size=512, slices=slices)
        stored_bytes = path.stat().st_size
        user, image = _fixture(path)
    config = viewer_config(image=image)
    assert config is not None
    cookie = _session_cookie(user)
    with stack.serving(env) as api:
        base = api.api_url.split("/api/")[0]
        page_url = base + reverse("cases:image", args=[image.pk])
        file_url = base + config["image"]["file"]["url"]
        _download_s(file_url, cookie, api.ca_file)  # warm the store's caches once
        rows: list[dict[str, float]] = []
        with sync_playwright() as p:
            for _ in range(rounds):
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                download = _browser_download_s(browser, base, file_url, cookie)
                with _PeakMemory() as memory:
                    timing = _open_page(browser, page_url, cookie, base)
                browser.close()
                rows.append(
                    {
                        **timing,
                        "download_s": download,
                        "client_download_s": _download_s(file_url, cookie, api.ca_file),
                        "peak": memory.peak_kb * 1024,
                        "renderer_peak": memory.kind_peak_kb.get("renderer", 0) * 1024,
                        "gpu_peak": memory.kind_peak_kb.get("gpu-process", 0) * 1024,
                    }
                )
    m = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    download = m["download_s"]
    return {
        "volume": f"512x512x{slices} int16",
        "voxel MB": round(voxel_bytes / 1e6, 1),
        "stored MB": round(stored_bytes / 1e6, 1),
        "rounds": rounds,
        "download s": round(download, 2),
        "client download s": round(m["client_download_s"], 2),
        "first slice s": round(m["first_s"], 2),
        "preview s": round(m["preview_s"], 2),
        "first decoded slice s": round(m["decoded_s"], 2),
        "CPU planes ready s": round(m["mpr_ready_s"], 2),
        "MPR interactive s": round(m["mpr_s"], 2),
        "rounds the CPU planes answered the scroll": sum(int(row["mpr_by_cpu"]) for row in rows),
        "CPU window change s": round(m["cpu_window_s"], 3),
        "Niivue ready s": round(m["niivue_ready_s"], 2),
        "full view s": round(m["full_s"], 2),
        "window change s": round(m["window_s"], 2),
        "first slice x download": round(m["first_s"] / download, 2),
        "MPR interactive x download": round(m["mpr_s"] / download, 2),
        "full view x download": round(m["full_s"] / download, 2),
        "browser peak MB": round(m["peak"] / 1e6, 1),
        "renderer peak MB": round(m["renderer_peak"] / 1e6, 1),
        "GPU process peak MB": round(m["gpu_peak"] / 1e6, 1),
        "browser peak x voxel bytes": round(m["peak"] / voxel_bytes, 2),
        "renderer (tab) peak x voxel bytes": round(m["renderer_peak"] / voxel_bytes, 2),
        "per round": [
            {k: round(v / 1e6 if "peak" in k else v, 2) for k, v in row.items()} for row in rows
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slices", type=int, default=500)
    args = parser.parse_args()
    print("RESULT " + json.dumps(run(rounds=args.rounds, slices=args.slices)), flush=True)


if __name__ == "__main__":
    main()
