// Label-map colours for Niivue from a socket's overlay segments
// ([{name, voxel_value, visible}], GC's shape); hidden segments get alpha 0.

// Distinct colours in segment order (Tableau 10), repeated for more segments.
export const PALETTE = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** A Niivue label colormap {R, G, B, A, I, labels}; voxel value 0 stays transparent. */
export function labelColormap(segments, hidden = new Set()) {
  const cmap = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [""] };
  segments.forEach((segment, i) => {
    const [r, g, b] = PALETTE[i % PALETTE.length];
    cmap.R.push(r);
    cmap.G.push(g);
    cmap.B.push(b);
    cmap.A.push(hidden.has(segment.voxel_value) ? 0 : 255);
    cmap.I.push(segment.voxel_value);
    cmap.labels.push(segment.name);
  });
  return cmap;
}

/** CSS colour of segment i, for the legend next to its visibility checkbox. */
export function segmentColour(i) {
  const [r, g, b] = PALETTE[i % PALETTE.length];
  return `rgb(${r}, ${g}, ${b})`;
}
