// The CPU planes shown while Niivue prepares: the voxels they show, their orientation in
// the world (radiological, as Niivue shows them), slice numbers as the viewer's label
// counts them, windowing, and the multiplanar layout.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  boxRange, drawPlane, greyTable, pixelVoxel, planeSpec, rasFraction, robustWindow, sliceNumber, tileAt,
  tiles, voxelPixel, withSlice, worldAxes,
} from "../../static/viewer/cpu-mpr.mjs";
import { geometry, voxelToWorld } from "../../static/viewer/geometry.mjs";

const SIZE = [4, 3, 5];
const SPACING = [0.5, 2, 3];
// each voxel holds its own index code i + 10 j + 100 k
const CODES = new Int32Array(SIZE[0] * SIZE[1] * SIZE[2]).map((_, n) => {
  const i = n % SIZE[0];
  const j = Math.floor(n / SIZE[0]) % SIZE[1];
  const k = Math.floor(n / (SIZE[0] * SIZE[1]));
  return i + 10 * j + 100 * k;
});
const decode = (c) => [c % 10, Math.floor(c / 10) % 10, Math.floor(c / 100)];
const RAW = { rgba: (v) => v }; // a "window" that keeps the voxel's value

function specsFor(direction) {
  const axes = worldAxes(direction);
  return Object.fromEntries(["axial", "coronal", "sagittal"].map((p) => [p, planeSpec(axes, SIZE, SPACING, p)]));
}

function planeVoxels(spec, point) {
  const out = drawPlane(CODES, SIZE, spec, point, RAW, new Uint32Array(spec.width * spec.height));
  return (x, y) => decode(out[y * spec.width + x]);
}

test("only axis-aligned directions (flips and swaps included) are drawn on the CPU", () => {
  assert.deepEqual(worldAxes([1, 0, 0, 0, 1, 0, 0, 0, 1]), [{ voxel: 0, sign: 1 }, { voxel: 1, sign: 1 }, { voxel: 2, sign: 1 }]);
  assert.deepEqual(worldAxes([0, -1, 0, 1, 0, 0, 0, 0, -1]).map((a) => [a.voxel, a.sign]), [[1, -1], [0, 1], [2, -1]]);
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  assert.equal(worldAxes([c, -s, 0, s, c, 0, 0, 0, 1]), null);
});

// Radiological, as Niivue shows it: the patient's left (LPS x grows) to the right in the axial
// and coronal planes, posterior down in the axial plane, superior up, anterior to the right
// in the sagittal plane; whatever order the voxels are stored in.
const SCREEN = {
  axial: { right: [0, 1], down: [1, 1] },
  coronal: { right: [0, 1], down: [2, -1] },
  sagittal: { right: [1, -1], down: [2, -1] },
};

for (const direction of [[1, 0, 0, 0, 1, 0, 0, 0, 1], [-1, 0, 0, 0, 1, 0, 0, 0, -1], [0, 1, 0, -1, 0, 0, 0, 0, 1]]) {
  test(`planes run along the world as Niivue shows them (direction ${direction})`, () => {
    const g = geometry({ origin: [10, -20, 30], spacing: SPACING, direction });
    const specs = specsFor(direction);
    const point = [1, 1, 2];
    for (const [plane, { right, down }] of Object.entries(SCREEN)) {
      const spec = specs[plane];
      const at = planeVoxels(spec, point);
      const world = (x, y) => voxelToWorld(g, at(x, y));
      const [w0, s0] = right;
      const [w1, s1] = down;
      assert.ok(spec.width > 1 && spec.height > 1, plane);
      for (let y = 0; y < spec.height; y++) {
        for (let x = 0; x + 1 < spec.width; x++) assert.ok(s0 * (world(x + 1, y)[w0] - world(x, y)[w0]) > 0, `${plane} right`);
      }
      for (let x = 0; x < spec.width; x++) {
        for (let y = 0; y + 1 < spec.height; y++) assert.ok(s1 * (world(x, y + 1)[w1] - world(x, y)[w1]) > 0, `${plane} down`);
      }
      // every pixel lies in the plane through the point, and maps back to its pixel
      const fixed = spec.fixed.voxel;
      for (let y = 0; y < spec.height; y++) {
        for (let x = 0; x < spec.width; x++) {
          assert.equal(at(x, y)[fixed], point[fixed]);
          assert.deepEqual(pixelVoxel(spec, point, x + 0.5, y + 0.5), at(x, y));
          assert.deepEqual(voxelPixel(spec, at(x, y)), [x, y]);
        }
      }
      // pixels are square in millimetres when drawn to the plane's mm size
      assert.equal(spec.mmWidth / spec.width, SPACING[spec.col.voxel]);
    }
  });
}

