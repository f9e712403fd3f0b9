// While a volume downloads, its axial slices are drawn as soon as they are inflated, on a
// plain 2D canvas over the stored preview: the first slice within the first megabytes,
// then the newest one at most once a frame until the middle slice (where the viewer
// opens). Once all voxels are in, the CPU planes (cpu-stage.mjs) or Niivue replace it.

import { drawPlane, greyTable, planeSpec, robustWindow } from "./cpu-mpr.mjs";

// the stored voxel order: x to the right, y down
const STORED = [{ voxel: 0, sign: 1 }, { voxel: 1, sign: 1 }, { voxel: 2, sign: 1 }];

const TYPED = {
  MET_UCHAR: Uint8Array, MET_CHAR: Int8Array, MET_SHORT: Int16Array, MET_USHORT: Uint16Array,
  MET_INT: Int32Array, MET_UINT: Uint32Array, MET_FLOAT: Float32Array, MET_DOUBLE: Float64Array,
};

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
      onStart: ({ header, voxels }) => this.start(header, voxels),
      onData: (voxelBytes) => this.arrived(voxelBytes),
    };
  }

  start(header, voxels) {
    const dims = (header.DimSize || "").split(/\s+/).map(Number);
    const Typed = TYPED[header.ElementType];
    // grey volumes only: colour and 4D images wait for Niivue
    if (!Typed || Number(header.ElementNumberOfChannels || 1) !== 1 || dims.length !== 3) return;
    // a view of the download's own buffer, which Niivue takes over too: no copy
    this.voxels = new Typed(voxels.buffer, voxels.byteOffset, voxels.byteLength / Typed.BYTES_PER_ELEMENT);
    this.size = dims;
    [this.width, this.height, this.slices] = dims;
    this.sliceBytes = this.width * this.height * Typed.BYTES_PER_ELEMENT;
    this.middle = Math.floor(this.slices / 2);
  }

  /** The whole downloaded volume, { voxels, size }, or null for one the quick look cannot show. */
  volume() {
    return this.voxels ? { voxels: this.voxels, size: this.size } : null;
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
    if (!this.table) {
      this.window ??= robustWindow(this.voxels, slice * count, count);
      this.table = greyTable(this.voxels.constructor, this.window);
    }
    const rgba = new ImageData(this.width, this.height);
    const spec = planeSpec(STORED, this.size, [1, 1, 1], "axial");
    drawPlane(this.voxels, this.size, spec, [0, 0, slice], this.table, new Uint32Array(rgba.data.buffer));
    this.canvas.getContext("2d").putImageData(rgba, 0, 0);
    this.canvas.setAttribute("aria-label", `Axial slice ${slice + 1} of ${this.slices}, shown while the volume loads`);
    this.drawn = slice;
    this.root.dataset.quickSlice = String(slice + 1);
  }

  /** The download is done: the drawn slice stays; the voxels are the CPU planes' and
   * Niivue's from here on. */
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
