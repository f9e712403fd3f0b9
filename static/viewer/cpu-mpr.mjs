// Axial, coronal and sagittal planes of a volume drawn on the CPU from its voxels, laid
// out as Niivue lays out its multiplanar view: the viewer shows them (cpu-stage.mjs) while
// Niivue prepares its textures, which without a graphics card takes many seconds.
// Pure functions on typed arrays; tested in tests/viewer/cpu-mpr.test.mjs.

// Each plane: the LPS world axis it cuts, and the world axes (with their sign) that run to
// the screen's right and down, as Niivue shows them: radiological (the patient's left on
// the right), anterior up in the axial plane, superior up, the nose to the right.
export const PLANES = {
  axial: { fixed: 2, right: [0, 1], down: [1, 1] },
  coronal: { fixed: 1, right: [0, 1], down: [2, -1] },
  sagittal: { fixed: 0, right: [1, -1], down: [2, -1] },
};

/**
 * For each LPS world axis, the voxel axis along it and +1/-1 as voxel indices grow with it
 * or against it, from a row-major direction matrix (geometry.mjs); null for an oblique one.
 */
export function worldAxes(direction) {
  const axes = [0, 1, 2].map((w) => {
    const voxel = [0, 1, 2].find((c) => Math.abs(Math.abs(direction[w * 3 + c]) - 1) < 1e-3);
    return voxel === undefined ? null : { voxel, sign: Math.sign(direction[w * 3 + voxel]) };
  });
  if (axes.includes(null) || new Set(axes.map((a) => a.voxel)).size !== 3) return null;
  return axes;
}

/** Where a plane's pixels come from in a volume of `size` voxels with `spacing` mm. */
export function planeSpec(axes, size, spacing, plane) {
  const { fixed, right, down } = PLANES[plane];
  const along = ([world, sign]) => {
    const { voxel, sign: s } = axes[world];
    return { voxel, step: sign * s, count: size[voxel], mm: spacing[voxel] };
  };
  const col = along(right);
  const row = along(down);
  const cut = axes[fixed];
  return {
    plane,
    width: col.count,
    height: row.count,
    mmWidth: col.count * col.mm,
    mmHeight: row.count * row.mm,
    col,
    row,
    // Niivue numbers slices along R, A and S: L and P run against them
    fixed: { voxel: cut.voxel, ras: cut.sign * (fixed < 2 ? -1 : 1), count: size[cut.voxel] },
  };
}

/** The slice number ("n of count", 1-based, as the viewer's label shows it) of `point`. */
export function sliceNumber(spec, point) {
  const { voxel, ras, count } = spec.fixed;
  return ras > 0 ? point[voxel] + 1 : count - point[voxel];
}

/** `point` moved to slice number `n` (clamped) of the plane. */
export function withSlice(spec, point, n) {
  const { voxel, ras, count } = spec.fixed;
  const k = Math.min(count, Math.max(1, Math.round(n)));
  const moved = [...point];
  moved[voxel] = ras > 0 ? k - 1 : count - k;
  return moved;
}

/** The voxel shown at pixel (x, y) of the plane through `point`. */
export function pixelVoxel(spec, point, x, y) {
  const voxel = [...point];
  for (const [axis, at] of [[spec.col, x], [spec.row, y]]) {
    const i = Math.min(axis.count - 1, Math.max(0, Math.floor(at)));
    voxel[axis.voxel] = axis.step > 0 ? i : axis.count - 1 - i;
  }
  return voxel;
}

/** The pixel (x, y) of the plane where `point` lies. */
export function voxelPixel(spec, point) {
  return [spec.col, spec.row].map((axis) => {
    const i = point[axis.voxel];
    return axis.step > 0 ? i : axis.count - 1 - i;
  });
}

/** Niivue's crosshair position (RAS fractions) for `point`: each plane's slice centre. */
export function rasFraction(specs, point) {
  return [specs.sagittal, specs.coronal, specs.axial].map((spec) => (sliceNumber(spec, point) - 0.5) / spec.fixed.count);
}

const LOOKUP = new Map([
  [Uint8Array, 0], [Int8Array, 128], [Uint16Array, 0], [Int16Array, 32768],
]);

/** Grey RGBA (one little-endian uint32 a pixel) of a value under the window [low, high],
 * as Niivue's grey colour map shows it; a lookup table for 8- and 16-bit voxels. */