test("slice numbers count along R, A and S as Niivue's do; the middle is where Niivue opens", () => {
  const specs = specsFor([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const point = [1, 0, 3];
  assert.equal(sliceNumber(specs.axial, point), 4); // k + 1: superior is up
  assert.equal(sliceNumber(specs.coronal, point), 3); // P runs against A
  assert.equal(sliceNumber(specs.sagittal, point), 3); // L runs against R
  assert.deepEqual(withSlice(specs.coronal, point, 1), [1, 2, 3]);
  assert.deepEqual(withSlice(specs.axial, point, 99), [1, 0, 4]);
  for (const spec of Object.values(specs)) {
    for (let n = 1; n <= spec.fixed.count; n++) assert.equal(sliceNumber(spec, withSlice(spec, point, n)), n);
  }
  // Niivue's crosshair at the centre (fraction 0.5) shows slice floor(count / 2) + 1
  let middle = [0, 0, 0];
  for (const spec of Object.values(specs)) middle = withSlice(spec, middle, Math.floor(spec.fixed.count / 2) + 1);
  const frac = rasFraction(specs, middle);
  const counts = [SIZE[0], SIZE[1], SIZE[2]];
  frac.forEach((f, r) => assert.equal(Math.floor(f * counts[r]) + 1, Math.floor(counts[r] / 2) + 1));
});

test("a window maps low to black and high to white; its table agrees with the formula", () => {
  const grey = (rgba) => rgba & 0xff;
  const table = greyTable(Int16Array, [-1000, 1000]);
  assert.equal(grey(table.rgba(-1000)), 0);
  assert.equal(grey(table.rgba(0)), 128);
  assert.equal(grey(table.rgba(1000)), 255);
  assert.equal(grey(table.rgba(-3000)), 0);
  assert.equal(table.rgba(300) >>> 24, 255); // opaque
  for (const v of [-32768, -1000, -1, 0, 7, 999, 32767]) assert.equal(table.lut[v + table.bias], table.rgba(v));
  assert.equal(grey(greyTable(Int16Array, [-1000, 1000], true).rgba(1000)), 0);
  const floats = greyTable(Float32Array, [0, 1]);
  assert.equal(floats.lut, undefined);
  assert.equal(grey(floats.rgba(0.5)), 128);
  const voxels = new Int16Array([-1000, 0, 1000, 40]);
  const out = drawPlane(voxels, [2, 2, 1], planeSpec(worldAxes([1, 0, 0, 0, 1, 0, 0, 0, 1]), [2, 2, 1], [1, 1, 1], "axial"), [0, 0, 0], table, new Uint32Array(4));
  assert.deepEqual([...out].map(grey), [0, 128, 255, 133]);
});

test("right-drag windowing spans the intensities in the box; automatic is the 2nd to 98th percentile", () => {
  const specs = specsFor([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  // axial slice k = 2: codes 200 + i + 10 j; the box covers i 1..2, j 0..1
  assert.deepEqual(boxRange(CODES, SIZE, specs.axial, [0, 0, 2], [1.2, 0.5, 2.9, 1.1]), [201, 212]);
  assert.deepEqual(boxRange(new Int16Array(60).fill(5), SIZE, specs.axial, [0, 0, 2], [0, 0, 1, 1]), [5, 6]);
  const ramp = Int16Array.from({ length: 1000 }, (_, i) => i);
  assert.deepEqual(robustWindow(ramp), [20, 980]);
});

test("the multiplanar grid puts coronal and sagittal above the axial plane, to scale", () => {
  const specs = specsFor([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  // mm: x 2, y 6, z 15; the grid is (x + y) wide, (z + y) high
  const grid = tiles(specs, "multiplanar", 160, 210);
  const byPlane = Object.fromEntries(grid.map((t) => [t.plane, t]));
  const scale = Math.min(160 / 8, 210 / 21);
  assert.deepEqual(byPlane.coronal, { plane: "coronal", left: 40, top: 0, width: 2 * scale, height: 15 * scale });
  assert.deepEqual(byPlane.sagittal, { plane: "sagittal", left: 40 + 2 * scale, top: 0, width: 6 * scale, height: 15 * scale });
  assert.deepEqual(byPlane.axial, { plane: "axial", left: 40, top: 15 * scale, width: 2 * scale, height: 6 * scale });
  const hit = tileAt(grid, specs, 40 + 2 * scale + 1, 15 * scale - 1);
  assert.equal(hit.tile.plane, "sagittal");
  assert.ok(hit.x > 0 && hit.x < 0.5 && hit.y > 4.9 && hit.y < 5, JSON.stringify(hit));
  assert.equal(tileAt(grid, specs, 1, 1), null);
  const [one] = tiles(specs, "coronal", 100, 100);
  assert.deepEqual([one.width, one.height], [2 * (100 / 15), 100]);
});
