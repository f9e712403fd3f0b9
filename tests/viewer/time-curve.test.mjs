// The intensity-over-time chart of a 4D image: where each time point's value sits, and
// the text a screen reader hears.
import assert from "node:assert/strict";
import { test } from "node:test";

import { curvePoints, curveSummary } from "../../static/viewer/time-curve.mjs";

test("time points run left to right, the lowest value at the bottom, the highest at the top", () => {
  const points = curvePoints([100, 500, 300], 100, 50, 5);
  assert.deepEqual(points.map(([x]) => x), [5, 50, 95]);
  assert.deepEqual(points.map(([, y]) => y), [45, 5, 25]);
});

test("a flat curve runs through the middle", () => {
  assert.deepEqual(curvePoints([7, 7], 100, 50, 5), [[5, 25], [95, 25]]);
});

test("the summary names the voxel and every value", () => {
  assert.equal(curveSummary([-1000, 0.5, 12], [3, 4, 5]), "Intensity at voxel 3, 4, 5 over 3 time points: -1000, 0.50, 12");
});
