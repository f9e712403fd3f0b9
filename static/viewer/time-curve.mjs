// 4D images: the intensity at the crosshair over the time points (GC's
// intensity-over-time chart), drawn under the time slider and following the crosshair and
// the slider. curvePoints is pure (tests/viewer/); TimeCurve draws it in the viewer.

const SVG = "http://www.w3.org/2000/svg";
const [WIDTH, HEIGHT, PAD] = [300, 90, 6];

/**
 * Where each value sits on a chart of `width` × `height` (SVG coordinates, y down) with
 * `pad` around: time points evenly from left to right, the lowest value at the bottom.
 * A flat curve runs through the middle.
 */
export function curvePoints(values, width = WIDTH, height = HEIGHT, pad = PAD) {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  return values.map((v, i) => [
    pad + i * step,
    span > 0 ? height - pad - ((v - low) / span) * (height - 2 * pad) : height / 2,
  ]);
}

/** A short text of the curve for screen readers and the caption. */
export function curveSummary(values, voxel) {
  const shown = values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(2)));
  return `Intensity at voxel ${voxel.join(", ")} over ${values.length} time points: ${shown.join(", ")}`;
}

export class TimeCurve {
  /** `viewer`: an open Viewer (viewer.mjs) whose first volume has several time points. */
  constructor(viewer) {
    this.viewer = viewer;
    this.figure = viewer.el("time-curve");
    if (!this.figure) return;
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute("aria-hidden", "true"); // the caption says it in words
    this.line = document.createElementNS(SVG, "polyline");
    this.marker = document.createElementNS(SVG, "circle");
    this.marker.setAttribute("r", "4");
    this.svg.append(this.line, this.marker);
    this.caption = document.createElement("figcaption");
    this.figure.replaceChildren(this.svg, this.caption);
    this.figure.hidden = false;
    viewer.root.addEventListener("tessera:located", () => this.update());
    viewer.el("time").addEventListener("input", () => this.update());
    this.update();
  }

  /** The values of the crosshair's voxel at every time point, or null outside the image. */
  sample() {
    const nv = this.viewer.nv;
    const vol = nv.volumes[0];
    const [x, y, z] = vol.mm2vox(nv.frac2mm(nv.scene.crosshairPos)).map(Math.round);
    const dims = vol.hdr.dims;
    if ([x, y, z].some((v, i) => v < 0 || v >= dims[i + 1])) return null;
    const values = [];
    for (let t = 0; t < vol.nFrame4D; t++) values.push(vol.getValue(x, y, z, t));
    return { voxel: [x, y, z], values };
  }

  update() {
    const sample = this.sample();
    if (!sample) {
      this.line.setAttribute("points", "");
      this.marker.setAttribute("hidden", "");
      this.caption.textContent = "The crosshair is outside the image: no intensity over time.";
      return;
    }
    const points = curvePoints(sample.values);
    this.line.setAttribute("points", points.map((p) => p.join(",")).join(" "));
    const [cx, cy] = points[this.viewer.nv.volumes[0].frame4D] ?? points[0];
    this.marker.removeAttribute("hidden");
    this.marker.setAttribute("cx", String(cx));
    this.marker.setAttribute("cy", String(cy));
    this.caption.textContent = curveSummary(sample.values, sample.voxel);
    this.figure.dataset.values = sample.values.join(","); // for the page's tests
  }
}
