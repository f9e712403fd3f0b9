// The annotation tools' pure parts: GC JSON built from and parsed into shapes
// (static/viewer/annotation-json.mjs) and the screen <-> world mapping of Niivue's 2D tiles
// with the in-plane editing rules (static/viewer/annotation-plane.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ANNOTATION_KINDS,
  MULTIPLE_KINDS,
  SINGLE_KINDS,
  buildValue,
  kindInfo,
  measurement,
  parseValue,
} from "../../static/viewer/annotation-json.mjs";
import {
  dragShape,
  hitsShape,
  moveHandle,
  projectShape,
  screenToUv,
  screenToWorld,
  sliceTiles,
  tileAt,
  uvToScreen,
  worldToScreen,
  worldToUv,
} from "../../static/viewer/annotation-plane.mjs";
import { geometry, voxelToWorld } from "../../static/viewer/geometry.mjs";

function close(actual, expected, tolerance = 1e-9) {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `${actual} != ${expected}`));
}

const P = (i) => [i, 2 * i, 3 * i + 0.5];
const POINTS = { Point: 1, Line: 3, "2D bounding box": 4, "Distance measurement": 2, Polygon: 5, Angle: 4, "Three-point angle": 3, Ellipse: 4 };
const shape = (type) => ({ type, points: Array.from({ length: POINTS[type] }, (_, i) => P(i + 1)), extra: {} });

test("there are GC's sixteen annotation kinds", () => {
  assert.equal(ANNOTATION_KINDS.length, 16);
  assert.equal(kindInfo("Multiple ellipses").single, "Ellipse");
  assert.throws(() => kindInfo("Mask"), /not an annotation kind/);
});

test("single kinds build GC's JSON with its keys and version", () => {
  assert.deepEqual(buildValue("2D bounding box", [shape("2D bounding box")]), {
    type: "2D bounding box",
    corners: [P(1), P(2), P(3), P(4)],
    version: { major: 1, minor: 0 },
  });
  assert.deepEqual(buildValue("Distance measurement", [shape("Distance measurement")]), {
    type: "Distance measurement", start: P(1), end: P(2), version: { major: 1, minor: 0 },
  });
  assert.deepEqual(buildValue("Point", [shape("Point")]), { type: "Point", point: P(1), version: { major: 1, minor: 0 } });
  assert.deepEqual(buildValue("Polygon", [shape("Polygon")]), {
    type: "Polygon", seed_point: P(1), path_points: [1, 2, 3, 4, 5].map(P), sub_type: "poly", groups: [],
    version: { major: 1, minor: 0 },
  });
  assert.deepEqual(buildValue("Line", [shape("Line")]), {
    type: "Line", seed_points: [P(1), P(2), P(3)], path_point_lists: [[P(1), P(2), P(3)]], version: { major: 1, minor: 0 },
  });
  assert.deepEqual(buildValue("Angle", [shape("Angle")]).lines, [[P(1), P(2)], [P(3), P(4)]]);
  assert.deepEqual(buildValue("Three-point angle", [shape("Three-point angle")]).angle, [P(1), P(2), P(3)]);
  const ellipse = buildValue("Ellipse", [shape("Ellipse")]);
  assert.deepEqual([ellipse.major_axis, ellipse.minor_axis], [[P(1), P(2)], [P(3), P(4)]]);
  assert.equal(buildValue("Point", []), null);
});

test("multiple kinds list their objects under GC's key", () => {
  const value = buildValue("Multiple distance measurements", [shape("Distance measurement"), shape("Distance measurement")], { name: "lesions" });
  assert.deepEqual(value, {
    type: "Multiple distance measurements",
    lines: [
      { type: "Distance measurement", start: P(1), end: P(2) },
      { type: "Distance measurement", start: P(1), end: P(2) },
    ],
    version: { major: 1, minor: 0 },
    name: "lesions",
  });
  assert.deepEqual(Object.keys(buildValue("Multiple three-point angles", [shape("Three-point angle")])), ["type", "angles", "version"]);
});

