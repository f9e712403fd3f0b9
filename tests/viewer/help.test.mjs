// The keyboard help: every shortcut the viewer handles is listed; typing is not a shortcut.
import assert from "node:assert/strict";
import { test } from "node:test";

import { forActiveViewport, isTyping, SHORTCUTS } from "../../static/viewer/help.mjs";

test("the help lists the viewer's shortcuts", () => {
  const keys = SHORTCUTS.map(([k]) => k).join(" | ");
  for (const key of ["↑ / ↓", "Page Up", "+ / −", "1 – 5", "i", "r", "?", "Escape"]) assert.ok(keys.includes(key), key);
});

test("keys typed into fields are not shortcuts", () => {
  assert.equal(isTyping({ tagName: "INPUT" }), true);
  assert.equal(isTyping({ tagName: "TEXTAREA" }), true);
  assert.equal(isTyping({ tagName: "DIV", isContentEditable: true }), true);
  assert.equal(isTyping({ tagName: "CANVAS" }), false);
  assert.equal(isTyping(null), false);
});

test("keys pressed outside the viewers go to the active viewport, unless taken or typed", () => {
  const at = (selector) => ({ tagName: "DIV", closest: (s) => (s === selector ? {} : null) });
  const outside = { tagName: "H2", closest: () => null };
  assert.equal(forActiveViewport({ target: outside }), true);
  assert.equal(forActiveViewport({ target: null }), true);
  // a canvas handles its own keys; the help dialog is not the image
  const inside = { tagName: "CANVAS", closest: () => ({}) };
  assert.equal(forActiveViewport({ target: inside }), false);
  assert.equal(forActiveViewport({ target: at("canvas[data-viewer=canvas], dialog") }), false);
  assert.equal(forActiveViewport({ target: { tagName: "INPUT", closest: () => null } }), false);
  assert.equal(forActiveViewport({ target: outside, ctrlKey: true }), false);
  assert.equal(forActiveViewport({ target: outside, altKey: true }), false);
  // the reading page took a digit for an answer option
  assert.equal(forActiveViewport({ target: outside, defaultPrevented: true }), false);
});
