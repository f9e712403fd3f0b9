// Which drawings of the reading page show on the image, as a pure function (tested
// without a browser). As in grand-challenge's viewer, the image shows the drawing of the
// question being answered; with "Show all annotations" (studies that allow it) every
// drawing question's answer shows too, labelled by its question and read-only, beside the
// active question's editable one. Ground truth (educational verification) shows and hides
// with the reader's answer it belongs to, both labelled.

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
