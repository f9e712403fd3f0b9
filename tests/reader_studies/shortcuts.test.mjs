// The reading page's keys: digits pick options, Enter saves, n/p/u move, d draws; never
// while the reader types an answer or uses the viewer's own keys.
import assert from "node:assert/strict";
import { test } from "node:test";

import { optionTarget, shortcutFor } from "../../static/reader_studies/shortcuts.mjs";

test("digits pick options outside text fields", () => {
  assert.deepEqual(shortcutFor({ key: "3", tag: "BODY" }), { action: "option", n: 3 });
  assert.deepEqual(shortcutFor({ key: "1", tag: "INPUT", type: "radio" }), { action: "option", n: 1 });
  assert.equal(shortcutFor({ key: "3", tag: "INPUT", type: "number" }), null);
  assert.equal(shortcutFor({ key: "3", tag: "TEXTAREA" }), null);
  assert.equal(shortcutFor({ key: "0", tag: "BODY" }), null);
});

test("the viewer keeps its own keys; modifiers are never shortcuts", () => {
  assert.equal(shortcutFor({ key: "2", tag: "CANVAS", inViewer: true }), null);
  assert.equal(shortcutFor({ key: "n", tag: "BODY", modifier: true }), null);
});

test("Enter saves except on buttons and links; letters move and draw", () => {
  assert.deepEqual(shortcutFor({ key: "Enter", tag: "INPUT", type: "checkbox" }), { action: "save" });
  assert.equal(shortcutFor({ key: "Enter", tag: "BUTTON" }), null);
  assert.equal(shortcutFor({ key: "Enter", tag: "INPUT", type: "text" }), null); // the browser submits
  assert.deepEqual(shortcutFor({ key: "n", tag: "BODY" }), { action: "next" });
  assert.deepEqual(shortcutFor({ key: "p", tag: "BODY" }), { action: "previous" });
  assert.deepEqual(shortcutFor({ key: "u", tag: "BODY" }), { action: "unanswered" });
  assert.deepEqual(shortcutFor({ key: "d", tag: "BODY" }), { action: "draw" });
  assert.equal(shortcutFor({ key: "x", tag: "BODY" }), null);
});

test("a digit picks in the focused question, else the first", () => {
  const groups = [["a1", "a2"], ["b1", "b2", "b3"]];
  assert.equal(optionTarget(groups, null, 2), "a2");
  assert.equal(optionTarget(groups, groups[1], 3), "b3");
  assert.equal(optionTarget(groups, null, 5), null);
  assert.equal(optionTarget([], null, 1), null);
});
