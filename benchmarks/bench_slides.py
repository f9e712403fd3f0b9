"""Whole-slide images: time to the first tiles on screen for a large slide (over 1 GB of
JPEG tiles by default) against a small one, in the same run, in headless Chromium over
loopback against gunicorn as `make run` serves it (see stack.py).

Each open is a fresh browser context (no cached tiles): the image page, the slide
descriptor, then tiles until OpenSeadragon reports the first view fully loaded. The
reference is the time the same browser takes to fetch the page plus one tile. Targets:
large / small <= 1.25 (the size of the slide does not matter) and first view within 2x
the reference (issue 8). The slides are stored as the importer stores converted slides;
they are not imported, since the conversion is not what this measures.

    python -m benchmarks.bench_slides [--size 40960] [--rounds 5]
"""

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import stack

TILE = 256
VARIANTS = 16


def _tile_variants() -> list[bytes]:
    """A few tissue-like JPEG tiles; the slide repeats them, so writing is I/O only."""
    import imagecodecs

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:TILE, 0:TILE]
    tiles = []
    for i in range(VARIANTS):
        rgb = np.stack(
            [
                150 + 80 * np.sin((x + 31 * i) / 23.0),
                120 + 80 * np.cos((y + 17 * i) / 19.0),
                170 + 60 * np.sin((x + y + 7 * i) / 29.0),
            ],
            axis=-1,
        ) + rng.normal(0, 28, (TILE, TILE, 3))
        tiles.append(imagecodecs.jpeg8_encode(np.clip(rgb, 0, 255).astype(np.uint8), level=85))
    return tiles


