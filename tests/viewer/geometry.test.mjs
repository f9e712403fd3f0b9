// Voxel <-> world conversion of static/viewer/geometry.mjs against SimpleITK's
// TransformIndexToPhysicalPoint on an oblique volume (values computed with SimpleITK 2.x:
// Rz(30°)·Rx(20°) direction, spacing 0.7 × 0.8 × 2.5, origin -120.5, 33.25, 410).
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatPoint, geometry, nearestVoxel, rasToLps, voxelToWorld, worldToVoxel } from "../../static/viewer/geometry.mjs";

const OBLIQUE = geometry({
  origin: [-120.5, 33.25, 410.0],
  spacing: [0.7, 0.8, 2.5],
  direction: [
    0.8660254037844387, -0.46984631039295416, 0.17101007166283433,
    0.49999999999999994, 0.8137976813493738, -0.29619813272602386,
    0.0, 0.3420201433256687, 0.9396926207859084,
  ],
});

function close(actual, expected, tolerance = 1e-9) {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < tolerance, `${actual} != ${expected}`));
}

test("voxel index to world matches SimpleITK for an oblique volume", () => {
  close(voxelToWorld(OBLIQUE, [0, 0, 0]), [-120.5, 33.25, 410.0]);
  close(voxelToWorld(OBLIQUE, [9, 11, 7]), [-116.18601123351642, 38.37795227316907, 429.4543981250193]);
  close(voxelToWorld(OBLIQUE, [3, 5, 2]), [-119.70568153531032, 36.07420006176738, 416.06654367723223]);
  close(voxelToWorld(OBLIQUE, [2.5, -0.5, 6.25]), [-116.12448464948827, 29.171385103616128, 424.54588914244954]);
});

test("world to continuous voxel index matches SimpleITK and inverts voxelToWorld", () => {
  close(worldToVoxel(OBLIQUE, [0, 0, 400]), [125.33008736574982, -108.86931842559292, 8.423350136261087]);
  for (const index of [[0, 0, 0], [9, 11, 7], [4.5, 0.25, 3.75]]) {
    close(worldToVoxel(OBLIQUE, voxelToWorld(OBLIQUE, index)), index);
  }
});

test("an axis-aligned image needs only origin and spacing", () => {
  const g = geometry({ origin: [10, 20, 30], spacing: [0.5, 0.5, 3] });
  close(voxelToWorld(g, [2, 4, 1]), [11, 22, 33]);
  close(worldToVoxel(g, [11, 22, 33]), [2, 4, 1]);
});

test("a 2D image's 2 × 2 direction is padded to 3D", () => {
  const g = geometry({ origin: [0, 0], spacing: [2, 3], direction: [0, -1, 1, 0] });
  close(voxelToWorld(g, [1, 1, 0]), [-3, 2, 0]);
  close(worldToVoxel(g, [-3, 2, 0]), [1, 1, 0]);
});

test("nearest voxel is null outside the image", () => {
  assert.deepEqual(nearestVoxel([1.4, 2.6, -0.4], [10, 12, 8]), [1, 3, 0]);
  assert.equal(nearestVoxel([-0.6, 0, 0], [10, 12, 8]), null);
  assert.equal(nearestVoxel([0, 0, 7.5], [10, 12, 8]), null);
});

test("RAS millimetres become LPS and are printed with one decimal", () => {
  assert.deepEqual(rasToLps([10, -20.5, 3]), [-10, 20.5, 3]);
  assert.equal(formatPoint([-116.186, 38.378, -0.01]), "-116.2, 38.4, 0.0 mm");
});

test("a 4D image's direction is its spatial 3x3", () => {
  const g = geometry({ origin: [1, 2, 3, 0], spacing: [1, 1, 2, 1], direction: [0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
  assert.deepEqual(g.direction, [0, 1, 0, -1, 0, 0, 0, 0, 1]);
  assert.deepEqual(g.spacing, [1, 1, 2]);
});
