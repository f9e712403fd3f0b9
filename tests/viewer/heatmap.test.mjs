// Heat-map threshold: a slider fraction over the map's value range, zero never shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import { HEATMAP_COLORMAPS, thresholdLabel, thresholdValue } from "../../static/viewer/heatmap.mjs";

test("the threshold runs over the map's range from zero up", () => {
  assert.equal(thresholdValue(0.5, 0, 1), 0.5);
  assert.equal(thresholdValue(1, 0, 200), 200);
  assert.equal(thresholdValue(0.25, -10, 10), 2.5); // negative values are never shown
  assert.equal(thresholdValue(0, 0, 1), Number.EPSILON);
  assert.equal(thresholdValue(2, 0, 1), 1); // clamped
  assert.equal(thresholdValue("x", 0, 1), Number.EPSILON);
  assert.equal(thresholdValue(0.5, 3, 3), 3.5); // a flat map still gets a range
});

test("labels and colour maps", () => {
  assert.equal(thresholdLabel(0.5), "≥ 0.50");
  assert.equal(thresholdLabel(120.4), "≥ 120");
  assert.equal(thresholdLabel(Number.EPSILON), "all above 0");
  assert.equal(HEATMAP_COLORMAPS[0], "warm");
});
