// GC's slice_plane_indicator: a viewport shows the line where another viewport's plane
// cuts it, following that viewport's slice (and fading out after slice_plane_indicator_fade_ms).
// planeLine is pure (tests/viewer/); drawIndicator paints it over a viewer's canvas.

/**
 * The segment of a tile where the world plane `world[axis] == value` crosses it.
 * `toWorld(x, y)` maps tile pixels to world mm and is affine (a 2D slice); the tile spans
 * [0, width] × [0, height]. Returns { x1, y1, x2, y2 } or null when the plane misses the
 * tile or lies in it (parallel planes have no line).
 */
export function planeLine(toWorld, axis, value, width, height) {
  const f = (x, y) => toWorld(x, y)[axis] - value;
  // sampled at the tile's centre: the viewer maps only points on its image
  const [mx, my] = [width / 2, height / 2];
  const a = f(mx + 1, my) - f(mx, my);
  const b = f(mx, my + 1) - f(mx, my);
  const c = f(mx, my) - a * mx - b * my;
  const tiny = 1e-9 * (Math.abs(a) + Math.abs(b) + 1);
  if (Math.abs(a) < tiny && Math.abs(b) < tiny) return null;
  // where a·x + b·y + c = 0 meets the tile's four edges, inside them
  const hits = [];
  const add = (x, y) => {
    const inside = x >= -1e-6 && x <= width + 1e-6 && y >= -1e-6 && y <= height + 1e-6;
    if (inside && !hits.some((h) => Math.hypot(h[0] - x, h[1] - y) < 1e-6)) hits.push([x, y]);
  };
  if (Math.abs(b) >= tiny) {
    add(0, -c / b);
    add(width, -(a * width + c) / b);
  }
  if (Math.abs(a) >= tiny) {
    add(-c / a, 0);
    add(-(b * height + c) / a, height);
  }
  if (hits.length < 2) return null;
  const [[x1, y1], [x2, y2]] = hits;
  return { x1: x1 + 0, y1: y1 + 0, x2: x2 + 0, y2: y2 + 0 }; // + 0: no -0
}

const COLOUR = "rgb(0, 200, 255)";

/** Paint on `overlay` (a canvas over `viewer`'s) where `leader`'s plane cuts `viewer`'s slice. */
export function drawIndicator(overlay, viewer, leader) {
  const nv = viewer.nv;
  const rect = viewer.el("canvas").getBoundingClientRect();
  overlay.width = Math.round(rect.width);
  overlay.height = Math.round(rect.height);
  const ctx = overlay.getContext("2d");
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  const axis = { axial: 2, coronal: 1, sagittal: 0 }[leader.plane];
  const tile = nv?.screenSlices?.find((s) => s.axCorSag !== 4);
  if (axis === undefined || !tile || !leader.nv || !(viewer.plane in { axial: 1, coronal: 1, sagittal: 1 })) return false;
  const value = leader.nv.frac2mm(leader.nv.scene.crosshairPos)[axis];
  const [left, top, width, height] = tile.leftTopWidthHeight; // device pixels
  const toWorld = (x, y) => nv.frac2mm(nv.canvasPos2frac([left + x, top + y]));
  const line = planeLine(toWorld, axis, value, width - 1, height - 1);
  if (!line) return false;
  const dpr = nv.uiData?.dpr || window.devicePixelRatio || 1;
  ctx.strokeStyle = COLOUR;
  ctx.lineWidth = 2;
  ctx.setLineDash([8, 4]);
  ctx.beginPath();
  ctx.moveTo((left + line.x1) / dpr, (top + line.y1) / dpr);
  ctx.lineTo((left + line.x2) / dpr, (top + line.y2) / dpr);
  ctx.stroke();
  return true;
}
