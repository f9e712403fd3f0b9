// While a volume downloads, its axial slices are drawn as soon as they are inflated, on a
// plain 2D canvas over the stored preview: the first slice within the first megabytes,
// then the newest one at most once a frame until the middle slice (where the viewer
// opens). Niivue's views replace it once the whole volume is on the GPU.

const TYPED = {
  MET_UCHAR: Uint8Array, MET_CHAR: Int8Array, MET_SHORT: Int16Array, MET_USHORT: Uint16Array,
  MET_INT: Int32Array, MET_UINT: Uint32Array, MET_FLOAT: Float32Array, MET_DOUBLE: Float64Array,
};

/** Grey levels (0–255) of one slice of `voxels` under a window [low, high]. */
export function greySlice(voxels, start, count, low, high) {
  const grey = new Uint8ClampedArray(count);
  const scale = 255 / Math.max(high - low, Number.EPSILON);
  for (let i = 0; i < count; i++) grey[i] = (voxels[start + i] - low) * scale;
  return grey;
}

/** The window of a slice that has none stored: its 2nd to 98th percentile. */
export function sliceWindow(voxels, start, count) {
  const step = Math.max(1, Math.floor(count / 4096));
  const sample = [];
  for (let i = 0; i < count; i += step) sample.push(voxels[start + i]);
  sample.sort((a, b) => a - b);
  const low = sample[Math.floor(sample.length * 0.02)];
  const high = sample[Math.floor(sample.length * 0.98)];
  return high > low ? [low, high] : [sample[0], sample[sample.length - 1] + 1];
}

export class QuickLook {
  /** `window` is the image's stored { center, width } (either may be null). */
  constructor(root, before, window) {
    this.root = root;
    this.before = before;
    this.window = Number.isFinite(window.center) && Number.isFinite(window.width) && window.width > 0
      ? [window.center - window.width / 2, window.center + window.width / 2]
      : null;
    this.drawn = -1;
    this.frame = 0;
  }

  /** onStart/onData for fetchImage (load.mjs) of the viewer's main image. */
  callbacks() {
    return {
      onStart: ({ header, bytes, dataOffset }) => this.start(header, bytes, dataOffset),
      onData: (voxelBytes) => this.arrived(voxelBytes),
    };
  }

  start(header, bytes, dataOffset) {
    const dims = (header.DimSize || "").split(/\s+/).map(Number);
    const Typed = TYPED[header.ElementType];
    // grey volumes only: colour and 4D images wait for Niivue
    if (!Typed || Number(header.ElementNumberOfChannels || 1) !== 1 || dims.length !== 3) return;
    this.voxels = new Typed(bytes.buffer, dataOffset, (bytes.length - dataOffset) / Typed.BYTES_PER_ELEMENT);
    [this.width, this.height, this.slices] = dims;
    this.sliceBytes = this.width * this.height * Typed.BYTES_PER_ELEMENT;
    this.middle = Math.floor(this.slices / 2);
  }

  arrived(voxelBytes) {
    this.latest = voxelBytes;
    if (!this.voxels || this.drawn >= this.middle || this.frame) return;
    if (this.complete() <= this.drawn) return;
    if (this.drawn < 0) this.draw(this.complete()); // the first slice at once, the others once a frame
    else {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        if (this.voxels) this.draw(this.complete());
      });
    }
  }

  /** The newest slice whose voxels have all arrived, up to the middle one. */
  complete() {
    return Math.min(this.middle, Math.floor(this.latest / this.sliceBytes) - 1);
  }

  draw(slice) {
    if (!this.canvas) {
      this.canvas = document.createElement("canvas");
      this.canvas.className = "viewer-preview viewer-quick-look";
      this.canvas.width = this.width;
      this.canvas.height = this.height;
      this.canvas.setAttribute("role", "img");
      this.before.before(this.canvas);
    }
    const count = this.width * this.height;
    const start = slice * count;
    this.window ??= sliceWindow(this.voxels, start, count);
    const grey = greySlice(this.voxels, start, count, ...this.window);
    const rgba = new ImageData(this.width, this.height);
    for (let i = 0, j = 0; i < count; i++, j += 4) {
      rgba.data[j] = rgba.data[j + 1] = rgba.data[j + 2] = grey[i];
      rgba.data[j + 3] = 255;
    }
    this.canvas.getContext("2d").putImageData(rgba, 0, 0);
    this.canvas.setAttribute("aria-label", `Axial slice ${slice + 1} of ${this.slices}, shown while the volume loads`);
    this.drawn = slice;
    this.root.dataset.quickSlice = String(slice + 1);
  }

  /** The download is done: the drawn slice stays, the downloaded voxels may be let go
   * as soon as Niivue has its copy (a large CT's bytes are not held twice for longer). */
  release() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      if (this.voxels) this.draw(this.complete()); // the slice that frame would have drawn
    }
    this.voxels = null;
  }

  /** Niivue has the volume (or loading failed): drop the canvas. */
  close() {
    this.release();
    this.canvas?.remove();
  }
}
