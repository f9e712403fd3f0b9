"""Whole-slide images: time to the first tiles on screen for a large slide (over 1 GB of
JPEG tiles by default) against a small one, in the same run, in headless Chromium over
loopback against gunicorn as `make run` serves it (see stack.py).

Each open is a fresh browser context (cold connections, nothing cached): the image page,
then tiles until OpenSeadragon reports the first view fully loaded. "First pixels" is when
slide pixels are first painted: the page's poster (the smallest level, inlined in the
page) by Element Timing, the viewer's canvas by reading its pixels every frame; both are
reported, with where the time went (HTML, CSS, scripts, descriptor, first tile). The
reference is the same browser, in a fresh context too, fetching the image page and then
one full-size tile of the first view. Targets: large / small <= 1.25 (the size of the
slide does not matter) and first tiles on screen within 2x the reference (issue 8). The
slides are stored as the importer stores converted slides; they are not imported, since
the conversion is not what this measures.

    python -m benchmarks.bench_slides [--size 40960] [--rounds 5]
"""

import argparse
import json
import os
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


# When tile pixels are first on screen: the page's poster (the smallest level's one tile)
# by Element Timing, which reports when the browser painted the image; the viewer's main
# canvas (not the navigator's) by polling it once per frame, since an event says that a
# tile arrived, not that it was painted. The canvas is transparent until tiles are drawn,
# so any opaque sampled pixel is a tile.
FIRST_PIXELS = """
(() => {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // renderTime is when it was painted (0 if the browser would not say)
      if (entry.identifier === 'slide-poster' && entry.renderTime > 0) {
        window.posterMs ??= entry.renderTime;
      }
    }
  }).observe({ type: 'element', buffered: true });
  const poll = () => {
    const viewer = document.querySelector('.tessera-slide')?.slideViewer?.viewer;
    const canvas = viewer && viewer.drawer && viewer.drawer.canvas;
    const context = canvas && canvas.width && canvas.getContext('2d', { willReadFrequently: true });
    if (context) {
      const { width, height } = canvas;
      for (let i = 1; i < 8; i++) {
        for (let j = 1; j < 8; j++) {
          const x = Math.floor((width * i) / 8), y = Math.floor((height * j) / 8);
          if (context.getImageData(x, y, 1, 1).data[3] > 0) {
            window.canvasPixelsMs = performance.now();
            return;
          }
        }
      }
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""

# Where the time went, from the browser's own timings (ms since navigation start).
BREAKDOWN = """() => {
  const d = document.querySelector('.tessera-slide').dataset;
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const one = (part) => resources.find((e) => e.name.includes(part));
  const end = (part) => (one(part) ? one(part).responseEnd : NaN);
  const tiles = resources.filter((e) => e.name.includes('/tiles/'));
  const modules = resources.filter((e) => e.name.includes('.mjs'));
  const earlier = (a, b) => (a.responseEnd < b.responseEnd ? a : b);
  const first = tiles.length ? tiles.reduce(earlier) : null;
  const server = tiles.map((e) => e.responseStart - e.requestStart).sort((a, b) => a - b);
  return {
    html_ms: nav.responseEnd,
    dom_ms: nav.domContentLoadedEventEnd,
    css_ms: end('slides/slides'),
    osd_js_ms: end('openseadragon'),
    viewer_js_ms: end('slide-viewer'),
    last_module_ms: Math.max(...modules.map((e) => e.responseEnd)),
    descriptor_ms: end('/slide.json'),
    module_ms: +d.moduleMs,
    library_ms: +d.libraryMs,
    first_tile_request_ms: first ? first.startTime : NaN,
    first_tile_ms: first ? first.responseEnd : NaN,
    tile_wait_median_ms: server.length ? server[Math.floor(server.length / 2)] : NaN,
    first_tile_loaded_ms: +d.firstTileMs,
    poster_ms: window.posterMs ?? NaN,
    canvas_pixels_ms: window.canvasPixelsMs ?? NaN,
    first_pixels_ms: Math.min(window.posterMs ?? Infinity, window.canvasPixelsMs ?? Infinity),
    first_view_ms: +d.loadedMs,
    tiles: tiles.length,
  };
}"""


def _stamps(times: dict[str, float]) -> str:
    """One open's timeline, ms since navigation start, for reading where time went."""
    return " ".join(f"{k.removesuffix('_ms')} {v:.0f}" for k, v in times.items())


