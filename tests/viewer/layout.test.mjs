// Hanging-protocol layouts: grid cells from x/y/w/h, side by side without, orientation
// and 3D side views, viewports the page has no content for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { gridPlacement, layoutFor, readoutText, stacking, startSlice, undrawnViews, viewportSettings } from "../../static/viewer/layout.mjs";
import { planeLine } from "../../static/viewer/slice-indicator.mjs";

const TWO = [
  { viewport_name: "main", x: 0, y: 0, w: 2, h: 2 },
  { viewport_name: "secondary", x: 2, y: 0, w: 1, h: 1, orientation: "coronal" },
  { viewport_name: "tertiary", x: 2, y: 1, w: 1, h: 1, specialized_view: "clientside", order: 0 },
];

test("x/y/w/h become 1-based grid lines spanning w and h", () => {
  const grid = gridPlacement(TWO);
  assert.equal(grid.columns, 3);
  assert.equal(grid.rows, 2);
  assert.deepEqual(grid.cells.main, { column: "1 / span 2", row: "1 / span 2", order: 0, zIndex: 0 });
  assert.deepEqual(grid.cells.secondary, { column: "3 / span 1", row: "1 / span 1", order: 1, zIndex: 0 });
  assert.deepEqual(grid.cells.tertiary, { column: "3 / span 1", row: "2 / span 1", order: 0, zIndex: 1 });
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
    readout: "coordinate value", scalebar: true, startPosition: 0.5, indicator: null, fullsizable: false, opacity: 1, selectable: true,
    draggable: false, parent: "main",
  });
  const quiet = [{ viewport_name: "main", show_current_slice: false, show_mouse_coordinate: false, show_mouse_voxel_value: false, linkable: false }];
  assert.deepEqual(viewportSettings(quiet, "main"), {
    plane: null, label: "", nested: false, linkable: false, showSlice: false, showReadout: false,
    readout: "", scalebar: true, startPosition: 0.5, indicator: null, fullsizable: false, opacity: 1, selectable: true,
    draggable: false, parent: null,
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

const KEYS = [
  { viewport_name: "main", x: 0, y: 0, w: 1, h: 1, order: 2, fullsizable: true, selectable: false, relative_start_position: 0 },
  { viewport_name: "secondary", x: 0, y: 0, w: 1, h: 1, order: 0, opacity: 0.4, orientation: "coronal", relative_start_position: 1, slice_plane_indicator: "main", slice_plane_indicator_fade_ms: 250 },
  { viewport_name: "tertiary", x: 1, y: 0, w: 1, h: 1, order: 1, slice_plane_indicator: "secondary", opacity: 7 },
  { viewport_name: "drag", draggable: true, parent_id: "tertiary", orientation: "sagittal" },
];

test("order stacks overlapping viewports: the lowest order most in front", () => {
  assert.deepEqual(stacking(KEYS), { main: 1, secondary: 3, tertiary: 2, drag: 0 });
  const cells = gridPlacement(KEYS).cells;
  assert.ok(cells.secondary.zIndex > cells.tertiary.zIndex && cells.tertiary.zIndex > cells.main.zIndex);
  assert.deepEqual(stacking([{ viewport_name: "main" }]), { main: 0 });
});

test("relative_start_position picks the first, last or middle slice", () => {
  assert.equal(startSlice(0, 40), 1);
  assert.equal(startSlice(1, 40), 40);
  assert.equal(startSlice(0.5, 41), 21);
  assert.equal(startSlice(undefined, 41), 21);
  assert.equal(startSlice(3, 10), 10); // out of range: clamped
  assert.equal(startSlice(0.5, 1), 1);
  assert.equal(viewportSettings(KEYS, "main").startPosition, 0);
  assert.equal(viewportSettings(KEYS, "secondary").startPosition, 1);
  assert.equal(viewportSettings(KEYS, "tertiary").startPosition, 0.5);
});

test("fullsizable, selectable, opacity, indicators and dragging come from the protocol", () => {
  const main = viewportSettings(KEYS, "main");
  assert.equal(main.fullsizable, true);
  assert.equal(main.selectable, false);
  assert.equal(main.indicator, null);
  const secondary = viewportSettings(KEYS, "secondary");
  assert.equal(secondary.fullsizable, false); // only where the protocol says true
  assert.equal(secondary.opacity, 0.4);
  assert.deepEqual(secondary.indicator, { of: "main", fadeMs: 250 });
  assert.deepEqual(viewportSettings(KEYS, "tertiary").indicator, { of: "secondary", fadeMs: null });
  assert.equal(viewportSettings(KEYS, "tertiary").opacity, 1); // clamped to 0..1
  assert.equal(viewportSettings(KEYS, "drag").draggable, true);
  assert.equal(viewportSettings(KEYS, "drag").parent, "tertiary");
});

test("a nested viewport shows inside a shown parent, off the grid", () => {
  const layout = layoutFor(KEYS, ["main", "secondary", "tertiary", "drag"]);
  const drag = layout.viewports.find((v) => v.name === "drag");
  assert.equal(drag.visible, true);
  assert.equal(drag.cell, null);
  const orphan = layoutFor(KEYS, ["main", "drag"]).viewports.find((v) => v.name === "drag");
  assert.equal(orphan.visible, false); // its parent is not on the page
});

test("the plane line crosses a tile where the other viewport's plane cuts it", () => {
  // an axial tile 100 × 50 px at 2 mm per pixel: x → R, y → A (down the screen: anterior less)
  const axial = (x, y) => [x * 2, 100 - y * 2, 7];
  // a coronal plane at A = 60 mm: a horizontal line at y = 20
  assert.deepEqual(planeLine(axial, 1, 60, 100, 50), { x1: 0, y1: 20, x2: 100, y2: 20 });
  // a sagittal plane at R = 50 mm: a vertical line at x = 25
  assert.deepEqual(planeLine(axial, 0, 50, 100, 50), { x1: 25, y1: 0, x2: 25, y2: 50 });
  // outside the tile, or parallel to it: no line
  assert.equal(planeLine(axial, 1, 500, 100, 50), null);
  assert.equal(planeLine(axial, 2, 7, 100, 50), null);
  // an oblique tile: the line runs corner to corner
  const oblique = (x, y) => [x + y, 0, 0];
  assert.deepEqual(planeLine(oblique, 0, 10, 10, 10), { x1: 0, y1: 10, x2: 10, y2: 0 });
});

test("the readout names the coordinate, the value or both, as the protocol asks", () => {
  const at = (v) => viewportSettings([{ viewport_name: "main", ...v }], "main");
  const here = { point: "1.0, 2.0, 3.0 mm", voxel: [4, 5, 6], value: "-1000" };
  const text = (v) => readoutText({ ...here, parts: at(v).readout });
  assert.equal(text({}), "1.0, 2.0, 3.0 mm · voxel 4, 5, 6 · value -1000");
  assert.equal(readoutText(here), "1.0, 2.0, 3.0 mm · voxel 4, 5, 6 · value -1000");
  assert.equal(text({ show_mouse_voxel_value: false }), "1.0, 2.0, 3.0 mm · voxel 4, 5, 6");
  assert.equal(text({ show_mouse_coordinate: false }), "value -1000");
  assert.equal(at({ show_mouse_coordinate: false }).showReadout, true);
  const outside = { ...here, voxel: null };
  assert.equal(readoutText({ ...outside, parts: at({}).readout }), "1.0, 2.0, 3.0 mm · outside the image");
  assert.equal(readoutText({ ...outside, parts: at({ show_mouse_coordinate: false }).readout }), "outside the image");
});

test("scalebar_visible: false hides a slide's scale bar; it shows otherwise", () => {
  assert.equal(viewportSettings([{ viewport_name: "main", scalebar_visible: false }], "main").scalebar, false);
  assert.equal(viewportSettings([{ viewport_name: "main", scalebar_visible: true }], "main").scalebar, true);
  assert.equal(viewportSettings([{ viewport_name: "main" }], "main").scalebar, true);
});

test("specialized views the viewer does not draw are named; 3D side views and time charts are drawn", () => {
  const notes = undrawnViews([
    { viewport_name: "main" },
    { viewport_name: "mini", specialized_view: "minimap", parent_id: "main" },
    { viewport_name: "s3d", specialized_view: "3D-sideview", parent_id: "main", orientation: "axial" },
    { viewport_name: "secondary", specialized_view: "clientside" },
    { viewport_name: "tertiary", specialized_view: "intensity-over-time-chart", parent_id: "main" },
  ]);
  assert.deepEqual(notes, [
    "Viewport 'mini' is a minimap, which this viewer does not draw.",
    "Viewport 'secondary' is a client-side view, which this viewer does not draw.",
  ]);
  assert.deepEqual(undrawnViews([{ viewport_name: "main" }]), []);
});
