// Heat and probability maps over an image: a colour map and a threshold below which the
// map is transparent. The threshold slider runs 0..1 over the map's own value range.

// Niivue colour maps offered for heat maps; the first is the default.
export const HEATMAP_COLORMAPS = ["warm", "hot", "inferno", "viridis", "plasma", "jet", "cool"];

/** The lowest value shown for a slider fraction; never 0 itself, so zero stays clear. */
export function thresholdValue(fraction, min, max) {
  const f = Math.min(1, Math.max(0, Number(fraction) || 0));
  const low = Number.isFinite(min) ? Math.max(min, 0) : 0;
  const high = Number.isFinite(max) && max > low ? max : low + 1;
  return Math.max(low + f * (high - low), Number.EPSILON);
}

/** The slider's label: "≥ 0.50" (two decimals below 10, whole numbers above). */
export function thresholdLabel(value) {
  if (value <= Number.EPSILON) return "all above 0";
  return `≥ ${Math.abs(value) < 10 ? value.toFixed(2) : Math.round(value)}`;
}
