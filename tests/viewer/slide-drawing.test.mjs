// Drawing on slides: the flat tile that maps the OpenSeadragon element's pixels to world
// millimetres, so the volume viewer's tools draw in the slide's micrometres.
import assert from "node:assert/strict";
import { test } from "node:test";

import { screenToWorld, worldToScreen } from "../../static/viewer/annotation-plane.mjs";
import { pixelToMm, slideTile } from "../../static/slides/slide-drawing.mjs";
import { toPixels } from "../../static/slides/annotations.mjs";

const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

test("slide pixels and millimetres convert both ways, with the origin", () => {
  const geometry = { mpp: [0.25, 0.5], origin: [1, 2] };
  assert.deepEqual(pixelToMm([400, 100], geometry), [1.1, 2.05]);
  assert.ok(close(toPixels(pixelToMm([123, 456], geometry), geometry), [123, 456]));
});

test("the tile maps element pixels to world mm and back, z = 0", () => {
  // an 800 × 600 px element showing x 0.05…0.25 mm and y 0.10…0.25 mm
  const tile = slideTile(800, 600, [0.05, 0.1], [0.25, 0.25]);
  assert.ok(close(screenToWorld(tile, [0, 0]), [0.05, 0.1, 0]));
  assert.ok(close(screenToWorld(tile, [800, 600]), [0.25, 0.25, 0]));
  assert.ok(close(screenToWorld(tile, [400, 150]), [0.15, 0.1375, 0]));
  assert.ok(close(worldToScreen(tile, [0.15, 0.1375, 0]), [400, 150]));
  // a stored shape at another z (GC's examples use 0.5) still shows on the flat slide
  assert.ok(close(worldToScreen(tile, [0.15, 0.1375, 0.5]), [400, 150]));
});
