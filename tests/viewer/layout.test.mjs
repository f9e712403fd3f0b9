// Hanging-protocol layouts: grid cells from x/y/w/h, side by side without, orientation
// and 3D side views, viewports the page has no content for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { gridPlacement, layoutFor, viewportSettings } from "../../static/viewer/layout.mjs";

const TWO = [
  { viewport_name: "main", x: 0, y: 0, w: 2, h: 2 },
  { viewport_name: "secondary", x: 2, y: 0, w: 1, h: 1, orientation: "coronal" },
  { viewport_name: "tertiary", x: 2, y: 1, w: 1, h: 1, specialized_view: "clientside", order: 0 },
];

test("x/y/w/h become 1-based grid lines spanning w and h", () => {
  const grid = gridPlacement(TWO);
  assert.equal(grid.columns, 3);
  assert.equal(grid.rows, 2);
  assert.deepEqual(grid.cells.main, { column: "1 / span 2", row: "1 / span 2", order: 0 });
  assert.deepEqual(grid.cells.secondary, { column: "3 / span 1", row: "1 / span 1", order: 1 });
  assert.deepEqual(grid.cells.tertiary, { column: "3 / span 1", row: "2 / span 1", order: 0 });
});

test("without a grid the viewports sit side by side; nested ones stay off the grid", () => {
  const grid = gridPlacement([
    { viewport_name: "main" },
    { viewport_name: "secondary" },
    { viewport_name: "mini", specialized_view: "minimap", parent_id: "main" },
  ]);
  assert.equal(grid.columns, 2);
  assert.equal(grid.rows, 1);
  assert.deepEqual(Object.keys(grid.cells), ["main", "secondary"]);
  assert.equal(grid.cells.secondary.column, "2 / span 1");
});

test("an empty protocol is refused", () => {
  assert.throws(() => gridPlacement([]), /at least one viewport/);
  assert.throws(() => gridPlacement(null), /at least one viewport/);
});

test("orientation, 3D side views and labels set how a viewport opens", () => {
  assert.equal(viewportSettings(TWO, "main").plane, null);
  assert.equal(viewportSettings(TWO, "secondary").plane, "coronal");
  const side = [{ viewport_name: "main" }, { viewport_name: "s3d", specialized_view: "3D-sideview", parent_id: "main", orientation: "axial", label: "3D" }];
  assert.deepEqual(viewportSettings(side, "s3d"), {
    plane: "render", label: "3D", nested: true, linkable: true, showSlice: true, showReadout: true,
  });
  const quiet = [{ viewport_name: "main", show_current_slice: false, show_mouse_coordinate: false, show_mouse_voxel_value: false, linkable: false }];
  assert.deepEqual(viewportSettings(quiet, "main"), {
    plane: null, label: "", nested: false, linkable: false, showSlice: false, showReadout: false,
  });
  assert.equal(viewportSettings(TWO, "nonary"), null);
});

test("a layout shows the protocol's viewports the page has, hides the others", () => {
  const one = [{ viewport_name: "main", x: 0, y: 0, w: 1, h: 1 }];
  const layout = layoutFor(one, ["main", "secondary"]);
  assert.deepEqual(layout.viewports.map((v) => [v.name, v.visible]), [["main", true], ["secondary", false]]);
  assert.equal(layout.viewports[1].cell, null);
  assert.deepEqual(layoutFor(TWO, ["main", "secondary"]).empty, ["tertiary"]);
});
