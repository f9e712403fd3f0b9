// Colour .mha files rewrapped as NIfTI-1 RGB for Niivue: header, voxel data, and the
// voxel-to-world rows (RAS) agreeing with geometry.mjs's LPS mapping.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync } from "node:zlib";

import { geometry, voxelToWorld } from "../../static/viewer/geometry.mjs";
import { forNiivue, niftiRows, parseMhaHeader, rgbMhaToNifti, spatialHeader4D } from "../../static/viewer/mha.mjs";

function mha(lines, data, compress = false) {
  const body = compress ? deflateSync(data) : data;
  const head = new TextEncoder().encode(
    [...lines, ...(compress ? ["CompressedData = True"] : []), "ElementDataFile = LOCAL", ""].join("\n"),
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out.buffer;
}

const RGB_2D = [
  "ObjectType = Image", "NDims = 2", "DimSize = 2 2", "ElementSpacing = 0.5 2",
  "Offset = 10 20", "ElementNumberOfChannels = 3", "ElementType = MET_UCHAR",
];
const PIXELS = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

for (const compress of [false, true]) {
  test(`an RGB .mha becomes a NIfTI RGB24 volume (${compress ? "compressed" : "raw"})`, async () => {
    const nii = await rgbMhaToNifti(mha(RGB_2D, PIXELS, compress));
    const view = new DataView(nii);
    assert.equal(view.getInt32(0, true), 348);
    assert.deepEqual([1, 2, 3].map((i) => view.getInt16(40 + 2 * i, true)), [2, 2, 1]);
    assert.equal(view.getInt16(70, true), 128);
    assert.equal(view.getInt16(72, true), 24);
    assert.equal(view.getFloat32(108, true), 352);
    assert.equal(new TextDecoder().decode(new Uint8Array(nii, 344, 3)), "n+1");
    assert.deepEqual([...new Uint8Array(nii, 352)], [...PIXELS]);
    // LPS origin (10, 20) is RAS (-10, -20); spacing on the diagonal, x and y negated
    assert.deepEqual([0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat32(280 + 16 * r + 4 * c, true))), [
      [-0.5, -0, -0, -10], [-0, -2, -0, -20], [0, 0, 1, 0],
    ]);
  });
}

test("the sform rows map voxels where geometry.mjs does, for an oblique volume", () => {
  // SimpleITK's row-major direction D; a .mha lists it column by column
  const d = [0.8660254, -0.4698463, 0.1710101, 0.5, 0.8137977, -0.2961981, 0, 0.3420201, 0.9396926];
  const transform = [0, 1, 2].flatMap((c) => [0, 1, 2].map((r) => d[r * 3 + c]));
  const { header } = parseMhaHeader(new Uint8Array(mha([
    "NDims = 3", `TransformMatrix = ${transform.join(" ")}`, "Offset = -120.5 33.25 410",
    "ElementSpacing = 0.7 0.8 2.5", "DimSize = 10 12 8", "ElementType = MET_UCHAR",
  ], new Uint8Array(0))));
  const rows = niftiRows(header);
  const g = geometry({ origin: [-120.5, 33.25, 410], spacing: [0.7, 0.8, 2.5], direction: d });
  for (const index of [[0, 0, 0], [9, 11, 7], [3, 5, 2]]) {
    const ras = rows.map((row) => row[0] * index[0] + row[1] * index[1] + row[2] * index[2] + row[3]);
    const lps = voxelToWorld(g, index);
    [-lps[0], -lps[1], lps[2]].forEach((v, i) => assert.ok(Math.abs(v - ras[i]) < 1e-6, `${ras} vs ${lps}`));
  }
});

test("grey .mha files go to Niivue untouched; other colour types are refused by name", async () => {
  const grey = mha(["NDims = 2", "DimSize = 1 1", "ElementType = MET_SHORT"], new Uint8Array(2));
  assert.deepEqual(await forNiivue(grey, "a.mha"), { buffer: grey, name: "a.mha" });
  const rgb = await forNiivue(mha(RGB_2D, PIXELS), "b.mha");
  assert.equal(rgb.name, "b.nii");
  const float = mha(["NDims = 2", "DimSize = 1 1", "ElementNumberOfChannels = 3", "ElementType = MET_FLOAT"], new Uint8Array(12));
  await assert.rejects(forNiivue(float, "c.mha"), {
    message: "colour images must be 8-bit RGB or RGBA (this one: MET_FLOAT, 3 channels)",
  });
});

test("a 4D header's TransformMatrix is cut to its spatial 3x3, the data kept", async () => {
  const head =
    "ObjectType = Image\nNDims = 4\nTransformMatrix = 0 1 0 0 -1 0 0 0 0 0 1 0 0 0 0 1\n" +
    "Offset = 1 2 3 0\nElementSpacing = 1 1 2 1\nDimSize = 2 1 1 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n";
  const bytes = new Uint8Array([...Buffer.from(head, "latin1"), 7, 8, 9, 10]);
  const out = new Uint8Array(spatialHeader4D(bytes.buffer));
  const text = Buffer.from(out).toString("latin1");
  assert.match(text, /TransformMatrix = 0 1 0 -1 0 0 0 0 1\n/);
  assert.deepEqual([...out.subarray(out.length - 4)], [7, 8, 9, 10]);
  const { buffer, name } = await forNiivue(bytes.buffer, "x.mha");
  assert.equal(name, "x.mha");
  assert.equal(new Uint8Array(buffer).length, out.length);
  // 3D files pass through untouched
  const three = Buffer.from(head.replace("NDims = 4", "NDims = 3"), "latin1");
  assert.equal(spatialHeader4D(three.buffer.slice(three.byteOffset, three.byteOffset + three.length)).byteLength, three.length);
});
