// Window/level presets: the image's own stored window first, then CT presets (HU).
export const CT_PRESETS = [
  { title: "Soft tissue", center: 40, width: 400 },
  { title: "Lung", center: -600, width: 1500 },
  { title: "Bone", center: 400, width: 1800 },
  { title: "Brain", center: 40, width: 80 },
];

/** Presets for an image: its own window (if it has one) and, for CT or signed data, the CT ones. */
export function presetsFor({ center, width, modality = "", signed = true }) {
  const own = Number.isFinite(center) && Number.isFinite(width) && width > 0
    ? [{ title: "Image window", center, width, own: true }]
    : [];
  const ct = modality.toUpperCase() === "CT" || (!modality && signed) ? CT_PRESETS : [];
  return [...own, ...ct];
}

/** [min, max] intensities Niivue displays for a centre/width window. */
export function windowRange({ center, width }) {
  return [center - width / 2, center + width / 2];
}
