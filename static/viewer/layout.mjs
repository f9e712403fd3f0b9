// Hanging-protocol layout (GC contracts §C.1): where each viewport sits on the page grid
// and how it opens. Pure functions, no DOM: hanging.mjs applies them to the page.

/** Viewports drawn on the grid: those not nested in a parent (minimaps, draggables). */
export function topLevel(protocol) {
  const top = protocol.filter((v) => !v.parent_id);
  return top.length ? top : protocol;
}

/**
 * CSS grid placement of a protocol's top-level viewports. With x/y/w/h the viewports
 * take those cells (grid lines are 1-based); without, they sit side by side in a row.
 * Returns { columns, rows, cells: { name: { column, row, order } } }.
 */
export function gridPlacement(protocol) {
  if (!Array.isArray(protocol) || protocol.length === 0) throw new Error("A hanging protocol lists at least one viewport.");
  const views = topLevel(protocol);
  const gridded = views.every((v) => ["x", "y", "w", "h"].every((k) => Number.isInteger(v[k])));
  const boxes = views.map((v, i) => (gridded ? { x: v.x, y: v.y, w: v.w, h: v.h } : { x: i, y: 0, w: 1, h: 1 }));
  const columns = Math.max(...boxes.map((b) => b.x + b.w));
  const rows = Math.max(...boxes.map((b) => b.y + b.h));
  const cells = {};
  const z = stacking(views);
  views.forEach((v, i) => {
    const b = boxes[i];
    cells[v.viewport_name] = {
      column: `${b.x + 1} / span ${b.w}`,
      row: `${b.y + 1} / span ${b.h}`,
      // GC: the lowest order is most in front; in reading order for the keyboard otherwise
      order: Number.isInteger(v.order) ? v.order : i,
      zIndex: z[v.viewport_name],
    };
  });
  return { columns, rows, cells };
}

/**
 * CSS z-index of each viewport from GC's `order` (lowest most in front) where viewports
 * overlap: 1 for the highest order, counting up towards the front; 0 without an order.
 */
export function stacking(protocol) {
  const orders = protocol.map((v) => v.order).filter(Number.isInteger);
  const highest = orders.length ? Math.max(...orders) : 0;
  return Object.fromEntries(
    protocol.map((v) => [v.viewport_name, Number.isInteger(v.order) ? highest - v.order + 1 : 0]),
  );
}

/** The 1-based slice a viewport opens at: GC's relative_start_position (0 first … 1 last). */
export function startSlice(position, count) {
  const p = Number.isFinite(position) ? Math.min(1, Math.max(0, position)) : 0.5;
  return 1 + Math.round(p * (count - 1));
}

const PLANES = new Set(["axial", "coronal", "sagittal"]);

/** How a viewport's viewer opens: its plane (GC orientation; a 3D side view renders) and label. */
export function viewportSettings(protocol, name) {
  const v = protocol.find((p) => p.viewport_name === name);
  if (!v) return null;
  let plane = null;
  if (v.specialized_view === "3D-sideview") plane = "render";
  else if (PLANES.has(v.orientation)) plane = v.orientation;
  return {
    plane,
    label: v.label || "",
    nested: Boolean(v.parent_id),
    linkable: v.linkable !== false,
    showSlice: v.show_current_slice !== false,
    // the readout shows what the protocol leaves on; it hides when both are off
    showReadout: v.show_mouse_coordinate !== false || v.show_mouse_voxel_value !== false,
    readout: readoutParts(v),
    // whole-slide images: the scale bar unless the protocol hides it
    scalebar: v.scalebar_visible !== false,
    startPosition: Number.isFinite(v.relative_start_position) ? v.relative_start_position : 0.5,
    // the line where the named viewport's plane cuts this one; fadeMs null: it stays
    indicator: v.slice_plane_indicator
      ? { of: v.slice_plane_indicator, fadeMs: Number.isFinite(v.slice_plane_indicator_fade_ms) ? v.slice_plane_indicator_fade_ms : null }
      : null,
    fullsizable: v.fullsizable === true,
    opacity: Number.isFinite(v.opacity) ? Math.min(1, Math.max(0, v.opacity)) : 1,
    selectable: v.selectable !== false,
    // the user drags it inside its parent (or the layout, without one)
    draggable: v.draggable === true,
    parent: v.parent_id || null,
  };
}

/**
 * The page's layout for one protocol: which viewport elements show, where, and how.
 * `available` lists the viewport names the page has content for.
 */
export function layoutFor(protocol, available) {
  const { columns, rows, cells } = gridPlacement(protocol);
  const top = Object.keys(cells).filter((name) => available.includes(name));
  // nested viewports (draggable, minimap, 3D side view) show inside a shown parent
  const nested = protocol
    .filter((v) => v.parent_id && top.includes(v.parent_id) && available.includes(v.viewport_name))
    .map((v) => v.viewport_name);
  const shown = [...top, ...nested];
  return {
    columns,
    rows,
    viewports: available.map((name) => ({
      name,
      visible: shown.includes(name),
      cell: cells[name] || null,
      settings: viewportSettings(protocol, name),
    })),
    // viewports of the protocol the page has nothing for: shown as empty cells
    empty: Object.keys(cells).filter((name) => !available.includes(name)),
  };
}

/** What a viewport's readout names: "coordinate" (world mm and voxel), "value", or both. */
function readoutParts(v) {
  const parts = [];
  if (v.show_mouse_coordinate !== false) parts.push("coordinate");
  if (v.show_mouse_voxel_value !== false) parts.push("value");
  return parts.join(" ");
}

/**
 * The readout under the mouse: the world point and its voxel, and the voxel's value, as
 * far as `parts` (readoutParts; absent: both) asks. `voxel` null: outside the image.
 */
export function readoutText({ point, voxel, value, parts = "coordinate value" }) {
  const wanted = new Set(parts.split(" "));
  if (!voxel) return wanted.has("coordinate") ? `${point} · outside the image` : "outside the image";
  const text = [];
  if (wanted.has("coordinate")) text.push(point, `voxel ${voxel.join(", ")}`);
  if (wanted.has("value")) text.push(`value ${value}`);
  return text.join(" · ");
}

// specialized views this viewer does not draw (3D side views it does: a 3D rendering; the
// intensity over time is charted under every 4D image's time slider, time-curve.mjs)
const UNDRAWN = {
  minimap: "a minimap",
  clientside: "a client-side view",
};

/** A sentence for each viewport of the protocol the viewer leaves out, naming it. */
export function undrawnViews(protocol) {
  return protocol
    .filter((v) => v.specialized_view in UNDRAWN)
    .map((v) => `Viewport '${v.viewport_name}' is ${UNDRAWN[v.specialized_view]}, which this viewer does not draw.`);
}
