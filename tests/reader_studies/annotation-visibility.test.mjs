// The reading page's rule for which drawings show: the active question's, all with
// "Show all annotations" (others labelled and read-only), ground truth with its answer.
import assert from "node:assert/strict";
import { test } from "node:test";

import { TRUTH_COLOUR, layerState, truthColour, truthMaskColormap } from "../../static/reader_studies/annotation-visibility.mjs";

test("only the question being answered shows its drawing", () => {
  assert.deepEqual(layerState({ pk: "a", active: "a", showAll: false, readOnly: false }), {
    hidden: false, readOnly: false, showLabel: false,
  });
  assert.deepEqual(layerState({ pk: "b", active: "a", showAll: false, readOnly: false }), {
    hidden: true, readOnly: false, showLabel: false,
  });
});

test("show all: every answer shows, the others labelled and read-only", () => {
  assert.deepEqual(layerState({ pk: "b", active: "a", showAll: true, readOnly: false }), {
    hidden: false, readOnly: true, showLabel: true,
  });
  // the active question stays editable (and unlabelled: its tools say which it is)
  assert.deepEqual(layerState({ pk: "a", active: "a", showAll: true, readOnly: false }), {
    hidden: false, readOnly: false, showLabel: false,
  });
  // a locked answer stays locked
  assert.equal(layerState({ pk: "a", active: "a", showAll: true, readOnly: true }).readOnly, true);
});

test("a verified answer is labelled, to tell it from its ground truth", () => {
  assert.deepEqual(layerState({ pk: "a", active: "a", showAll: false, readOnly: true, hasTruth: true }), {
    hidden: false, readOnly: true, showLabel: true,
  });
  assert.equal(layerState({ pk: "b", active: "a", showAll: false, readOnly: true, hasTruth: true }).hidden, true);
});

test("the ground truth's colour differs from the question's", () => {
  assert.equal(truthColour("#ff0000"), TRUTH_COLOUR);
  assert.notEqual(truthColour(TRUTH_COLOUR.toUpperCase()), TRUTH_COLOUR);
});

test("a ground-truth mask paints every segment in the truth's colour, named as the correct answer", () => {
  const cmap = truthMaskColormap([{ name: "lesion", voxel_value: 1 }, { name: "oedema", voxel_value: 4 }]);
  assert.deepEqual(cmap.I, [0, 1, 4]);
  assert.deepEqual(cmap.A, [0, 255, 255]); // 0 stays transparent
  assert.deepEqual([cmap.R[1], cmap.G[1], cmap.B[1]], [0x00, 0xe6, 0x76]);
  assert.deepEqual([cmap.R[2], cmap.G[2], cmap.B[2]], [0x00, 0xe6, 0x76]);
  assert.deepEqual(cmap.labels, ["", "Correct answer: lesion", "Correct answer: oedema"]);
  assert.equal(TRUTH_COLOUR, "#00e676");
});
