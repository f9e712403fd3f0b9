// Screen <-> world for Niivue's 2D tiles, and the in-plane geometry of drawing and
// editing. A tile is one of Niivue's `screenSlices` entries: its canvas rectangle
// (device pixels), the millimetres it shows (`leftTopMM`, `fovMM`) and its plane
// (`AxyzMxy`). With isSliceMM the tile's plane coordinates (u, v, depth) are RAS
// millimetres in a per-plane order; the viewer's shapes are in LPS (geometry.mjs).
import { rasToLps } from "./geometry.mjs";

const lpsToRas = rasToLps; // the same flip both ways

/** RAS mm -> [u, v, depth] of a plane (0 axial, 1 coronal, 2 sagittal), as Niivue swizzles. */
export function toPlane(ras, axCorSag) {
  if (axCorSag === 1) return [ras[0], ras[2], ras[1]];
  if (axCorSag === 2) return [ras[1], ras[2], ras[0]];
  return [ras[0], ras[1], ras[2]];
}

/** [u, v, depth] of a plane -> RAS mm. */
export function fromPlane(uvd, axCorSag) {
  if (axCorSag === 1) return [uvd[0], uvd[2], uvd[1]];
  if (axCorSag === 2) return [uvd[2], uvd[0], uvd[1]];
  return [uvd[0], uvd[1], uvd[2]];
}

/** Niivue's 2D slice tiles (not the 3D rendering). */
export function sliceTiles(screenSlices) {
  return (screenSlices ?? []).filter(
    (t) => t.axCorSag <= 2 && t.AxyzMxy?.length >= 5 && Number.isFinite(t.sliceFrac) && t.fovMM?.length >= 2,
  );
}

function rect(tile) {
  // a negative width is Niivue's mirrored tile
  const [l, t, w, h] = tile.leftTopWidthHeight;
  return w < 0 ? { l: l + w, t, w: -w, h, mirror: true } : { l, t, w, h, mirror: false };
}

/** The tile under a canvas point (device pixels), or null. */
export function tileAt(tiles, [x, y]) {
  return tiles.find((tile) => {
    const r = rect(tile);
    return x >= r.l && x <= r.l + r.w && y >= r.t && y <= r.t + r.h;
  }) ?? null;
}

/** Canvas point -> in-plane [u, v] mm (Niivue's screenXY2TextureFrac, unclipped). */
export function screenToUv(tile, [x, y]) {
  const r = rect(tile);
  let fx = (x - r.l) / r.w;
  if (r.mirror) fx = 1 - fx;
  const fy = 1 - (y - r.t) / r.h;
  return [tile.leftTopMM[0] + fx * tile.fovMM[0], tile.leftTopMM[1] + fy * tile.fovMM[1]];
}

/** In-plane [u, v] mm -> canvas point. */
export function uvToScreen(tile, [u, v]) {
  const r = rect(tile);
  let fx = (u - tile.leftTopMM[0]) / tile.fovMM[0];
  if (r.mirror) fx = 1 - fx;
  const fy = (v - tile.leftTopMM[1]) / tile.fovMM[1];
  return [r.l + fx * r.w, r.t + (1 - fy) * r.h];
}

/** Depth of the tile's plane at [u, v] (flat unless Niivue tilts it). */
export function planeDepth(tile, [u, v]) {
  const a = tile.AxyzMxy;
  return a[2] + a[4] * (v - a[1]) - a[3] * (u - a[0]);
}

/** In-plane [u, v] -> world LPS mm on the tile's plane. */
export function uvToWorld(tile, uv) {
  return rasToLps(fromPlane([uv[0], uv[1], planeDepth(tile, uv)], tile.axCorSag));
}

/** World LPS mm -> {uv, off}: in-plane position and distance (mm) from the tile's plane. */
export function worldToUv(tile, lps) {
  const [u, v, d] = toPlane(lpsToRas(lps), tile.axCorSag);
  return { uv: [u, v], off: Math.abs(d - planeDepth(tile, [u, v])) };
}

export function screenToWorld(tile, xy) {
  return uvToWorld(tile, screenToUv(tile, xy));
}

/** World LPS -> canvas point, or null when farther than `tolerance` mm from the plane. */
export function worldToScreen(tile, lps, tolerance = Infinity) {
  const { uv, off } = worldToUv(tile, lps);
  return off <= tolerance ? uvToScreen(tile, uv) : null;
}

/** Canvas points of all `points`, or null unless every one lies in the tile's plane. */
export function projectShape(tile, points, tolerance) {
  const out = [];
  for (const p of points) {
    const xy = worldToScreen(tile, p, tolerance);
    if (!xy) return null;
    out.push(xy);
  }
  return out;
}

// --- building and editing shapes in a plane (all in [u, v] mm) ---