export function greyTable(Typed, [low, high], invert = false) {
  const scale = 255 / Math.max(high - low, Number.EPSILON);
  const rgba = (v) => {
    const g = Math.min(255, Math.max(0, Math.round((v - low) * scale)));
    return (0xff000000 | ((invert ? 255 - g : g) * 0x010101)) >>> 0;
  };
  const bias = LOOKUP.get(Typed);
  if (bias === undefined) return { rgba };
  const lut = new Uint32Array(Typed === Uint8Array || Typed === Int8Array ? 256 : 65536);
  for (let i = 0; i < lut.length; i++) lut[i] = rgba(i - bias);
  return { rgba, lut, bias };
}

/** Fill `out` (Uint32Array of width × height) with the plane through `point`. */
export function drawPlane(voxels, size, spec, point, table, out) {
  const strides = [1, size[0], size[0] * size[1]];
  const { col, row, fixed } = spec;
  const dx = strides[col.voxel] * col.step;
  const dy = strides[row.voxel] * row.step;
  let start = point[fixed.voxel] * strides[fixed.voxel];
  if (col.step < 0) start += (col.count - 1) * strides[col.voxel];
  if (row.step < 0) start += (row.count - 1) * strides[row.voxel];
  const { lut, bias, rgba } = table;
  let p = 0;
  for (let y = 0; y < spec.height; y++, start += dy) {
    let o = start;
    if (lut) for (let x = 0; x < spec.width; x++, o += dx) out[p++] = lut[voxels[o] + bias];
    else for (let x = 0; x < spec.width; x++, o += dx) out[p++] = rgba(voxels[o]);
  }
  return out;
}

/** [min, max] of the voxels in a pixel box [x0, y0, x1, y1] of the plane through `point`
 * (Niivue's right-drag windowing: the window spans the box's intensities). */
export function boxRange(voxels, size, spec, point, [x0, y0, x1, y1]) {
  let low = Infinity;
  let high = -Infinity;
  const strides = [1, size[0], size[0] * size[1]];
  for (let y = Math.floor(Math.min(y0, y1)); y <= Math.floor(Math.max(y0, y1)); y++) {
    for (let x = Math.floor(Math.min(x0, x1)); x <= Math.floor(Math.max(x0, x1)); x++) {
      const v = pixelVoxel(spec, point, x, y);
      const value = voxels[v[0] * strides[0] + v[1] * strides[1] + v[2] * strides[2]];
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  return high > low ? [low, high] : [low, low + 1];
}

/** The window of voxels that have none stored: their 2nd to 98th percentile, sampled. */
export function robustWindow(voxels, start = 0, count = voxels.length) {
  const step = Math.max(1, Math.floor(count / 4096));
  const sample = [];
  for (let i = 0; i < count; i += step) sample.push(voxels[start + i]);
  sample.sort((a, b) => a - b);
  const low = sample[Math.floor(sample.length * 0.02)];
  const high = sample[Math.floor(sample.length * 0.98)];
  return high > low ? [low, high] : [sample[0], sample[sample.length - 1] + 1];
}

/**
 * Where each plane goes on a canvas of width × height: Niivue's multiplanar grid (coronal
 * top left, sagittal top right, axial below the coronal plane; millimetres to scale,
 * centred), or one plane filling it. Returns [{ plane, left, top, width, height }].
 */
export function tiles(specs, layout, width, height) {
  if (layout in PLANES) {
    const { mmWidth, mmHeight } = specs[layout];
    const scale = Math.min(width / mmWidth, height / mmHeight);
    return [fit(layout, (width - mmWidth * scale) / 2, (height - mmHeight * scale) / 2, mmWidth * scale, mmHeight * scale)];
  }
  const x = specs.axial.mmWidth;
  const y = specs.axial.mmHeight;
  const z = specs.coronal.mmHeight;
  const scale = Math.min(width / (x + y), height / (z + y));
  const left = (width - (x + y) * scale) / 2;
  const top = (height - (z + y) * scale) / 2;
  return [
    fit("coronal", left, top, x * scale, z * scale),
    fit("sagittal", left + x * scale, top, y * scale, z * scale),
    fit("axial", left, top + z * scale, x * scale, y * scale),
  ];
}

function fit(plane, left, top, width, height) {
  return { plane, left, top, width, height };
}

/** The tile under canvas point (x, y), and the plane's pixel there; null outside. */
export function tileAt(layout, specs, x, y) {
  const tile = layout.find((t) => x >= t.left && x < t.left + t.width && y >= t.top && y < t.top + t.height);
  if (!tile) return null;
  const spec = specs[tile.plane];
  return { tile, x: ((x - tile.left) / tile.width) * spec.width, y: ((y - tile.top) / tile.height) * spec.height };
}
