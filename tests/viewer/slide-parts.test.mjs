// The slide viewer's pure parts: the scale bar's length and label, annotation JSON (mm)
// to slide pixels, and the tile source's level mapping (ours: full resolution first).
import assert from "node:assert/strict";
import { test } from "node:test";

import { slideShapes, toPixels } from "../../static/slides/annotations.mjs";
import { lengthLabel, scaleBar } from "../../static/slides/scalebar.mjs";

test("the scale bar is the longest 1-2-5 length that fits", () => {
  // 0.25 µm per screen pixel, 150 px at most: 37.5 µm fit, so 20 µm (80 px)
  assert.deepEqual(scaleBar(0.25), { pixels: 80, microns: 20, label: "20 µm" });
  // zoomed out: 40 µm per pixel, 6000 µm fit -> 5 mm in 125 px
  assert.deepEqual(scaleBar(40), { pixels: 125, microns: 5000, label: "5 mm" });
  // exactly fitting lengths are taken
  assert.equal(scaleBar(1, 100).microns, 100);
  assert.equal(scaleBar(0, 100), null);
});

test("lengths read in nm, µm or mm", () => {
  assert.equal(lengthLabel(0.5), "500 nm");
  assert.equal(lengthLabel(200), "200 µm");
  assert.equal(lengthLabel(2000), "2 mm");
});

test("annotation points in mm become slide pixels through the pixel size", () => {
  assert.deepEqual(toPixels([0.5, 0.25, 0], { mpp: [0.25, 0.5] }), [2000, 500]);
  assert.deepEqual(toPixels([1.5, 1.0, 0], { mpp: [1, 1], origin: [1.0, 0.5] }), [500, 500]);
});

test("points, boxes, polygons and distances become shapes; other kinds are skipped", () => {
  const geometry = { mpp: [1, 1] };
  const shapes = slideShapes(
    [
      { title: "Nuclei", value: { type: "Multiple points", version: { major: 1, minor: 0 }, points: [{ point: [0.1, 0.2, 0], name: "n1" }, { point: [0.3, 0.4, 0] }] } },
      { title: "Tumour", value: { type: "2D bounding box", version: { major: 1, minor: 0 }, corners: [[0, 0, 0], [0.2, 0, 0], [0.2, 0.1, 0], [0, 0.1, 0]] } },
      { title: "Region", value: { type: "Multiple polygons", version: { major: 1, minor: 0 }, polygons: [{ seed_point: [0, 0, 0], path_points: [[0, 0, 0], [0.01, 0, 0], [0, 0.01, 0]], sub_type: "poly", groups: [] }] } },
      { title: "Width", value: { type: "Distance measurement", version: { major: 1, minor: 0 }, start: [0, 0, 0], end: [0.003, 0.004, 0] } },
      { title: "Grade", value: 3 },
      { title: "Odd", value: { type: "Ellipse" } },
    ],
    geometry,
  );
  assert.deepEqual(
    shapes.map((s) => [s.title, s.kind, s.name]),
    [
      ["Nuclei", "point", "n1"],
      ["Nuclei", "point", ""],
      ["Tumour", "polygon", ""],
      ["Region", "polygon", ""],
      ["Width", "line", ""],
    ],
  );
  assert.deepEqual(shapes[2].points[2], [200, 100]);
  assert.deepEqual(shapes[4].points[1], [3, 4]);
});