def _context(browser: Any, base: str, cookie: str) -> Any:
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    return context


def _open_times(browser: Any, base: str, cookie: str, image: Any) -> dict[str, float]:
    """One open in a fresh context (cold connections, no cached files or tiles): until the
    first tile pixels are on the canvas and until the first view is fully loaded."""
    from django.urls import reverse

    context = _context(browser, base, cookie)
    page = context.new_page()
    page.add_init_script(FIRST_PIXELS)
    page.goto(base + reverse("cases:image", args=[image.pk]))
    page.wait_for_selector(
        ".tessera-slide:is([data-state=ready], [data-state=error])", timeout=60_000
    )
    if page.locator(".tessera-slide").get_attribute("data-state") == "error":
        raise RuntimeError(page.locator("[data-slide=status]").inner_text())
    page.wait_for_function("() => window.canvasPixelsMs !== undefined", timeout=10_000)
    times = page.evaluate(BREAKDOWN)
    context.close()
    return times


def _reference_ms(browser: Any, base: str, cookie: str, image: Any, tile: str) -> float:
    """The same browser, in a fresh context like an open, fetching the image page (and
    nothing it links to) and then one tile of those the viewer shows first."""
    from django.urls import reverse

    context = _context(browser, base, cookie)
    page = context.new_page()
    page_url = base + reverse("cases:image", args=[image.pk])
    page.route("**/*", lambda r: r.continue_() if r.request.url == page_url else r.abort())
    page.goto(page_url)
    page.unroute("**/*")
    ms = page.evaluate(
        """async (tileUrl) => {
             const html = performance.getEntriesByType('navigation')[0].responseEnd;
             const t0 = performance.now();
             const response = await fetch(tileUrl);
             await createImageBitmap(await response.blob());
             return html + performance.now() - t0;
           }""",
        tile,
    )
    context.close()
    return float(ms)


def _first_tile_url(browser: Any, base: str, cookie: str, image: Any) -> str:
    """A full-size tile from the level the viewer opens at (its first request for one;
    the page's poster, the smallest level's tile, is smaller and not taken)."""
    from django.urls import reverse

    poster = f"/tiles/{image.resolution_levels - 1}/0/0"
    context = _context(browser, base, cookie)
    page = context.new_page()
    with page.expect_request(lambda r: "/tiles/" in r.url and not r.url.endswith(poster)) as r:
        page.goto(base + reverse("cases:image", args=[image.pk]))
    url = str(r.value.url)
    context.close()
    return url


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
        tile = _first_tile_url(browser, base, cookie, slides["large"])
        opens: dict[str, list[dict[str, float]]] = {k: [] for k in slides}
        references: list[float] = []
        for _ in range(rounds):
            for label, image in slides.items():  # interleaved: drift hits both alike
                opens[label].append(_open_times(browser, base, cookie, image))
                print(f"{label}: " + _stamps(opens[label][-1]), flush=True)
            references.append(_reference_ms(browser, base, cookie, slides["large"], tile))
        browser.close()
    result["load average (1 min) at the end"] = os.getloadavg()[0]
    for label, times in opens.items():
        result[label] = {key: statistics.median(t[key] for t in times) for key in times[0]}
    result["reference page+tile ms"] = statistics.median(references)
    result["reference rounds ms"] = [round(r) for r in references]
    for key in ("first_pixels_ms", "canvas_pixels_ms", "first_view_ms"):
        result[f"large {key} rounds"] = [round(t[key]) for t in opens["large"]]
    for key in ("first_pixels_ms", "canvas_pixels_ms", "first_view_ms"):
        result[f"large {key} x reference"] = result["large"][key] / result["reference page+tile ms"]
        # each open against the reference of its own round: less swayed by the machine's
        # load drifting between rounds
        result[f"large {key} x reference, median of rounds"] = statistics.median(
            t[key] / ref for t, ref in zip(opens["large"], references, strict=True)
        )
    result["large x small first view"] = (
        result["large"]["first_view_ms"] / result["small"]["first_view_ms"]
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
