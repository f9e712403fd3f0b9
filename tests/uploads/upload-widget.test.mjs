// The upload widget's summary line: counts, binary byte units and the time left.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatBytes, formatDuration, summarize } from "../../static/uploads/upload-widget.js";

test("bytes in binary units with one decimal, like the binarysize filter", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(158 * 1024 * 1024), "158.0 MiB");
});

test("durations", () => {
  assert.equal(formatDuration(0.2), "1 s");
  assert.equal(formatDuration(12), "12 s");
  assert.equal(formatDuration(125), "2 min 5 s");
  assert.equal(formatDuration(3 * 3600 + 120), "3 h 2 min");
});

test("one summary line while uploading, and when done", () => {
  const MiB = 1024 * 1024;
  assert.equal(summarize({ files: 0, done: 0, failed: 0, bytes: 0, total: 0, rate: 0 }), "No files yet.");
  assert.equal(
    summarize({ files: 300, done: 187, failed: 0, bytes: 96 * MiB, total: 158 * MiB, rate: 62 * MiB / 12 }),
    "187 of 300 files, 96.0 MiB of 158.0 MiB, 12 s left",
  );
  assert.equal(
    summarize({ files: 31, done: 30, failed: 1, bytes: 10, total: 10, rate: 0 }),
    "30 of 31 files, 10 B of 10 B, 1 failed, finished with errors",
  );
  assert.equal(summarize({ files: 1, done: 1, failed: 0, bytes: 5, total: 5, rate: 3 }), "1 of 1 file, 5 B of 5 B, all uploaded");
});
