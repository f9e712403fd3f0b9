// The keyboard help: every shortcut the viewer handles is listed; typing is not a shortcut.
import assert from "node:assert/strict";
import { test } from "node:test";

import { isTyping, SHORTCUTS } from "../../static/viewer/help.mjs";

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
