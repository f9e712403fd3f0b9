// Mask questions painted on the reading page with Niivue's own drawing tools: one pen per
// segment of the question (its voxel value, its colour in the viewer's palette), an
// eraser, a brush size, undo and clear. On save the drawing becomes a label map (.mha)
// with exactly the image's geometry, goes up through the uploads API, is built into an
// image by an upload session, and only then is the form posted with
// {"upload_session_pk": …}: the case's answers are still saved all or none, and a mask
// that cannot be uploaded keeps the whole form from being sent. With autosave on, painted
// masks go up the same way a moment after the last stroke. In educational verification
// the ground truth's mask is shown over the image in the truth's colour; "Show all
// annotations" shows the case's other masks beside the one being painted.
import { NVImage } from "../vendor/niivue/index.js";
import { Api, MiB, MultipartUpload } from "../uploads/multipart.js";
import { writeMha } from "../viewer/mha-write.mjs";
import { labelColormap, PALETTE, segmentColour } from "../viewer/segments.mjs";
import { truthMaskColormap } from "./annotation-visibility.mjs";

const BUILD_POLL_MS = 500;
const BUILD_TIMEOUT_MS = 120_000;
const owners = new WeakMap(); // Niivue instance -> the mask whose drawing it holds

/** Niivue's draw colour table: each segment's voxel value in its palette colour. */
export function drawColormap(segments) {
  const cmap = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [""] };
  segments.forEach((s, i) => {
    const [r, g, b] = PALETTE[i % PALETTE.length];
    cmap.R.push(r); cmap.G.push(g); cmap.B.push(b); cmap.A.push(255);
    cmap.I.push(s.voxel_value);
    cmap.labels.push(s.name);
  });
  return cmap;
}

/** The voxels of Niivue's drawing in the image's own voxel order (x fastest), through
 * Niivue's saver, which turns its RAS-ordered bitmap back into the file's order. */
async function nativeVoxels(nv) {
  const nifti = await nv.saveImage({ filename: "", isSaveDrawing: true });
  if (!(nifti instanceof Uint8Array)) throw new Error("the drawing could not be read from the viewer");
  const offset = new DataView(nifti.buffer, nifti.byteOffset).getFloat32(108, true);
  return nifti.subarray(offset);
}

class Mask {
  constructor({ form, field, config, setStatus, onChange }) {
    Object.assign(this, { form, field, config, setStatus, onChange });
    this.pk = config.id;
    this.dirty = false;
    this.bitmap = null; // the drawing while another mask of the viewer is shown
    this.saved = null; // the saved mask as a Niivue image, until first shown
    this.tools = form.querySelector(`[data-mask-tools="${this.pk}"]`);
  }

  get pen() {
    return Number(this.tools.querySelector("[data-mask-pen]:checked")?.value ?? 0);
  }

  get size() {
    return Number(this.tools.querySelector("[data-mask-size]").value);
  }

  async attach(root) {
    this.root = root;
    this.nv = root.viewer.nv;
    if (this.config.saved) {
      const response = await fetch(this.config.saved.url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`your saved mask could not be loaded (HTTP ${response.status})`);
      const { name } = this.config.saved; // Niivue picks its reader by the name
      this.saved = await NVImage.loadFromUrl({ url: name, buffer: await response.arrayBuffer(), name });
    }
    if (this.config.truth) await this.showTruth();
    if (!owners.has(this.nv)) this.show();
    // every paint stroke, undo and clear (not a drawing loaded to be shown)
    this.nv.onDrawingChanged = (action) => { if (action !== "load" && action !== "close") owners.get(this.nv)?.changed(); };
  }

