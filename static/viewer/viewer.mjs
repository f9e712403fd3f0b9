// The volume viewer: every `.tessera-viewer` element on the page opens its image (and
// overlays) in Niivue, in linked axial/coronal/sagittal views plus a 3D rendering.
// Configuration comes from a JSON data block (no inline script, so the CSP holds).
import { Annotations } from "./annotations.mjs";
import { worldAxes } from "./cpu-mpr.mjs";
import { CpuStage } from "./cpu-stage.mjs";
import { formatPoint, geometry, nearestVoxel, rasToLps, worldToVoxel } from "./geometry.mjs";
import { fetchImage, LoadError } from "./load.mjs";
import { DamagedDataError } from "./mha.mjs";
import { QuickLook } from "./quick-look.mjs";
import { thresholdLabel, thresholdValue } from "./heatmap.mjs";
import { installHelp } from "./help.mjs";
import { readoutText, startSlice } from "./layout.mjs";
import { TimeCurve } from "./time-curve.mjs";
import { deferGradients } from "./lazy-gradients.mjs";
import { labelColormap, segmentColour } from "./segments.mjs";
import { presetsFor, windowRange } from "./windows.mjs";

// Niivue (a 3 MB module) loads while the image downloads, not before the download starts.
const niivue = import("../vendor/niivue/index.js");
niivue.catch(() => {}); // a failed load is reported where it is awaited (Viewer.show)

// RAS axis that each plane scrolls along (Niivue's crosshairPos is a RAS fraction).
const PLANE_AXIS = { axial: 2, coronal: 1, sagittal: 0 };
// Niivue's SLICE_TYPE of each layout
const PLANES = { multiplanar: "MULTIPLANAR", axial: "AXIAL", coronal: "CORONAL", sagittal: "SAGITTAL", render: "RENDER" };

let following = false; // a linked viewer is being moved to another's point