def write_slide(path: Path, size: int, mpp: float = 0.25) -> Path:
    """A size x size pyramidal TIFF of JPEG tiles, each level half the last, written
    from pre-encoded tiles (tifffile stores the bytes as given)."""
    import tifffile

    tiles = _tile_variants()
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        width, index = size, 0
        while True:
            columns = rows = -(-width // TILE)
            tif.write(
                (tiles[(r * 7 + c * 3) % VARIANTS] for r in range(rows) for c in range(columns)),
                shape=(width, width, 3),
                dtype=np.uint8,
                tile=(TILE, TILE),
                compression="jpeg",
                photometric="ycbcr",
                subsampling=(2, 2),
                subfiletype=1 if index else 0,
                resolution=(1e4 / (mpp * size / width),) * 2,
                resolutionunit="CENTIMETER",
                metadata=None,
            )
            if width <= TILE:
                return path
            width, index = width // 2, index + 1


def _store(user: Any, path: Path, name: str) -> Any:
    """The slide stored as the importer stores a converted one, visible to user."""
    import tifffile

    from cases.builders.types import BuiltFile, BuiltImage
    from cases.models import RawImageUploadSession
    from cases.storing import store_built_image

    with tifffile.TiffFile(path) as tif:
        levels = len(tif.series[0].levels)
        width = tif.pages.first.imagewidth
    built = BuiltImage(
        name=name,
        width=width,
        height=width,
        voxel_width_mm=0.25e-3,
        voxel_height_mm=0.25e-3,
        pixel_type="uint8",
        color_space="RGB",
        resolution_levels=levels,
        files=[BuiltFile(path=path, image_type="TIFF")],
    )
    stored = store_built_image(built=built, stored_keys=[])
    stored.image.origin = RawImageUploadSession.objects.create(
        creator=user, status=RawImageUploadSession.Status.SUCCEEDED
    )
    stored.image.save()
    for f in stored.files:
        f.save()
    return stored.image


def _open_times(browser: Any, base: str, cookie: str, image: Any) -> dict[str, float]:
    """One open in a fresh context: page to first tile and to the first view loaded."""
    from django.urls import reverse

    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    page.goto(base + reverse("cases:image", args=[image.pk]))
    page.wait_for_selector(
        ".tessera-slide:is([data-state=ready], [data-state=error])", timeout=60_000
    )
    if page.locator(".tessera-slide").get_attribute("data-state") == "error":
        raise RuntimeError(page.locator("[data-slide=status]").inner_text())
    times = page.evaluate(
        """() => {
             const d = document.querySelector('.tessera-slide').dataset;
             const nav = performance.getEntriesByType('navigation')[0];
             const descriptor = performance.getEntriesByType('resource')
               .find((e) => e.name.endsWith('/slide.json'));
             return {
               page_ms: nav.domContentLoadedEventEnd,
               descriptor_ms: descriptor ? descriptor.responseEnd : NaN,
               first_tile_ms: +d.firstTileMs,
               first_view_ms: +d.loadedMs,
               tiles: performance.getEntriesByType('resource')
                 .filter((e) => e.name.includes('/tiles/')).length,
             };
           }"""
    )
    context.close()
    return times


def _reference_ms(browser: Any, base: str, cookie: str, image: Any) -> float:
    """The same browser fetching the image page and one full-resolution tile, nothing else."""
    from django.urls import reverse

    context = browser.new_context(ignore_https_errors=True)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    page.goto(base + "/health/")
    ms = page.evaluate(
        """async ([pageUrl, tileUrl]) => {
             const t0 = performance.now();
             await (await fetch(pageUrl)).text();
             await (await fetch(tileUrl)).arrayBuffer();
             return performance.now() - t0;
           }""",
        [
            base + reverse("cases:image", args=[image.pk]),
            base + reverse("cases:slide-tile", args=[image.pk, 0, 3, 3]),
        ],
    )
    context.close()
    return float(ms)


def run(size: int = 40960, rounds: int = 5) -> dict[str, Any]:
    env = stack.configure("postgres", name="slides")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from app import objectstore

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # gunicorn serves the manifest
    objectstore.ensure_running()
    work = stack.VAR / "slide-files"  # kept between runs: writing 1 GB takes a while
    work.mkdir(parents=True, exist_ok=True)
    user = User.objects.create_user(username="bench-slides", email="bench-slides@example.org")
    slides: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    # The small slide is the large one's top levels alone (a 32nd of its edge): both first
    # views then need the same tiles from the same level sizes, and only the size differs.
    for label, edge in (("warm-up", 512), ("small", max(size // 32, TILE)), ("large", size)):
        path = work / f"{label}-{edge}.tif"
        if not path.exists():
            started = time.monotonic()
            write_slide(path, edge)
            print(
                f"wrote {path.name}: {path.stat().st_size / 2**30:.2f} GiB in "
                f"{time.monotonic() - started:.0f} s",
                flush=True,
            )
        sizes[label] = path.stat().st_size
        slides[label] = _store(user, path, f"{label} slide")
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    result: dict[str, Any] = {
        "size_px": size,
        "small_px": max(size // 32, TILE),
        "bytes": sizes,
        "rounds": rounds,
    }
    with stack.serving(env) as served, sync_playwright() as p:
        base = served.api_url.removesuffix("/api/v1/")
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        # warm up browser and servers on another slide; then the first open of each slide
        # is cold: the server parses the TIFF's IFDs on its first tile request
        _open_times(browser, base, cookie, slides.pop("warm-up"))
        sizes.pop("warm-up")
        result["cold"] = {k: _open_times(browser, base, cookie, v) for k, v in slides.items()}
        opens: dict[str, list[dict[str, float]]] = {k: [] for k in slides}
        references: list[float] = []
        for _ in range(rounds):
            for label, image in slides.items():  # interleaved: drift hits both alike
                opens[label].append(_open_times(browser, base, cookie, image))
            references.append(_reference_ms(browser, base, cookie, slides["large"]))
        browser.close()
    for label, times in opens.items():
        result[label] = {key: statistics.median(t[key] for t in times) for key in times[0]}
    result["reference page+tile ms"] = statistics.median(references)
    result["large x small first view"] = (
        result["large"]["first_view_ms"] / result["small"]["first_view_ms"]
    )
    result["large first view x reference"] = (
        result["large"]["first_view_ms"] / result["reference page+tile ms"]
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40960, help="large slide edge, pixels")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        result = run(size=args.size, rounds=args.rounds)
    finally:
        stack.stop_object_store()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
