// .mha files read as they stream in: grey ones inflated into a plain .mha (its voxels in a
// buffer of their own that Niivue takes without a copy), colour ones
// rewrapped as NIfTI-1 RGB for Niivue: header, voxel data, and the
// voxel-to-world rows (RAS) agreeing with geometry.mjs's LPS mapping.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync } from "node:zlib";

import { geometry, voxelToWorld } from "../../static/viewer/geometry.mjs";
import { DamagedDataError, niftiRows, parseMhaHeader, readMhaStream } from "../../static/viewer/mha.mjs";

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

async function* pieces(buffer, size) {
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

const RGB_2D = [
  "ObjectType = Image", "NDims = 2", "DimSize = 2 2", "ElementSpacing = 0.5 2",
  "Offset = 10 20", "ElementNumberOfChannels = 3", "ElementType = MET_UCHAR",
];
const PIXELS = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

for (const compress of [false, true]) {
  test(`an RGB .mha becomes a NIfTI RGB24 volume (${compress ? "compressed" : "raw"})`, async () => {
    const { buffer: nii } = await readMhaStream(pieces(mha(RGB_2D, PIXELS, compress), 6), "rgb.mha");
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

const CT = [
  "ObjectType = Image", "NDims = 3", "DimSize = 3 2 2", "ElementSpacing = 0.5 0.5 2",
  "Offset = 10 20 30", "ElementType = MET_SHORT",
];
const VOXELS = new Int16Array([-1000, 0, 40, 700, -5, 3, 1, 2, 3, 4, 5, 6]);

for (const compress of [false, true]) {
  test(`a streamed .mha is inflated as it arrives into one uncompressed .mha (${compress ? "compressed" : "raw"})`, async () => {
    const file = mha(CT, new Uint8Array(VOXELS.buffer), compress);
    const seen = [];
    let started = null;
    const { buffer, name } = await readMhaStream(pieces(file, 7), "ct.mha", {
      onStart: (s) => { started = s; },
      onData: (n) => seen.push(n),
    });
    assert.equal(name, "ct.mha");
    assert.equal(started.header.ElementType, "MET_SHORT");
    const { header, offset } = parseMhaHeader(new Uint8Array(buffer));
    assert.equal(header.CompressedData, undefined);
    assert.equal(header.DimSize, "3 2 2");
    assert.equal(header.Offset, "10 20 30");
    // Niivue reads the voxels as buffer.slice(offset): the very buffer filled in place
    const voxels = buffer.slice(offset);
    assert.equal(voxels, started.voxels.buffer);
    assert.deepEqual([...new Int16Array(voxels)], [...VOXELS]);
    assert.equal(new Uint8Array(buffer.slice(0, 10)).length, 10); // other slices are copies as usual
    assert.equal(seen.at(-1), VOXELS.byteLength);
    assert.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]));
  });
}

test("a streamed colour .mha becomes NIfTI RGB; other colour types are refused by name", async () => {
  const { buffer, name } = await readMhaStream(pieces(mha(RGB_2D, PIXELS, true), 5), "b.mha");
  assert.equal(name, "b.nii");
  assert.equal(new DataView(buffer).getInt16(70, true), 128);
  assert.deepEqual([...new Uint8Array(buffer, 352)], [...PIXELS]);
  const float = mha(["NDims = 2", "DimSize = 1 1", "ElementNumberOfChannels = 3", "ElementType = MET_FLOAT"], new Uint8Array(12));
  await assert.rejects(readMhaStream(pieces(float, 5), "c.mha"), {
    message: "colour images must be 8-bit RGB or RGBA (this one: MET_FLOAT, 3 channels)",
  });
});

test("voxels starting with a newline byte reach Niivue whole (its reader skips newlines after a header)", async () => {
  const voxels = new Uint8Array([10, 10, 3, 4]);
  const { buffer, name } = await readMhaStream(pieces(mha(["NDims = 2", "DimSize = 2 2", "ElementType = MET_UCHAR"], voxels), 3), "n.mha");
  assert.equal(name, "n.mha");
  const { offset } = parseMhaHeader(new Uint8Array(buffer));
  assert.equal(offset, buffer.byteLength); // nothing after the header for the reader to skip
  assert.deepEqual([...new Uint8Array(buffer.slice(offset))], [...voxels]);
});

test("a streamed .mha with damaged or short voxel data says so", async () => {
  const damaged = new Uint8Array(mha(CT, new Uint8Array(VOXELS.buffer), true));
  damaged.fill(0xff, damaged.length - 12, damaged.length - 6);
  await assert.rejects(readMhaStream(pieces(damaged.buffer, 5), "ct.mha"), (err) =>
    err instanceof DamagedDataError && /damaged|short/.test(err.message));
  const text = new TextEncoder().encode([...CT, "CompressedData = True", "ElementDataFile = LOCAL", "not zlib"].join("\n"));
  await assert.rejects(readMhaStream(pieces(text.buffer, 4), "ct.mha"), {
    message: "its compressed voxel data is damaged",
  });
  const short = mha(CT, new Uint8Array(VOXELS.buffer).subarray(0, 20));
  await assert.rejects(readMhaStream(pieces(short, 4), "ct.mha"), {
    message: "its voxel data is short: 20 of 24 bytes",
  });
});

test("a download that fails mid-stream keeps its own error", async () => {
  const file = mha(CT, new Uint8Array(VOXELS.buffer), true);
  async function* broken() {
    yield new Uint8Array(file).slice(0, 130);
    throw new RangeError("connection reset");
  }
  await assert.rejects(readMhaStream(broken(), "ct.mha"), { name: "RangeError", message: "connection reset" });
});

test("a streamed 4D .mha keeps its time points, its matrix cut to the spatial 3x3", async () => {
  const head = [
    "ObjectType = Image", "NDims = 4", "TransformMatrix = 0 1 0 0 -1 0 0 0 0 0 1 0 0 0 0 1",
    "Offset = 1 2 3 0", "ElementSpacing = 1 1 2 3", "DimSize = 2 1 1 2", "ElementType = MET_UCHAR",
  ];
  const { buffer } = await readMhaStream(pieces(mha(head, new Uint8Array([7, 8, 9, 10]), true), 3), "t.mha");
  const { header, offset } = parseMhaHeader(new Uint8Array(buffer));
  assert.equal(header.TransformMatrix, "0 1 0 -1 0 0 0 0 1");
  assert.equal(header.DimSize, "2 1 1 2");
  assert.deepEqual([...new Uint8Array(buffer.slice(offset))], [7, 8, 9, 10]);
});

test("a grey 2D .mha goes to Niivue as a one-slice volume with its origin and directions", async () => {
  // Niivue reads a 2D MetaImage without Offset and TransformMatrix: the viewer's readout
  // and drawn annotations were off on 2D images
  const lines = [
    "ObjectType = Image", "NDims = 2", "DimSize = 2 3", "ElementSpacing = 0.5 2",
    "Origin = 10 20", "TransformMatrix = -1 0 0 1", "ElementType = MET_UCHAR",
  ];
  const voxels = new Uint8Array([1, 2, 3, 4, 5, 6]);
  for (const compress of [false, true]) {
    const { buffer, name } = await readMhaStream(pieces(mha(lines, voxels, compress), 5), "flat.mha");
    assert.equal(name, "flat.mha");
    const { header, offset } = parseMhaHeader(new Uint8Array(buffer));
    assert.equal(header.NDims, "3");
    assert.equal(header.DimSize, "2 3 1");
    assert.equal(header.ElementSpacing, "0.5 2 1");
    assert.equal(header.Offset, "10 20 0");
    assert.equal(header.Origin, undefined);
    assert.equal(header.TransformMatrix, "-1 0 0 0 1 0 0 0 1");
    assert.deepEqual([...new Uint8Array(buffer.slice(offset))], [...voxels]);
    // the same voxel-to-world rows as the 2D header's
    assert.deepEqual(niftiRows(header), niftiRows(parseMhaHeader(new Uint8Array(mha(lines, voxels))).header));
  }
});