test("every kind survives parse then build, names and probabilities included", () => {
  for (const [kind, single] of [...Object.keys(SINGLE_KINDS).map((k) => [k, k]), ...Object.entries(MULTIPLE_KINDS).map(([k, [s]]) => [k, s])]) {
    const s = shape(single);
    s.extra = { name: "a", probability: 0.5 };
    const built = buildValue(kind, [s, s]);
    const { shapes } = parseValue(kind, built);
    assert.deepEqual(buildValue(kind, shapes), built, kind);
  }
});

test("a value of the wrong kind or shape is refused with the key at fault", () => {
  assert.throws(() => parseValue("Point", { type: "Polygon" }), /"type": "Point"/);
  assert.throws(() => parseValue("Distance measurement", { type: "Distance measurement", start: [0, 0, 0] }), /"end"/);
  assert.throws(() => parseValue("Multiple points", { type: "Multiple points" }), /"points"/);
  assert.deepEqual(parseValue("Point", null).shapes, []);
});

test("distances show millimetres and angles degrees", () => {
  assert.equal(measurement({ type: "Distance measurement", points: [[0, 0, 0], [3, 4, 12]] }), "13.0 mm");
  assert.equal(measurement({ type: "Three-point angle", points: [[1, 0, 0], [0, 0, 0], [0, 5, 0]] }), "90.0°");
  assert.equal(measurement({ type: "Angle", points: [[0, 0, 0], [1, 0, 0], [0, 0, 0], [1, 1, 0]] }), "45.0°");
  assert.equal(measurement({ type: "Point", points: [[0, 0, 0]] }), "");
});

// Niivue's tiles as isRadiologicalConvention draws them: the first in-plane axis runs
// right to left on screen (leftTopMM at the maximum, negative fovMM).
const AXIAL = { axCorSag: 0, sliceFrac: 0.5, leftTopWidthHeight: [0, 0, 400, 400], leftTopMM: [50, -50], fovMM: [-100, 100], AxyzMxy: [0, 0, 12.5, 0, 0] };
const CORONAL = { axCorSag: 1, sliceFrac: 0.5, leftTopWidthHeight: [400, 0, 400, 400], leftTopMM: [50, -50], fovMM: [-100, 100], AxyzMxy: [0, 0, -3, 0, 0] };
const SAGITTAL = { axCorSag: 2, sliceFrac: 0.5, leftTopWidthHeight: [0, 400, 400, 400], leftTopMM: [-50, -50], fovMM: [100, 100], AxyzMxy: [0, 0, 7, 0, 0] };
const RENDER = { axCorSag: 4, sliceFrac: Infinity, leftTopWidthHeight: [400, 400, 400, 400], leftTopMM: [0, 0], fovMM: [1, 1], AxyzMxy: [0, 0, 0, 0, 0] };
const TILES = [AXIAL, CORONAL, SAGITTAL, RENDER];

test("only the 2D slice tiles are drawn on, and a point finds its tile", () => {
  const tiles = sliceTiles(TILES);
  assert.deepEqual(tiles, [AXIAL, CORONAL, SAGITTAL]);
  assert.equal(tileAt(tiles, [450, 10]), CORONAL);
  assert.equal(tileAt(tiles, [450, 450]), null);
});

test("screen <-> world: the middle of the axial tile is the centre at the slice's height", () => {
  // RAS (0, 0, 12.5) is LPS (-0, -0, 12.5)
  close(screenToWorld(AXIAL, [200, 200]).map((v) => v + 0), [0, 0, 12.5]);
  // radiological: screen right is the patient's left (+L, LPS x > 0); screen top is anterior (LPS y < 0)
  close(screenToWorld(AXIAL, [300, 100]), [25, -25, 12.5]);
  close(screenToWorld(CORONAL, [500, 100]), [-25, 3, 25]);
  close(screenToWorld(SAGITTAL, [300, 500]), [-7, -25, 25]);
  for (const tile of [AXIAL, CORONAL, SAGITTAL]) {
    const xy = [tile.leftTopWidthHeight[0] + 123.5, tile.leftTopWidthHeight[1] + 77.25];
    close(worldToScreen(tile, screenToWorld(tile, xy), 0.01), xy);
  }
});