  /** Educational verification: the ground truth's label map over the image, in the
   * truth's colour, under the reader's own painting. */
  async showTruth() {
    const { url, name } = this.config.truth;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`the correct answer could not be loaded (HTTP ${response.status})`);
    const truth = await NVImage.loadFromUrl({ url: name, buffer: await response.arrayBuffer(), name });
    truth.setColormapLabel(truthMaskColormap(this.config.segments));
    truth.opacity = 0.5;
    this.nv.addVolume(truth);
    this.root.dataset.truthMask = this.pk; // for the page's tests: the truth is on the image
  }

  /** Put this mask's drawing on the viewer (putting away the one shown). */
  show() {
    const nv = this.nv;
    const shown = owners.get(nv);
    if (shown === this) return;
    if (shown) shown.bitmap = nv.drawBitmap?.slice() ?? null;
    nv.setDrawColormap(drawColormap(this.config.segments));
    if (this.bitmap) {
      nv.drawBitmap = this.bitmap;
      nv.drawClearAllUndoBitmaps();
      nv.drawAddUndoBitmap();
      nv.refreshDrawing(true);
    } else if (this.saved) {
      nv.loadDrawing(this.saved);
      this.saved = null;
    } else {
      nv.createEmptyDrawing();
      nv.drawScene();
    }
    nv.setDrawOpacity(0.6);
    owners.set(nv, this);
  }

  paint(on) {
    const nv = this.nv;
    const shown = owners.get(nv);
    if (on && shown && shown !== this && shown.painting) shown.pressed(false); // its pen is put away
    this.show();
    if (shown !== this) this.onSwitch?.();
    if (on) {
      this.root.viewer.annotations?.deactivate();
      nv.opts.penSize = this.size;
      nv.setPenValue(this.pen, false);
    }
    nv.setDrawingEnabled(on);
    this.pressed(on);
    this.root.dataset.painting = on ? this.pk : "";
    if (on) this.setStatus(this.pk, `Paint on the image: drag with the left button (${this.penName()}).`);
  }

  /** The Paint button's state. */
  pressed(on) {
    this.painting = on;
    const button = this.tools.querySelector("[data-mask-paint]");
    button.textContent = on ? "Stop painting" : "Paint";
    button.setAttribute("aria-pressed", String(on));
  }

  /** The reader turned to this question: its mask is the one on the image (as GC shows
   * the drawing of the question being answered), unless another is being painted. */
  focus() {
    const shown = this.nv && owners.get(this.nv);
    if (!shown || shown === this || shown.painting) return;
    this.show();
    this.onSwitch?.();
  }

  penName() {
    const segment = this.config.segments.find((s) => s.voxel_value === this.pen);
    return segment ? segment.name : "eraser";
  }

  changed() {
    this.dirty = true;
    this.setStatus(this.pk, "Painted; the mask is saved with the case.");
    this.onChange?.();
  }

  undo() {
    this.show();
    this.nv.drawUndo();
  }

  clear() {
    this.show();
    this.nv.drawBitmap.fill(0);
    this.nv.drawAddUndoBitmap();
    this.nv.refreshDrawing(true);
    this.changed();
  }

  bind() {
    this.tools.hidden = false;
    this.tools.querySelectorAll("[data-mask-swatch]").forEach((swatch) => {
      swatch.style.background = segmentColour(Number(swatch.dataset.maskSwatch));
    });
    this.tools.querySelector("[data-mask-paint]").addEventListener("click", () => this.paint(!this.painting));
    this.tools.querySelector("[data-mask-undo]").addEventListener("click", () => this.undo());
    this.tools.querySelector("[data-mask-clear]").addEventListener("click", () => this.clear());
    this.tools.querySelectorAll("[data-mask-pen]").forEach((radio) =>
      radio.addEventListener("change", () => { if (this.painting) this.paint(true); }),
    );
    const size = this.tools.querySelector("[data-mask-size]");
    size.addEventListener("input", () => {
      this.tools.querySelector("[data-mask-size-out]").value = size.value;
      if (this.painting) this.nv.opts.penSize = this.size;
    });
  }

  /** A save uploads the label map when the reader painted, or when the question has no
   * answer yet (an empty map says "nothing to segment"). */
  get needsUpload() {
    return Boolean(this.nv) && !this.config.readOnly && (this.dirty || !this.field.value.trim());
  }

  async labelMap() {
    const voxels = owners.get(this.nv) === this ? await nativeVoxels(this.nv) : await this.storedVoxels();
    return new Blob([writeMha({ ...this.config.geometry, data: voxels })], { type: "application/octet-stream" });
  }

  /** "Show all annotations": this mask, put away for another on its viewer, as a
   * read-only label overlay in its pens' colours; null when nothing is painted. */
  async overlay() {
    if (!this.bitmap && !this.saved) return null; // never painted here, nothing saved
    const voxels = await this.storedVoxels();
    if (!voxels.some((v) => v !== 0)) return null;
    const name = `${this.config.label}.mha`;
    const buffer = writeMha({ ...this.config.geometry, data: voxels }).buffer;
    const vol = await NVImage.loadFromUrl({ url: name, buffer, name });
    vol.setColormapLabel(labelColormap(this.config.segments));
    vol.opacity = 0.7;
    return vol;
  }

  /** A mask put away for another on the same viewer: shown again for a moment to read it. */
  async storedVoxels() {
    const shown = owners.get(this.nv);
    this.show();
    const voxels = await nativeVoxels(this.nv);
    shown?.show();
    return voxels;
  }

  /** Label map -> upload -> upload session -> built image; the field then holds the answer. */
  async upload(api) {
    this.setStatus(this.pk, "Uploading the mask…");
    const file = await this.labelMap();
    // strokes painted while this one goes up make the mask dirty again (autosave)
    this.dirty = false;
    // a fresh key per save: resuming an earlier, unfinished upload would send its old parts
    const multipart = new MultipartUpload({
      api, file, name: `mask-${this.pk}.mha`, partSize: 5 * MiB, maxAttempts: 3,
      storeKey: `tessera-mask-${this.pk}-${Date.now()}`,
    });
    try {
      this.field.value = JSON.stringify({ upload_session_pk: await this.build(api, multipart) });
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  /** The upload session's pk once it has built the uploaded label map into an image. */
  async build(api, multipart) {
    let upload;
    try {
      upload = await multipart.run({});
    } catch (err) {
      multipart.abort();
      throw err;
    }
    let session = await api.request("POST", "/api/v1/cases/upload-sessions/", { uploads: [upload.api_url] });
    const until = Date.now() + BUILD_TIMEOUT_MS;
    this.setStatus(this.pk, "Checking the mask…");
    while (session.status !== "Succeeded") {
      if (session.status === "Failed") throw new Error(session.error_message || "the mask could not be read");
      if (Date.now() > until) throw new Error("building the mask took too long; try saving again");
      await new Promise((resolve) => setTimeout(resolve, BUILD_POLL_MS));
      session = await api.request("GET", session.api_url);
    }
    return session.pk;
  }
}

/** Bind the page's mask questions. Returns `upload`, the save step the form's submit (and
 * the autosave, with changedOnly) runs first, and `showAll(on)` for "Show all annotations".
 * `onChange` hears of every stroke. */
export function bindMasks({ form, viewerFor, viewerReady, setStatus, csrf, onChange }) {
  const masks = [];
  // "Show all annotations": the masks not on their viewer's drawing, as overlays; rebuilt in
  // turn (each read shows a mask for a moment) when it is switched or another mask is painted
  let showingAll = false;
  let shown = new Map(); // mask -> its overlay volume
  let queue = Promise.resolve();
  const refresh = () => {
    queue = queue.then(async () => {
      for (const [mask, vol] of shown) mask.nv.removeVolume(vol);
      shown = new Map();
      form.dataset.masksShown = "0"; // for the page's tests
      if (!showingAll) return;
      for (const mask of masks.filter((m) => m.nv && owners.get(m.nv) !== m)) {
        const vol = await mask.overlay().catch(() => null);
        if (vol) {
          mask.nv.addVolume(vol);
          shown.set(mask, vol);
        }
      }
      form.dataset.masksShown = String(shown.size);
    });
    return queue;
  };
  for (const field of form.querySelectorAll("[data-mask]")) {
    const config = JSON.parse(document.getElementById(field.dataset.maskConfig).textContent);
    const mask = new Mask({ form, field, config, setStatus, onChange });
    mask.onSwitch = () => showingAll && refresh();
    masks.push(mask);
    field.closest("fieldset")?.addEventListener("focusin", () => mask.focus());
    const root = viewerFor({ sockets: config.socket ? [config.socket] : [] });
    const fallback = (why) => setStatus(mask.pk, why);
    if (!config.geometry || !root) { fallback("This case has no image to paint on."); continue; }
    if (!config.segments.length) { fallback("This question has no segments to paint."); continue; }
    viewerReady(root).then(async () => {
      if (root.dataset.state !== "ready" || !root.viewer?.nv) return fallback("Painting is not available in this viewer.");
      try {
        await mask.attach(root);
      } catch (err) {
        return fallback(`Painting is not available: ${err.message}.`);
      }
      if (!config.readOnly) mask.bind();
      if (config.saved) setStatus(mask.pk, "Your saved mask is shown.");
      else if (!config.readOnly) setStatus(mask.pk, "Nothing painted yet.");
    });
  }

  /** Before the form is posted: upload every mask that needs it (the autosave: those
   * painted since, not the untouched ones that a save would send empty); false stops the post. */
  async function upload({ changedOnly = false } = {}) {
    const api = new Api("/api/v1/uploads/", csrf);
    for (const mask of masks.filter((m) => m.needsUpload && (m.dirty || !changedOnly))) {
      try {
        await mask.upload(api);
      } catch (err) {
        setStatus(mask.pk, `Question '${mask.config.label}': the mask was not saved (${err.message}). Nothing of this case was saved.`);
        mask.field.closest("fieldset")?.classList.add("has-error");
        return false;
      }
    }
    return true;
  }

  const showAll = (on) => {
    showingAll = on;
    return refresh();
  };
  return { upload, showAll };
}
