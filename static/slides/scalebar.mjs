// The scale bar's length and label: the longest 1, 2 or 5 × 10^n micrometres that fits in
// `maxPixels` screen pixels at `micronsPerPixel`. Pure, so node tests it.

export function scaleBar(micronsPerPixel, maxPixels = 150) {
  if (!(micronsPerPixel > 0) || !(maxPixels > 0)) return null;
  const most = micronsPerPixel * maxPixels;
  let step = 10 ** Math.floor(Math.log10(most));
  for (const factor of [5, 2, 1]) {
    if (factor * step <= most) {
      step *= factor;
      break;
    }
  }
  return { pixels: step / micronsPerPixel, microns: step, label: lengthLabel(step) };
}

export function lengthLabel(microns) {
  if (microns >= 1000) return `${trim(microns / 1000)} mm`;
  if (microns >= 1) return `${trim(microns)} µm`;
  return `${trim(microns * 1000)} nm`;
}

function trim(value) {
  return String(Number(value.toPrecision(6)));
}