test("an oblique volume's voxel corners come back to the same world point through the screen", () => {
  // The test volume of tests/viewer/volumes.py::oblique_volume (SimpleITK direction Rz(30°)·Rx(20°)).
  const g = geometry({
    origin: [-12.0, 30.5, -7.25],
    spacing: [1.5, 1.2, 2.0],
    direction: [
      0.8660254037844387, -0.46984631039295416, 0.17101007166283433,
      0.49999999999999994, 0.8137976813493738, -0.29619813272602386,
      0.0, 0.3420201433256687, 0.9396926207859084,
    ],
  });
  const corner = voxelToWorld(g, [3.5, 4.5, 5.5]);
  // SimpleITK's TransformContinuousIndexToPhysicalPoint((3.5, 4.5, 5.5))
  close(corner, [-8.109425917962472, 34.26132801930036, 4.933527602603604], 1e-9);
  // an axial tile through the corner's height (Niivue's plane depth is RAS z = LPS z)
  const tile = { ...AXIAL, AxyzMxy: [0, 0, corner[2], 0, 0] };
  const xy = worldToScreen(tile, corner, 1e-6);
  close(screenToWorld(tile, xy), corner, 1e-9);
  // one slice further it is not in the plane
  assert.equal(worldToScreen({ ...tile, AxyzMxy: [0, 0, corner[2] + 2, 0, 0] }, corner, 1), null);
});

test("a shape shows only where all its points lie in the tile's plane", () => {
  const inPlane = [[1, 2, 12.5], [5, 6, 12.4]];
  assert.equal(projectShape(AXIAL, inPlane, 0.5).length, 2);
  assert.equal(projectShape(AXIAL, [[1, 2, 12.5], [5, 6, 14]], 0.5), null);
});

test("a drag makes a box with its corners in order, or an ellipse's axes", () => {
  assert.deepEqual(dragShape("2D bounding box", [0, 0], [4, 2]), [[0, 0], [4, 0], [4, 2], [0, 2]]);
  assert.deepEqual(dragShape("Ellipse", [0, 0], [4, 2]), [[0, 1], [4, 1], [2, 0], [2, 2]]);
  assert.deepEqual(dragShape("Ellipse", [0, 0], [2, 6]), [[1, 0], [1, 6], [0, 3], [2, 3]]);
  assert.deepEqual(dragShape("Distance measurement", [0, 0], [3, 4]), [[0, 0], [3, 4]]);
});

test("editing a box's corner keeps a rectangle around the opposite corner", () => {
  const box = dragShape("2D bounding box", [0, 0], [4, 2]);
  assert.deepEqual(moveHandle("2D bounding box", box, 2, [6, 3]), [[0, 0], [6, 0], [6, 3], [0, 3]]);
  assert.deepEqual(moveHandle("2D bounding box", box, 1, [5, -1]), [[5, 2], [5, -1], [0, -1], [0, 2]]);
});

test("editing an ellipse keeps its centre and perpendicular axes", () => {
  const e = moveHandle("Ellipse", [[0, 1], [4, 1], [2, 0], [2, 2]], 1, [2, 3]);
  close(e.flat(), [2, -1, 2, 3, 1, 1, 3, 1]);
  assert.deepEqual(moveHandle("Point", [[0, 0]], 0, [1, 1]), [[1, 1]]);
});

test("hit tests: near an outline, inside a box or ellipse, not elsewhere", () => {
  const box = [[10, 10], [50, 10], [50, 40], [10, 40]];
  assert.ok(hitsShape("2D bounding box", box, [30, 25], 5));
  assert.ok(hitsShape("2D bounding box", box, [52, 20], 5));
  assert.ok(!hitsShape("2D bounding box", box, [70, 20], 5));
  const line = [[0, 0], [100, 0]];
  assert.ok(hitsShape("Distance measurement", line, [50, 3], 5));
  assert.ok(!hitsShape("Distance measurement", line, [50, 30], 5));
  const ellipse = [[0, 50], [100, 50], [50, 30], [50, 70]];
  assert.ok(hitsShape("Ellipse", ellipse, [20, 50], 2));
  assert.ok(!hitsShape("Ellipse", ellipse, [5, 35], 2));
});

test("uv <-> screen of a mirrored tile", () => {
  const mirrored = { ...SAGITTAL, leftTopWidthHeight: [400, 0, -400, 400] };
  const uv = [12, -30];
  close(screenToUv(mirrored, uvToScreen(mirrored, uv)), uv);
  close(worldToUv(AXIAL, [-10, -20, 12.5]).uv, [10, 20]);
});
