// Which drawings of the reading page show on the image, as a pure function (tested
// without a browser). As in grand-challenge's viewer, the image shows the drawing of the
// question being answered; with "Show all annotations" (studies that allow it) every
// drawing question's answer shows too, labelled by its question and read-only, beside the
// active question's editable one. Ground truth (educational verification) shows and hides
// with the reader's answer it belongs to, both labelled; a mask's ground truth is painted
// over the image in the truth's colour.

export const TRUTH_COLOUR = "#00e676";
const TRUTH_FALLBACK = "#ffea00"; // when the question itself draws in the truth's colour

/** The options of a question's layer: {hidden, readOnly, showLabel}. */
export function layerState({ pk, active, showAll, readOnly, hasTruth = false }) {
  const isActive = pk === active;
  return {
    hidden: !showAll && !isActive,
    readOnly: readOnly || (showAll && !isActive),
    showLabel: (showAll && !isActive) || hasTruth,
  };
}

/** A colour for the ground truth that differs from the question's own. */
export function truthColour(questionColour) {
  return (questionColour || "").toLowerCase() === TRUTH_COLOUR ? TRUTH_FALLBACK : TRUTH_COLOUR;
}

/** Niivue's label colours for a ground-truth mask: every segment in the truth's colour,
 * named as the correct answer; 0 stays transparent. */
export function truthMaskColormap(segments, colour = TRUTH_COLOUR) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  const cmap = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [""] };
  for (const s of segments) {
    cmap.R.push(r); cmap.G.push(g); cmap.B.push(b); cmap.A.push(255);
    cmap.I.push(s.voxel_value);
    cmap.labels.push(`Correct answer: ${s.name}`);
  }
  return cmap;
}
