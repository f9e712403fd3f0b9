// The browser's .mha writer (label maps for painted mask answers): the header carries the
// image's geometry so that mha.mjs (and ITK) map every voxel to the same world point, the
// voxels follow the header unchanged, and bad input is refused with the field named.
import assert from "node:assert/strict";
import { test } from "node:test";

import { geometry, voxelToWorld } from "../../static/viewer/geometry.mjs";
import { niftiRows, parseMhaHeader } from "../../static/viewer/mha.mjs";
import { writeMha } from "../../static/viewer/mha-write.mjs";

// an oblique 3D grid: 30° about z, anisotropic voxels, an origin off zero
const c = Math.cos(Math.PI / 6);
const s = Math.sin(Math.PI / 6);
const OBLIQUE = {
  size: [4, 3, 2],
  spacing: [0.5, 0.8, 2.5],
  origin: [-10, 20.5, 100],
  direction: [c, -s, 0, s, c, 0, 0, 0, 1], // row-major, as SimpleITK's GetDirection()
};

test("a 3D label map's header holds the image's geometry and its voxels follow", () => {
  const data = Uint8Array.from({ length: 24 }, (_, i) => i % 3);
  const bytes = writeMha({ ...OBLIQUE, data });
  const { header, offset } = parseMhaHeader(bytes);
  assert.equal(header.NDims, "3");
  assert.equal(header.DimSize, "4 3 2");
  assert.equal(header.ElementType, "MET_UCHAR");
  assert.equal(header.ElementSpacing, "0.5 0.8 2.5");
  assert.equal(header.Offset, "-10 20.5 100");
  assert.equal(header.CompressedData, "False");
  assert.deepEqual([...bytes.subarray(offset)], [...data]);
  assert.equal(bytes.length - offset, 24);
});

test("each voxel lands on the world point of the image's own geometry", () => {
  const bytes = writeMha({ ...OBLIQUE, data: new Uint8Array(24) });
  const { header } = parseMhaHeader(bytes);
  const rows = niftiRows(header); // RAS, as Niivue reads the file
  const g = geometry(OBLIQUE);
  for (const index of [[0, 0, 0], [3, 0, 0], [0, 2, 1], [3, 2, 1]]) {
    const ras = rows.map((r) => r[0] * index[0] + r[1] * index[1] + r[2] * index[2] + r[3]);
    const lps = voxelToWorld(g, index);
    const back = [-ras[0], -ras[1], ras[2]];
    back.forEach((v, i) => assert.ok(Math.abs(v - lps[i]) < 1e-9, `voxel ${index}: ${back} vs ${lps}`));
  }
});

test("a 2D image gives a 2D label map (its shape must match the image's)", () => {
  const bytes = writeMha({
    size: [3, 2], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1], data: [0, 1, 0, 2, 0, 1],
  });
  const { header, offset } = parseMhaHeader(bytes);
  assert.equal(header.NDims, "2");
  assert.equal(header.DimSize, "3 2");
  assert.equal(header.TransformMatrix, "1 0 0 1");
  assert.deepEqual([...bytes.subarray(offset)], [0, 1, 0, 2, 0, 1]);
});

test("no direction means the identity", () => {
  const { header } = parseMhaHeader(writeMha({ size: [1, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0], data: [0] }));
  assert.equal(header.TransformMatrix, "1 0 0 0 1 0 0 0 1");
});

test("16-bit labels for values above 255", () => {
  const bytes = writeMha({ size: [2, 1], spacing: [1, 1], origin: [0, 0], direction: [], data: [300, 1], type: "uint16" });
  const { header, offset } = parseMhaHeader(bytes);
  assert.equal(header.ElementType, "MET_USHORT");
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  assert.equal(view.getUint16(0, true), 300);
  assert.equal(view.getUint16(2, true), 1);
});

test("bad input is refused naming what is wrong", () => {
  const base = { size: [2, 2], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] };
  assert.throws(() => writeMha({ ...base, data: [0, 0, 0] }), /needs 4 voxels for a 2×2 image \(got 3\)/);
  assert.throws(() => writeMha({ ...base, spacing: [1], data: [0, 0, 0, 0] }), /spacing must hold 2 numbers/);
  assert.throws(() => writeMha({ ...base, direction: [1, 0, 0], data: [0, 0, 0, 0] }), /direction must hold 4 numbers/);
  assert.throws(() => writeMha({ ...base, size: [2, 0], data: [] }), /size must be positive integers/);
  assert.throws(() => writeMha({ ...base, size: [4], origin: [0], spacing: [1], data: [0, 0, 0, 0] }), /2 or 3 dimensions/);
});
