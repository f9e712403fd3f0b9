// The whole volume in three planes, drawn on the CPU from the downloaded voxels as soon as
// they have all arrived, while Niivue prepares its textures (seconds without a graphics
// card). It works in the viewer's own chrome: a linked crosshair (click or drag), scrolling
// by wheel, arrow keys and Page Up/Down in the plane under the pointer, the slice label and
// slider, window presets, right-drag windowing and invert, and the world point and voxel
// value under the pointer. The viewer hands its state over to Niivue, then closes it.

import {
  boxRange, drawPlane, greyTable, pixelVoxel, PLANES, planeSpec, rasFraction, robustWindow, sliceNumber, tileAt, tiles,
  voxelPixel, withSlice,
} from "./cpu-mpr.mjs";
import { voxelToWorld } from "./geometry.mjs";
import { isTyping } from "./help.mjs";
import { startSlice } from "./layout.mjs";
import { windowRange } from "./windows.mjs";

const STEPS = { ArrowUp: 1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
const LAYOUTS = ["multiplanar", "axial", "coronal", "sagittal", "render"];
const CROSSHAIR = "rgba(255, 204, 0, 0.8)"; // Niivue's crosshairColor (viewer.mjs)

export class CpuStage {
  /**
   * `volume`: { voxels (a typed array sharing the downloaded buffer), size, axes
   * (cpu-mpr.mjs worldAxes) }; `geometry` (geometry.mjs) for the readout; `presets`
   * (windows.mjs, as the preset select lists them); `layout`: the plane button to start
   * with; `start`: a hanging protocol's relative start position (0 first … 1 last slice
   * of the plane the layout scrolls; null: the middle);
   * `show`: the viewer's chrome, { slice(plane, n, count), window([low, high]), readout(world, value) }.
   */
  constructor(root, { volume, geometry, spacing, presets, layout, start, show }) {
    this.root = root;
    this.voxels = volume.voxels;
    this.size = volume.size;
    this.geometry = geometry;
    this.presets = presets;
    this.show = show;
    this.specs = Object.fromEntries(Object.keys(PLANES).map((p) => [p, planeSpec(volume.axes, this.size, spacing, p)]));
    this.point = Object.values(this.specs).reduce((p, spec) => withSlice(spec, p, middle(spec)), [0, 0, 0]);
    // the plane that keys and the slider scroll: the layout's (axial in all planes), then
    // the last one pointed at
    this.active = layout in PLANES ? layout : "axial";
    if (start !== null) {
      const spec = this.specs[this.active];
      this.point = withSlice(spec, this.point, startSlice(start, spec.fixed.count));
    }
    this.planes = {}; // each plane's picture at voxel resolution, redrawn when its slice or the window changes
    this.dirty = new Set(Object.keys(PLANES));
    this.abort = new AbortController();
    const el = (name) => root.querySelector(`[data-viewer="${name}"]`);
    this.niivueCanvas = el("canvas");
    this.canvas = document.createElement("canvas");
    this.canvas.className = "viewer-cpu";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("aria-label", `${this.niivueCanvas.getAttribute("aria-label") ?? "Image"}: axial, coronal and sagittal planes`);
    this.niivueCanvas.before(this.canvas);
    this.niivueCanvas.tabIndex = -1; // under this canvas until the hand-over
    this.invert = el("invert")?.checked ?? false;
    this.choosePreset(el("preset").value);
    this.setLayout(layout);
    this.bind(el);
    this.resize();
  }

  bind(el) {
    const on = (target, type, handler, options = {}) =>
      target?.addEventListener(type, handler, { ...options, signal: this.abort.signal });
    const canvas = this.canvas;
    on(canvas, "pointerdown", (e) => this.press(e));
    on(canvas, "pointermove", (e) => this.move(e));
    on(canvas, "pointerup", (e) => this.release(e));
    on(canvas, "contextmenu", (e) => e.preventDefault()); // right drag windows
    on(canvas, "wheel", (e) => this.wheel(e), { passive: false });
    on(canvas, "keydown", (e) => this.key(e));
    on(el("preset"), "change", (e) => this.choosePreset(e.target.value));
    on(el("invert"), "change", (e) => {
      this.invert = e.target.checked;
      this.windowChanged();
    });
    on(el("slice"), "input", (e) => this.scrollTo(this.active, Number(e.target.value)));
    on(el("reset"), "click", () => this.reset());
    this.root.querySelectorAll("[data-plane]").forEach((b) => on(b, "click", () => this.setLayout(b.dataset.plane)));
    on(window, "resize", () => this.resize());
    // the planes' first appearance counts as input too: the user gets a moment with them
    this.lastInput = performance.now();
    for (const type of ["pointerdown", "pointermove", "wheel", "keydown"]) {
      on(canvas, type, () => { this.lastInput = performance.now(); });
    }
  }

  /** Resolves once the user has left the planes alone for `quiet` ms (at most after
   * `most` ms): Niivue's steps that hold the page for a second or more wait for a pause. */
  pause(quiet = 400, most = 2000) {
    const until = performance.now() + most;
    return new Promise((resolve) => {
      const check = () => {
        const now = performance.now();
        const wait = Math.min(this.lastInput + quiet, until) - now;
        if (wait <= 0 || !this.voxels) resolve();
        else setTimeout(check, wait);
      };
      check();
    });
  }

  /** What Niivue takes over: crosshair (RAS fractions; null where the user left it),
   * window, invert and layout. */
  state() {
    return {
      fraction: this.moved ? rasFraction(this.specs, this.point) : null,
      window: { preset: this.preset, range: this.range },
      invert: this.invert,
      layout: this.layout,
      focused: document.activeElement === this.canvas,
    };
  }

  close() {
    this.abort.abort();
    cancelAnimationFrame(this.frame);
    this.canvas.remove();
    this.niivueCanvas.tabIndex = 0;
    this.voxels = null;
  }

  // ---- input

  hit(e) {
    const dpr = window.devicePixelRatio || 1;
    return tileAt(this.layoutTiles, this.specs, e.offsetX * dpr, e.offsetY * dpr);
  }

  press(e) {
    this.canvas.focus();
    const hit = this.hit(e);
    if (!hit) return;
    this.canvas.setPointerCapture(e.pointerId);
    if (e.button === 2) {
      this.box = { plane: hit.tile.plane, corners: [hit.x, hit.y, hit.x, hit.y] };
    } else if (e.button === 0) {
      this.dragging = true;
      this.moveTo(hit);
    }
  }

  move(e) {
    if (this.box) {
      const { left, top, width, height } = this.layoutTiles.find((t) => t.plane === this.box.plane);
      const spec = this.specs[this.box.plane];
      const dpr = window.devicePixelRatio || 1;
      this.box.corners[2] = ((e.offsetX * dpr - left) / width) * spec.width;
      this.box.corners[3] = ((e.offsetY * dpr - top) / height) * spec.height;
      this.schedule();
      return;
    }
    const hit = this.hit(e);
    if (!hit) return;
    this.active = hit.tile.plane;
    if (this.dragging) this.moveTo(hit);
    else this.readout(hit);
  }

  release() {
    this.dragging = false;
    if (!this.box) return;
    const spec = this.specs[this.box.plane];
    const range = boxRange(this.voxels, this.size, spec, this.point, this.box.corners);
    this.box = null;
    this.setWindow(range, "custom");
  }

  wheel(e) {
    if (e.ctrlKey) return; // zoom waits for Niivue
    const hit = this.hit(e);
    if (!hit) return;
    e.preventDefault();
    this.active = hit.tile.plane;
    // as Niivue: the wheel up (deltaY < 0) goes one slice back
    this.scrollBy(this.active, e.deltaY < 0 ? -1 : 1);
  }

  key(e) {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key in STEPS) {
      e.preventDefault();
      this.scrollBy(this.active, STEPS[e.key]);
    } else if (/^[1-5]$/.test(e.key)) this.setLayout(LAYOUTS[Number(e.key) - 1]);
    else if (e.key === "i") this.root.querySelector("[data-viewer=invert]")?.click();
    else if (e.key === "r") this.reset();
  }

  // ---- state changes

  /** The crosshair to the voxel under a hit: every plane through it follows. */
  moveTo(hit) {
    const before = this.point;
    this.point = pixelVoxel(this.specs[hit.tile.plane], before, hit.x, hit.y);
    this.moved = true;
    for (const [plane, spec] of Object.entries(this.specs)) {
      if (this.point[spec.fixed.voxel] !== before[spec.fixed.voxel]) this.dirty.add(plane);
    }
    this.readout(hit);
    this.announce();
    this.schedule();
  }

  scrollBy(plane, steps) {
    this.scrollTo(plane, sliceNumber(this.specs[plane], this.point) + steps);
  }

  scrollTo(plane, n) {
    this.active = plane;
    const moved = withSlice(this.specs[plane], this.point, n);
    if (moved.some((v, i) => v !== this.point[i])) {
      this.point = moved;
      this.moved = true;
      this.dirty.add(plane);
      this.schedule();
    }
    this.announce();
  }

  choosePreset(value) {
    this.preset = value;
    const preset = this.presets[Number(value)];
    // "Automatic": the volume's 2nd to 98th percentile (Niivue's robust range, sampled)
    this.range = value === "auto" || !preset ? robustWindow(this.voxels) : windowRange(preset);
    this.windowChanged();
  }

  setWindow(range, preset) {
    this.range = range;
    this.preset = preset;
    this.windowChanged();
  }

  windowChanged() {
    this.table = greyTable(this.voxels.constructor, this.range, this.invert);
    Object.keys(PLANES).forEach((p) => this.dirty.add(p));
    this.show.window(this.range);
    this.schedule();
  }

  setLayout(layout) {
    // the 3D view waits for Niivue: until then the three planes stand in for it
    this.layout = LAYOUTS.includes(layout) ? layout : "multiplanar";
    if (this.layout in PLANES) this.active = this.layout;
    this.root.querySelectorAll("[data-plane]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.plane === this.layout)));
    this.root.dataset.plane = this.layout;
    this.place();
    this.announce();
  }

  reset() {
    this.point = Object.values(this.specs).reduce((p, spec) => withSlice(spec, p, middle(spec)), this.point);
    const invert = this.root.querySelector("[data-viewer=invert]");
    if (invert) invert.checked = false;
    this.invert = false;
    const select = this.root.querySelector("[data-viewer=preset]");
    select.value = this.presets[0]?.own ? "0" : "auto";
    this.choosePreset(select.value);
    this.announce();
  }

  announce() {
    const spec = this.specs[this.active];
    this.show.slice(this.active, sliceNumber(spec, this.point), spec.fixed.count);
  }

  readout(hit) {
    const voxel = pixelVoxel(this.specs[hit.tile.plane], this.point, hit.x, hit.y);
    const [nx, ny] = this.size;
    this.show.readout(voxelToWorld(this.geometry, voxel), this.voxels[voxel[0] + nx * (voxel[1] + ny * voxel[2])]);
  }

  // ---- drawing

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    this.place();
  }

  place() {
    this.layoutTiles = tiles(this.specs, this.layout === "render" ? "multiplanar" : this.layout, this.canvas.width, this.canvas.height);
    this.schedule();
  }

  schedule() {
    if (this.frame || !this.voxels) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.voxels) this.draw();
    });
  }

  draw() {
    for (const plane of this.dirty) this.paint(plane);
    this.dirty.clear();
    const ctx = this.canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.strokeStyle = CROSSHAIR;
    ctx.lineWidth = Math.max(1, Math.round(window.devicePixelRatio || 1));
    for (const { plane, left, top, width, height } of this.layoutTiles) {
      const spec = this.specs[plane];
      ctx.drawImage(this.planes[plane].canvas, left, top, width, height);
      const [px, py] = voxelPixel(spec, this.point);
      const x = left + ((px + 0.5) / spec.width) * width;
      const y = top + ((py + 0.5) / spec.height) * height;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      if (this.box?.plane === plane) {
        const [x0, y0, x1, y1] = this.box.corners;
        const sx = width / spec.width;
        const sy = height / spec.height;
        ctx.strokeRect(left + Math.min(x0, x1) * sx, top + Math.min(y0, y1) * sy, Math.abs(x1 - x0) * sx, Math.abs(y1 - y0) * sy);
      }
    }
    // the whole volume is on screen in all three planes and answers input
    this.root.dataset.mpr = "ready";
  }

  paint(plane) {
    const spec = this.specs[plane];
    if (!this.planes[plane]) {
      const canvas = document.createElement("canvas");
      canvas.width = spec.width;
      canvas.height = spec.height;
      const image = new ImageData(spec.width, spec.height);
      this.planes[plane] = { canvas, image, pixels: new Uint32Array(image.data.buffer) };
    }
    const { canvas, image, pixels } = this.planes[plane];
    drawPlane(this.voxels, this.size, spec, this.point, this.table, pixels);
    canvas.getContext("2d").putImageData(image, 0, 0);
  }
}

function middle(spec) {
  return Math.floor(spec.fixed.count / 2) + 1; // where Niivue's crosshair opens (fraction 0.5)
}

