// Voxel <-> world (mm) for ITK/SimpleITK images, in ITK's LPS world as stored in the
// image's metadata: world = origin + D · (spacing ⊙ index), D the row-major direction
// matrix (SimpleITK's GetDirection()). Niivue works in RAS; the viewer reports LPS so
// readouts and annotations match SimpleITK's TransformIndexToPhysicalPoint and GC's JSON.

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Geometry from the image's metadata (origin_mm, spacing, direction); 2D padded to 3D,
 * 4D (x, y, z, t) cut to its spatial part. */
export function geometry({ origin = [0, 0, 0], spacing = [1, 1, 1], direction = [] } = {}) {
  const o = [0, 1, 2].map((i) => Number(origin[i] ?? 0));
  const s = [0, 1, 2].map((i) => Number(spacing[i] ?? 1) || 1);
  let d = IDENTITY;
  if (direction.length === 9) d = direction.map(Number);
  else if (direction.length === 16) d = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => Number(direction[r * 4 + c])));
  else if (direction.length === 4) d = [direction[0], direction[1], 0, direction[2], direction[3], 0, 0, 0, 1].map(Number);
  return { origin: o, spacing: s, direction: d };
}

/** Continuous voxel index (x, y, z) -> world point in mm. */
export function voxelToWorld(g, index) {
  const scaled = [0, 1, 2].map((i) => Number(index[i] ?? 0) * g.spacing[i]);
  return [0, 1, 2].map(
    (r) => g.origin[r] + g.direction[r * 3] * scaled[0] + g.direction[r * 3 + 1] * scaled[1] + g.direction[r * 3 + 2] * scaled[2],
  );
}

/** World point in mm -> continuous voxel index, using D⁻¹ = Dᵀ (direction cosines are orthonormal). */
export function worldToVoxel(g, point) {
  const rel = [0, 1, 2].map((i) => Number(point[i] ?? 0) - g.origin[i]);
  return [0, 1, 2].map(
    (c) => (g.direction[c] * rel[0] + g.direction[3 + c] * rel[1] + g.direction[6 + c] * rel[2]) / g.spacing[c],
  );
}

/** Nearest integer voxel, or null when the point lies outside an image of `size`. */
export function nearestVoxel(index, size) {
  const v = [0, 1, 2].map((i) => Math.round(index[i]) + 0); // + 0: no -0 in the readout
  for (let i = 0; i < 3; i++) if (v[i] < 0 || v[i] >= (size[i] ?? 1)) return null;
  return v;
}

/** Niivue's RAS millimetres -> LPS millimetres (flip x and y). */
export function rasToLps(mm) {
  return [-mm[0], -mm[1], mm[2]];
}

/** "x, y, z mm" with one decimal, for the crosshair readout. */
export function formatPoint(point) {
  return `${point.map((v) => (Math.abs(v) < 0.05 ? 0 : v).toFixed(1)).join(", ")} mm`;
}
