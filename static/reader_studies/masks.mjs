// Mask questions painted on the reading page with Niivue's own drawing tools: one pen per
// segment of the question (its voxel value, its colour in the viewer's palette), an
// eraser, a brush size, undo and clear. On save the drawing becomes a label map (.mha)
// with exactly the image's geometry, goes up through the uploads API, is built into an
// image by an upload session, and only then is the form posted with
// {"upload_session_pk": …}: the case's answers are still saved all or none, and a mask
// that cannot be uploaded keeps the whole form from being sent.
import { NVImage } from "../vendor/niivue/index.js";
import { Api, MiB, MultipartUpload } from "../uploads/multipart.js";
import { writeMha } from "../viewer/mha-write.mjs";
import { PALETTE, segmentColour } from "../viewer/segments.mjs";

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
  constructor({ form, field, config, setStatus }) {
    Object.assign(this, { form, field, config, setStatus });
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
    if (!owners.has(this.nv)) this.show();
    // every paint stroke, undo and clear (not a drawing loaded to be shown)
    this.nv.onDrawingChanged = (action) => { if (action !== "load" && action !== "close") owners.get(this.nv)?.changed(); };
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
    this.show();
    if (on) {
      this.root.viewer.annotations?.deactivate();
      nv.opts.penSize = this.size;
      nv.setPenValue(this.pen, false);
    }
    nv.setDrawingEnabled(on);
    this.painting = on;
    const button = this.tools.querySelector("[data-mask-paint]");
    button.textContent = on ? "Stop painting" : "Paint";
    button.setAttribute("aria-pressed", String(on));
    this.root.dataset.painting = on ? this.pk : "";
    if (on) this.setStatus(this.pk, `Paint on the image: drag with the left button (${this.penName()}).`);
  }

  penName() {
    const segment = this.config.segments.find((s) => s.voxel_value === this.pen);
    return segment ? segment.name : "eraser";
  }

  changed() {
    this.dirty = true;
    this.setStatus(this.pk, "Painted; the mask is saved with the case.");
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
    // a fresh key per save: resuming an earlier, unfinished upload would send its old parts
    const multipart = new MultipartUpload({
      api, file, name: `mask-${this.pk}.mha`, partSize: 5 * MiB, maxAttempts: 3,
      storeKey: `tessera-mask-${this.pk}-${Date.now()}`,
    });
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
    this.field.value = JSON.stringify({ upload_session_pk: session.pk });
    this.dirty = false;
  }
}

/** Bind the page's mask questions; returns the save step the form's submit runs first. */
export function bindMasks({ form, viewerFor, viewerReady, setStatus, csrf }) {
  const masks = [];
  for (const field of form.querySelectorAll("[data-mask]")) {
    const config = JSON.parse(document.getElementById(field.dataset.maskConfig).textContent);
    const mask = new Mask({ form, field, config, setStatus });
    masks.push(mask);
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

  /** Before the form is posted: upload every mask that needs it; false stops the post. */
  return async function uploadMasks() {
    const api = new Api("/api/v1/uploads/", csrf);
    for (const mask of masks.filter((m) => m.needsUpload)) {
      try {
        await mask.upload(api);
      } catch (err) {
        setStatus(mask.pk, `Question '${mask.config.label}': the mask was not saved (${err.message}). Nothing of this case was saved.`);
        mask.field.closest("fieldset")?.classList.add("has-error");
        return false;
      }
    }
    return true;
  };
}