class Viewer {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(document.getElementById(root.dataset.configId).textContent);
    this.geometry = geometry(this.config.image);
    this.size = this.config.image.size;
    this.plane = "multiplanar";
    this.linked = [];
    this.el = (name) => root.querySelector(`[data-viewer="${name}"]`);
    this.annotations = new Annotations(this); // layers may be added before the image opens
  }

  status(text, kind = "info") {
    const el = this.el("status");
    el.textContent = text;
    el.dataset.kind = kind;
    this.root.dataset.state = kind === "error" ? "error" : this.root.dataset.state;
  }

  async open() {
    const progress = this.el("progress");
    const image = this.config.image;
    const files = [image, ...this.config.overlays].map((item) => ({ ...item.file, title: item.name }));
    const sizes = files.map(() => [0, 0]);
    const update = () => {
      const [got, total] = sizes.reduce((a, s) => [a[0] + s[0], a[1] + s[1]], [0, 0]);
      if (total) progress.value = got / total;
      this.status(`Downloading… ${(got / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ""}`);
    };
    this.presets = presetsFor({
      center: image.window_center, width: image.window_width, modality: image.modality, signed: image.signed,
    });
    this.fillPresets();
    // The image's slices are drawn as they arrive, over the stored preview, until Niivue is ready.
    const quick = new QuickLook(this.root, this.el("canvas"), { center: image.window_center, width: image.window_width });
    const attached = this.attach(); // Niivue starts while the volume downloads
    attached.catch(() => {}); // a failure is reported where it is awaited (show)
    let volumes;
    try {
      volumes = await Promise.all(
        files.map((f, i) =>
          fetchImage(f.url, f.name, {
            onProgress: (got, total) => { sizes[i] = [got, total]; update(); },
            ...(i === 0 ? quick.callbacks() : {}),
          }).catch((err) => {
            throw err instanceof LoadError ? err : new DamagedDataError(`${f.title} could not be read (${err.message})`);
          }),
        ),
      );
    } catch (err) {
      progress.hidden = true;
      quick.close();
      this.status(err instanceof LoadError ? err.message : `The image could not be displayed: ${err.message}.`, "error");
      return;
    }
    // The whole volume in three planes on the CPU at once, while Niivue prepares its textures.
    this.cpu = this.cpuStage(quick.volume());
    quick.close();
    if (this.cpu) progress.hidden = true;
    this.status(this.cpu ? "Preparing the 3D view and tools…" : "Preparing the volume…");
    try {
      await this.show(volumes, await attached);
    } catch (err) {
      this.status(`The image could not be displayed: ${image.name} could not be read (${err.message || String(err)}).`, "error");
      return;
    } finally {
      progress.hidden = true;
      this.cpu?.close();
      this.cpu = null;
    }
    this.root.dataset.state = "ready";
    this.status("");
    this.root.dispatchEvent(new CustomEvent("tessera:ready", { bubbles: true }));
  }

  /** Between Niivue's long steps: a drawn frame, and a pause in the user's input on the
   * CPU planes (which answer between the steps). */
  async pause() {
    await nextFrame();
    await this.cpu?.pause();
  }

  /** The CPU planes for a grey volume on axis-aligned axes; null for others (oblique,
   * colour, 4D and 2D images wait for Niivue). */
  cpuStage(volume) {
    const axes = worldAxes(this.geometry.direction);
    if (!volume || !axes || volume.size[2] < 2) return null;
    const start = this.root.dataset.startPosition;
    return new CpuStage(this.root, {
      volume: { ...volume, axes },
      geometry: this.geometry,
      spacing: this.geometry.spacing,
      presets: this.presets,
      layout: this.defaultPlane(),
      start: start ? Number(start) : null,
      show: {
        slice: (plane, n, count) => this.showSlice(plane, n, count),
        window: ([low, high]) => this.showWindow(low, high),
        readout: (world, value) => this.readout(rasToLps(world), value),
      },
    });
  }

  /** Niivue on the viewer's canvas, its mouse and callbacks set, no volume yet. */
  async attach() {
    const lib = await niivue;
    const { Niivue, MULTIPLANAR_TYPE, SHOW_RENDER, DRAG_MODE } = lib;
    const nv = new Niivue({
      backColor: [0, 0, 0, 1],
      crosshairColor: [1, 0.8, 0, 0.8],
      show3Dcrosshair: true,
      isColorbar: false,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      multiplanarLayout: MULTIPLANAR_TYPE.GRID,
      isSliceMM: true, // world space: oblique volumes are shown in their true orientation
      isRadiologicalConvention: true, // patient's left on the screen's right, as radiologists read
      dragMode: DRAG_MODE.contrast,
      logLevel: "error",
    });
    await nv.attachToCanvas(this.el("canvas"));
    this.showRenderInGrid(nv, SHOW_RENDER);
    this.ensureGradients = deferGradients(nv, () => this.showsRender());
    // Left drag moves the crosshair, right drag windows, middle drag pans, ctrl+left zooms.
    nv.setMouseEventConfig({
      leftButton: { primary: DRAG_MODE.crosshair, withShift: DRAG_MODE.pan, withCtrl: DRAG_MODE.contrast },
      rightButton: DRAG_MODE.contrast,
      centerButton: DRAG_MODE.pan,
    });
    nv.onLocationChange = (loc) => this.located(loc);
    nv.onIntensityChange = () => this.windowChanged();
    return { lib, nv };
  }

  async show(files, { lib, nv }) {
    const { NVImage, NVImageFromUrlOptions, SLICE_TYPE } = lib;
    this.sliceTypes = SLICE_TYPE;
    this.nv = nv;
    const image = this.config.image;
    const volumes = [];
    for (const [i, { buffer, name }] of files.entries()) {
      files[i] = null; // Niivue holds each file's voxels from here on (a grey .mha's without a copy)
      await this.pause(); // Niivue's steps hold the page a second or more each without a GPU
      volumes.push(await NVImage.loadFromUrl({ ...NVImageFromUrlOptions(name), buffer, name }));
    }
    const [back, ...overlayVolumes] = volumes;
    for (const [i, overlay] of this.config.overlays.entries()) {
      const vol = overlayVolumes[i];
      overlay.hidden = new Set(overlay.segments.filter((s) => !s.visible).map((s) => s.voxel_value));
      if (overlay.segments.length) vol.setColormapLabel(labelColormap(overlay.segments, overlay.hidden));
      else {
        // a heat map or a label map without named segments: warm colours above zero
        vol.colormap = "warm";
        vol.cal_min = Math.max(vol.cal_min, Number.EPSILON);
      }
      vol.opacity = overlay.opacity ?? 0.5;
      overlay.volume = vol;
    }
    await this.pause();
    // Otherwise the image's own window, or Niivue's robust range ("Automatic").
    if (this.presets[0]?.own) [back.cal_min, back.cal_max] = windowRange(this.presets[0]);
    // Niivue's colour pass over every voxel runs in the GPU process (on the CPU without a
    // graphics card: seconds). Nothing is drawn on Niivue's canvas until it has finished:
    // the page would wait for it, frozen, at its next frame; the CPU planes answer meanwhile.
    nv.drawScene = () => {};
    try {
      // All layers go to the GPU in one pass: each addVolume would redo every layer's
      // texture (and the 3D gradients), which for a large CT costs seconds each time.
      nv.updateGLVolume = () => {};
      try {
        volumes.forEach((vol) => nv.addVolume(vol));
      } finally {
        delete nv.updateGLVolume;
      }
      // the window the user set on the CPU planes, again if they changed it meanwhile
      for (let held = this.cpu?.state(), done = false; !done; ) {
        if (held) {
          if (held.window.preset !== "auto") [back.cal_min, back.cal_max] = held.window.range;
          back.colormapInvert = held.invert;
        }
        nv.updateGLVolume();
        await gpuFinished(nv.gl);
        const now = this.cpu?.state();
        done = sameWindow(now, held);
        held = now;
      }
    } finally {
      delete nv.drawScene;
    }
    const held = this.cpu?.state(); // the crosshair and layout as the user left them
    this.windowChanged();
    this.bindControls();
    this.bindTime();
    this.setPlane(held?.layout ?? this.defaultPlane());
    if (held?.fraction) {
      nv.scene.crosshairPos = held.fraction;
      nv.drawScene();
      nv.createOnLocationChange();
    } else if (this.root.dataset.startPosition) {
      // a hanging protocol's relative_start_position (0 first … 1 last slice; default middle)
      this.goToSlice(startSlice(Number(this.root.dataset.startPosition), this.sliceNumber()[1]));
    }
    if (held?.focused) this.el("canvas").focus();
    this.annotations.attach(nv);
    // the page's other drawings over the canvas follow each draw (hanging.mjs: slice-plane lines)
    const draw = nv.drawScene.bind(nv);
    nv.drawScene = (...args) => {
      const result = draw(...args);
      this.root.dispatchEvent(new CustomEvent("tessera:drawn", { bubbles: true }));
      return result;
    };
  }

  /** The multiplanar layout's fourth tile shows the 3D rendering when a graphics card draws
   * it; software rendering would redo the ray casting with every scroll, so there the 3D
   * view is one click away (the 3D button, key 5) instead. */
  showRenderInGrid(nv, SHOW_RENDER) {
    const gl = nv.gl;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    const software = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
    nv.opts.multiplanarShowRender = software ? SHOW_RENDER.NEVER : SHOW_RENDER.ALWAYS;
    this.renderInGrid = !software;
    const button = this.root.querySelector("[data-plane=multiplanar]");
    if (software && button) button.title = "All three planes (1); the 3D view is under 3D (5)";
    this.root.dataset.renderInGrid = String(!software);
  }

  /** Whether the current layout shows a 3D view. */
  showsRender() {
    return this.plane === "render" || (this.plane === "multiplanar" && this.renderInGrid);
  }

  /** A 2D image has one plane to show; a volume opens in its viewport's orientation
   * (hanging protocols set data-initial-plane) or in all three planes and 3D. */
  defaultPlane() {
    if (this.size[2] <= 1) return "axial";
    return this.root.dataset.initialPlane in PLANES ? this.root.dataset.initialPlane : "multiplanar";
  }

  /** 4D images: a slider through the time points (Niivue's 4D frames). */
  bindTime() {
    const vol = this.nv.volumes[0];
    const count = vol.nFrame4D || 1;
    if (count < 2) return;
    this.el("time-box").hidden = false;
    const slider = this.el("time");
    slider.max = String(count);
    const show = () => {
      this.el("time-label").textContent = `Time point ${vol.frame4D + 1} of ${count}`;
      this.root.dataset.frame = String(vol.frame4D + 1);
    };
    slider.addEventListener("input", () => {
      this.nv.setFrame4D(vol.id, Number(slider.value) - 1);
      show();
    });
    show();
    this.timeCurve = new TimeCurve(this); // the intensity at the crosshair over time
  }

  fillPresets() {
    const select = this.el("preset");
    select.replaceChildren(new Option("Automatic", "auto"));
    this.presets.forEach((p, i) => select.append(new Option(`${p.title} (C ${p.center}, W ${p.width})`, String(i))));
    select.value = this.presets[0]?.own ? "0" : "auto";
  }

  applyWindow({ center, width }) {
    const back = this.nv.volumes[0];
    [back.cal_min, back.cal_max] = windowRange({ center, width });
    this.nv.updateGLVolume();
    this.windowChanged();
  }

  windowChanged() {
    const back = this.nv.volumes[0];
    this.showWindow(back.cal_min, back.cal_max);
  }

  showWindow(low, high) {
    const center = (low + high) / 2;
    const width = high - low;
    this.el("window").textContent = `Window C ${round(center)}, W ${round(width)}`;
    this.root.dataset.window = `${round(center)},${round(width)}`;
  }

  bindControls() {
    const nv = this.nv;
    this.root.querySelectorAll("[data-plane]").forEach((button) =>
      button.addEventListener("click", () => this.setPlane(button.dataset.plane)),
    );
    this.el("preset").addEventListener("change", (e) => {
      const value = e.target.value;
      if (value === "auto") {
        const back = nv.volumes[0];
        this.applyWindow({ center: (back.robust_min + back.robust_max) / 2, width: back.robust_max - back.robust_min });
      } else this.applyWindow(this.presets[Number(value)]);
    });
    this.el("invert").addEventListener("change", (e) => {
      nv.volumes[0].colormapInvert = e.target.checked;
      nv.updateGLVolume();
    });
    this.el("reset").addEventListener("click", () => this.reset());
    this.el("fullscreen").addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else this.root.requestFullscreen?.();
    });
    const slider = this.el("slice");
    slider.addEventListener("input", () => this.goToSlice(Number(slider.value)));
    this.el("canvas").addEventListener("keydown", (e) => this.key(e));
    this.el("canvas").addEventListener("mousemove", (e) => this.hover(e));
    // Ctrl+wheel zooms; caught before Niivue's own wheel handler, which would scroll.
    this.root.addEventListener(
      "wheel",
      (e) => {
        if (!e.ctrlKey || e.target !== this.el("canvas")) return;
        e.preventDefault();
        e.stopPropagation();
        this.zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2);
      },
      { capture: true, passive: false },
    );
    for (const overlay of this.config.overlays) this.bindOverlay(overlay);
  }

  bindOverlay(overlay) {
    const box = this.root.querySelector(`[data-overlay="${overlay.index}"]`);
    if (!box) return;
    box.querySelector("[data-viewer=opacity]").addEventListener("input", (e) => {
      overlay.volume.opacity = Number(e.target.value);
      this.nv.updateGLVolume();
    });
    // heat maps: colour map and threshold (below it the map is transparent)
    box.querySelector("[data-viewer=colormap]")?.addEventListener("change", (e) => {
      overlay.volume.colormap = e.target.value;
      this.nv.updateGLVolume();
    });
    box.querySelector("[data-viewer=threshold]")?.addEventListener("input", (e) => {
      const vol = overlay.volume;
      vol.cal_min = thresholdValue(e.target.value, vol.global_min, vol.global_max);
      vol.cal_max = Math.max(vol.cal_max, vol.cal_min);
      box.querySelector("[data-viewer=threshold-value]").textContent = thresholdLabel(vol.cal_min);
      this.nv.updateGLVolume();
    });
    box.querySelectorAll("[data-segment]").forEach((check, i) => {
      check.parentElement.querySelector(".swatch").style.background = segmentColour(i);
      check.addEventListener("change", () => {
        const value = Number(check.dataset.segment);
        if (check.checked) overlay.hidden.delete(value);
        else overlay.hidden.add(value);
        overlay.volume.setColormapLabel(labelColormap(overlay.segments, overlay.hidden));
        this.nv.updateGLVolume();
      });
    });
  }

  key(e) {
    const steps = { ArrowUp: 1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
    if (e.key in steps) {
      e.preventDefault();
      const [n] = this.sliceNumber();
      this.goToSlice(n + steps[e.key]);
    } else if (e.key === "+" || e.key === "=") this.zoom(1.2);
    else if (e.key === "-") this.zoom(1 / 1.2);
    else if (e.key === "r") this.reset();
    else if (e.key === "i") this.el("invert").click();
    else if (e.key in { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 }) this.setPlane(Object.keys(PLANES)[Number(e.key) - 1]);
  }

  zoom(factor) {
    const pan = [...this.nv.scene.pan2Dxyzmm];
    pan[3] = Math.min(20, Math.max(0.25, pan[3] * factor));
    this.nv.setPan2Dxyzmm(pan);
    this.root.dataset.zoom = pan[3].toFixed(2);
  }

  setPlane(plane) {
    this.plane = plane;
    if (this.showsRender()) this.ensureGradients();
    this.nv.setSliceType(this.sliceTypes[PLANES[plane]]);
    this.root.querySelectorAll("[data-plane]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.plane === plane)));
    this.root.dataset.plane = plane;
    this.updateSlice();
  }

  /** The plane whose slice the slider and keys move: axial in the multiplanar and 3D layouts. */
  scrollAxis() {
    return PLANE_AXIS[this.plane] ?? PLANE_AXIS.axial;
  }

  sliceNumber() {
    const axis = this.scrollAxis();
    const count = this.nv.volumes[0].dimsRAS[axis + 1];
    const frac = this.nv.scene.crosshairPos[axis];
    return [Math.min(count, Math.max(1, Math.floor(frac * count) + 1)), count];
  }

  goToSlice(n) {
    const axis = this.scrollAxis();
    const count = this.nv.volumes[0].dimsRAS[axis + 1];
    const clamped = Math.min(count, Math.max(1, n));
    const pos = [...this.nv.scene.crosshairPos];
    pos[axis] = (clamped - 0.5) / count;
    this.nv.scene.crosshairPos = pos;
    this.nv.drawScene();
    this.nv.createOnLocationChange();
  }

  updateSlice() {
    const [n, count] = this.sliceNumber();
    this.showSlice(this.plane in PLANE_AXIS ? this.plane : "axial", n, count);
  }

  /** The slice label and slider: slice n of count of a plane. */
  showSlice(name, n, count) {
    const slider = this.el("slice");
    slider.max = String(count);
    slider.value = String(n);
    slider.disabled = count < 2;
    this.el("slice-label").textContent = `${name[0].toUpperCase()}${name.slice(1)} slice ${n} of ${count}`;
    this.root.dataset.slice = String(n);
  }

  located(loc) {
    this.updateSlice();
    // the page's other parts follow the slice (hanging.mjs: slice-plane indicators)
    this.root.dispatchEvent(new CustomEvent("tessera:located", { bubbles: true }));
    this.readout(loc.mm, loc.values?.[0]?.value);
    // Niivue's own broadcast reports the move back to us: pass each move on once.
    if (following) return;
    following = true;
    try {
      this.linked.forEach((other) => other.follow(this));
    } finally {
      following = false;
    }
  }

  /** World point (LPS mm), voxel and value for a Niivue RAS point. */
  readout(ras, value) {
    const world = rasToLps(ras);
    const voxel = nearestVoxel(worldToVoxel(this.geometry, world), this.size);
    // a hanging protocol may show the coordinate or the value alone (data-readout)
    const parts = this.root.dataset.readout;
    this.el("readout").textContent = readoutText({ point: formatPoint(world), voxel, value: round(value), parts });
  }

  /** The readout follows the mouse, not only the crosshair. */
  hover(e) {
    const nv = this.nv;
    const rect = e.target.getBoundingClientRect();
    const dpr = nv.uiData?.dpr || window.devicePixelRatio || 1;
    const frac = nv.canvasPos2frac([(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr]);
    if (!frac || frac[0] < 0) return;
    const mm = nv.frac2mm(frac);
    const back = nv.volumes[0];
    const vox = back.mm2vox(mm);
    this.readout(mm, back.getValue(vox[0], vox[1], vox[2], back.frame4D));
  }

  /** Linked viewers of a page show the same world point (and, within Niivue, zoom and pan). */
  follow(leader) {
    const mm = leader.nv.frac2mm(leader.nv.scene.crosshairPos);
    const frac = this.nv.mm2frac(mm);
    if (frac.some((f) => !Number.isFinite(f))) return;
    this.nv.scene.crosshairPos = [...frac];
    this.nv.drawScene();
    this.updateSlice();
  }

  link(others) {
    this.linked = others.filter((o) => o !== this && o.nv);
    this.nv.broadcastTo(this.linked.map((o) => o.nv), { "2d": true, "3d": true, zoomPan: true, crosshair: true });
  }

  reset() {
    const nv = this.nv;
    nv.scene.pan2Dxyzmm = [0, 0, 0, 1];
    nv.scene.crosshairPos = [0.5, 0.5, 0.5];
    this.el("invert").checked = false;
    nv.volumes[0].colormapInvert = false;
    this.el("preset").value = this.presets[0]?.own ? "0" : "auto";
    this.el("preset").dispatchEvent(new Event("change"));
    nv.drawScene();
    nv.createOnLocationChange();
  }
}

/** Whether two CPU plane states (or none) have the same window. */
function sameWindow(a, b) {
  if (!a || !b) return a === b;
  return a.window.preset === b.window.preset && a.window.range.join() === b.window.range.join() && a.invert === b.invert;
}

/** Resolves once the GPU has run the commands given so far, without blocking the page
 * (a readPixels or finish would freeze it until then). */
function gpuFinished(gl) {
  const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
  gl.flush();
  return new Promise((resolve) => {
    const poll = () => {
      if (gl.getSyncParameter(sync, gl.SYNC_STATUS) !== gl.SIGNALED) return setTimeout(poll, 50);
      gl.deleteSync(sync);
      resolve();
    };
    setTimeout(poll, 50);
  });
}

/** After the next frame is drawn: a pause between long steps for input and drawing (a
 * hidden page draws no frames: there it is a short wait). */
function nextFrame() {
  return new Promise((resolve) => {
    const hidden = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(hidden);
      setTimeout(resolve, 0);
    });
  });
}

function round(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v ?? "—");
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 1);
}

/** Open the page's viewers not opened yet, then link all that are ready: slicing,
 * panning and zooming move together. */
function openViewers() {
  const roots = [...document.querySelectorAll(".tessera-viewer")];
  const fresh = roots.filter((root) => !root.viewer).map((root) => {
    const viewer = new Viewer(root);
    root.viewer = viewer; // for the page's other scripts (annotations, reader studies)
    return viewer;
  });
  return Promise.all(fresh.map((v) => v.open())).then(() => {
    const ready = roots
      .map((root) => root.viewer)
      .filter((v) => v.root.dataset.state === "ready" && v.root.dataset.linkable !== "false");
    if (ready.length > 1) ready.forEach((v) => v.link(ready));
  });
}
openViewers();
installHelp();
// A page that swaps in server-rendered parts with viewers (the job page once the job has
// ended) asks for them to be opened.
document.addEventListener("tessera:viewers", () => openViewers());
