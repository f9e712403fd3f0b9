// A small slice viewer for MetaImage (.mha) volumes: fetches the file through its
// permission-checked URL (which redirects to a signed object-store URL), parses the
// header, inflates the data with the browser's DecompressionStream and draws one slice.
(function () {
  "use strict";
  const root = document.getElementById("viewer");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const status = $("viewer-status");
  const canvas = $("viewer-canvas");
  const slider = $("viewer-slice");
  const centreInput = $("viewer-center");
  const widthInput = $("viewer-width");

  const TYPES = {
    MET_UCHAR: Uint8Array, MET_CHAR: Int8Array, MET_USHORT: Uint16Array, MET_SHORT: Int16Array,
    MET_UINT: Uint32Array, MET_INT: Int32Array, MET_FLOAT: Float32Array, MET_DOUBLE: Float64Array,
  };

  function parseHeader(bytes) {
    // The header is ASCII lines ending with "ElementDataFile = LOCAL".
    const limit = Math.min(bytes.length, 65536);
    const text = new TextDecoder("latin1").decode(bytes.subarray(0, limit));
    const marker = text.search(/ElementDataFile\s*=\s*LOCAL\s*\r?\n/);
    if (marker < 0) throw new Error("not a MetaImage file with local data");
    const end = marker + text.slice(marker).indexOf("\n") + 1;
    const header = {};
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const i = line.indexOf("=");
      if (i > 0) header[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return { header, offset: end };
  }

  async function inflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  function show(volume) {
    const { data, nx, ny, channels } = volume;
    const z = Number(slider.value);
    $("viewer-slice-out").textContent = `${z + 1} / ${volume.nz}`;
    const centre = Number(centreInput.value);
    const width = Math.max(Number(widthInput.value), 1e-6);
    const low = centre - width / 2;
    const ctx = canvas.getContext("2d");
    const out = ctx.createImageData(nx, ny);
    const base = z * nx * ny * channels;
    for (let p = 0; p < nx * ny; p++) {
      for (let c = 0; c < 3; c++) {
        const v = data[base + p * channels + (channels >= 3 ? c : 0)];
        out.data[p * 4 + c] = Math.max(0, Math.min(255, ((v - low) / width) * 255));
      }
      out.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(out, 0, 0);
  }

  function defaultWindow(volume) {
    const wc = parseFloat(root.dataset.windowCenter);
    const ww = parseFloat(root.dataset.windowWidth);
    if (Number.isFinite(wc) && Number.isFinite(ww) && ww > 0) return [wc, ww];
    // otherwise the 1st to 99th percentile of a sample of the voxels
    const step = Math.max(1, Math.floor(volume.data.length / 100000));
    const sample = [];
    for (let i = 0; i < volume.data.length; i += step) sample.push(volume.data[i]);
    sample.sort((a, b) => a - b);
    const lo = sample[Math.floor(sample.length * 0.01)];
    const hi = sample[Math.floor(sample.length * 0.99)];
    return [(lo + hi) / 2, Math.max(hi - lo, 1)];
  }

  async function load() {
    const response = await fetch(root.dataset.url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`download failed (${response.status})`);
    status.textContent = "Reading the image…";
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { header, offset } = parseHeader(bytes);
    if (header.BinaryDataByteOrderMSB === "True" || header.ElementByteOrderMSB === "True") {
      throw new Error("big-endian data is not supported by this viewer");
    }
    const Type = TYPES[header.ElementType];
    if (!Type) throw new Error(`element type ${header.ElementType} is not supported`);
    const dims = header.DimSize.split(/\s+/).map(Number);
    const channels = Number(header.ElementNumberOfChannels || 1);
    let raw = bytes.subarray(offset);
    if (header.CompressedData === "True") raw = await inflate(raw);
    const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const data = new Type(buffer);
    const [nx, ny] = dims;
    const nz = dims.length > 2 ? dims[2] : 1; // 4D: the first timepoint's slices
    return { data, nx, ny, nz, channels };
  }

  load().then((volume) => {
    canvas.width = volume.nx;
    canvas.height = volume.ny;
    const [centre, width] = defaultWindow(volume);
    centreInput.value = centre;
    widthInput.value = width;
    slider.max = volume.nz - 1;
    slider.value = Math.floor(volume.nz / 2);
    for (const el of [slider, centreInput, widthInput]) {
      el.disabled = false;
      el.addEventListener("input", () => show(volume));
    }
    status.textContent = "Scroll with the slider; set the window to change contrast.";
    show(volume);
  }).catch((error) => {
    status.textContent = `The image could not be shown: ${error.message}`;
  });
})();
