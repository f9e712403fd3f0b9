// Window presets, segment colour tables and download errors of the viewer's small modules.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fetchWithProgress, LoadError, messageForStatus } from "../../static/viewer/load.mjs";
import { labelColormap, PALETTE } from "../../static/viewer/segments.mjs";
import { CT_PRESETS, presetsFor, windowRange } from "../../static/viewer/windows.mjs";

test("the image's own window comes first, then the CT presets", () => {
  const presets = presetsFor({ center: 50, width: 350, modality: "CT" });
  assert.deepEqual(presets.map((p) => p.title), ["Image window", "Soft tissue", "Lung", "Bone", "Brain"]);
  assert.deepEqual(presets[0], { title: "Image window", center: 50, width: 350, own: true });
  assert.deepEqual(presetsFor({ center: null, width: null, modality: "MR" }), []);
  assert.deepEqual(presetsFor({ center: NaN, width: NaN, modality: "" }), CT_PRESETS);
  assert.deepEqual(windowRange({ center: -600, width: 1500 }), [-1350, 150]);
});

test("segments become a label colour table, hidden ones transparent", () => {
  const segments = [{ name: "liver", voxel_value: 1, visible: true }, { name: "tumour", voxel_value: 3, visible: true }];
  const cmap = labelColormap(segments, new Set([3]));
  assert.deepEqual(cmap.I, [0, 1, 3]);
  assert.deepEqual(cmap.labels, ["", "liver", "tumour"]);
  assert.deepEqual(cmap.A, [0, 255, 0]);
  assert.deepEqual([cmap.R[1], cmap.G[1], cmap.B[1]], PALETTE[0]);
  assert.deepEqual([cmap.R[2], cmap.G[2], cmap.B[2]], PALETTE[1]);
});

function fakeResponse(status, chunks, length) {
  let i = 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: new Map([["Content-Length", length === undefined ? null : String(length)]]),
    body: { getReader: () => ({ read: async () => (i < chunks.length ? { done: false, value: chunks[i++] } : { done: true }) }) },
  };
}

test("a download reports progress and returns exactly the bytes", async () => {
  const seen = [];
  const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
  const buffer = await fetchWithProgress("/f.mha", (got, total) => seen.push([got, total]), async () => fakeResponse(200, chunks, 5));
  assert.deepEqual([...new Uint8Array(buffer)], [1, 2, 3, 4, 5]);
  assert.deepEqual(seen, [[3, 5], [5, 5]]);
  const unsized = await fetchWithProgress("/f.mha", () => {}, async () => fakeResponse(200, chunks));
  assert.deepEqual([...new Uint8Array(unsized)], [1, 2, 3, 4, 5]);
});

test("a refused or truncated download says why", async () => {
  await assert.rejects(fetchWithProgress("/f.mha", () => {}, async () => fakeResponse(404, [])), {
    name: "Error", message: messageForStatus(404),
  });
  assert.match(messageForStatus(404), /permission/);
  await assert.rejects(
    fetchWithProgress("/f.mha", () => {}, async () => fakeResponse(200, [new Uint8Array(3)], 5)),
    (err) => err instanceof LoadError && err.message === "The download stopped early (3 of 5 bytes).",
  );
  await assert.rejects(
    fetchWithProgress("/f.mha", () => {}, async () => { throw new TypeError("Failed to fetch"); }),
    { message: "The image could not be downloaded: Failed to fetch." },
  );
});