/** The four corners of the in-plane rectangle spanned by a and b, a first, b third. */
export function rectangle(a, b) {
  return [a, [b[0], a[1]], b, [a[0], b[1]]];
}

/** Major then minor axis endpoints of the axis-aligned ellipse inside the a-b rectangle. */
export function ellipseInRect(a, b) {
  const c = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const horizontal = [[a[0], c[1]], [b[0], c[1]]];
  const vertical = [[c[0], a[1]], [c[0], b[1]]];
  return Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? [...horizontal, ...vertical] : [...vertical, ...horizontal];
}

/** The uv points of a new shape of `type` from a drag between a and b. */
export function dragShape(type, a, b) {
  if (type === "2D bounding box") return rectangle(a, b);
  if (type === "Ellipse") return ellipseInRect(a, b);
  return [a, b];
}

/** uv points after handle `i` of a shape moved to `to`: boxes stay rectangles in the
 * plane (the opposite corner holds), ellipses keep their centre and perpendicular axes. */
export function moveHandle(type, points, i, to) {
  const p = points.map((q) => [...q]);
  if (type === "2D bounding box" && p.length === 4) {
    const r = rectangle(to, p[(i + 2) % 4]);
    return p.map((_, k) => r[(k - i + 4) % 4]);
  }
  if (type === "Ellipse" && p.length === 4) {
    const axis = i < 2 ? 0 : 2; // the axis the handle belongs to
    const other = axis === 0 ? 2 : 0;
    const c = [(p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2];
    const d = [to[0] - c[0], to[1] - c[1]];
    const sign = i % 2 === 0 ? 1 : -1;
    p[axis] = [c[0] + sign * d[0], c[1] + sign * d[1]];
    p[axis + 1] = [c[0] - sign * d[0], c[1] - sign * d[1]];
    const half = Math.hypot(p[other][0] - p[other + 1][0], p[other][1] - p[other + 1][1]) / 2;
    const len = Math.hypot(d[0], d[1]) || 1;
    const perp = [(-d[1] / len) * half, (d[0] / len) * half];
    p[other] = [c[0] + perp[0], c[1] + perp[1]];
    p[other + 1] = [c[0] - perp[0], c[1] - perp[1]];
    return p;
  }
  p[i] = [...to];
  return p;
}

// --- hit tests (canvas pixels) ---

export function distanceToSegment(p, a, b) {
  const d = [b[0] - a[0], b[1] - a[1]];
  const len2 = d[0] * d[0] + d[1] * d[1];
  const t = len2 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2)) : 0;
  return Math.hypot(p[0] - a[0] - t * d[0], p[1] - a[1] - t * d[1]);
}

export function insidePolygon(p, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The segments a shape is drawn with, from its canvas points. */
export function outline(type, xy) {
  const seg = (a, b) => [xy[a], xy[b]];
  if (type === "2D bounding box" || type === "Polygon") return xy.map((_, i) => [xy[i], xy[(i + 1) % xy.length]]);
  if (type === "Angle") return [seg(0, 1), seg(2, 3)];
  if (type === "Ellipse") return [seg(0, 1), seg(2, 3)];
  return xy.slice(1).map((_, i) => [xy[i], xy[i + 1]]);
}

/** Index of the handle (point) within `radius` of p, or -1. */
export function handleAt(p, xy, radius) {
  let best = -1;
  let bestD = radius;
  xy.forEach((q, i) => {
    const d = Math.hypot(p[0] - q[0], p[1] - q[1]);
    if (d <= bestD) [best, bestD] = [i, d];
  });
  return best;
}

/** Whether p touches the shape: near its outline, or inside a closed one. */
export function hitsShape(type, xy, p, radius) {
  if (handleAt(p, xy, radius) >= 0) return true;
  if (outline(type, xy).some(([a, b]) => distanceToSegment(p, a, b) <= radius)) return true;
  if (type === "2D bounding box" || type === "Polygon") return insidePolygon(p, xy);
  if (type === "Ellipse") {
    const c = [(xy[0][0] + xy[1][0]) / 2, (xy[0][1] + xy[1][1]) / 2];
    const a = Math.hypot(xy[0][0] - c[0], xy[0][1] - c[1]);
    const b = Math.hypot(xy[2][0] - c[0], xy[2][1] - c[1]);
    if (!a || !b) return false;
    const angle = Math.atan2(xy[0][1] - c[1], xy[0][0] - c[0]);
    const dx = p[0] - c[0];
    const dy = p[1] - c[1];
    const x = dx * Math.cos(angle) + dy * Math.sin(angle);
    const y = -dx * Math.sin(angle) + dy * Math.cos(angle);
    return (x / a) ** 2 + (y / b) ** 2 <= 1;
  }
  return false;
}
