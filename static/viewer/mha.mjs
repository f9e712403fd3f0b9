// A .mha for Niivue, read as it downloads. Niivue reads single-channel MetaImage itself,
// but ignores ElementNumberOfChannels: an RGB(A) .mha would be read as three (four) times
// the voxels. Those we rewrap as a NIfTI-1 RGB24/RGBA32 volume with the same
// voxel-to-world mapping, in the browser.

const DT_RGB24 = 128;
const DT_RGBA32 = 2304;

/** The header fields of a .mha as strings, and where its voxel data starts. */
export function parseMhaHeader(bytes) {
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  const marker = text.search(/ElementDataFile\s*=\s*LOCAL\s*\r?\n/);
  if (marker < 0) throw new Error("not a MetaImage (.mha) file with its data inside");
  const offset = marker + text.slice(marker).indexOf("\n") + 1;
  const header = {};
  for (const line of text.slice(0, offset).split(/\r?\n/)) {
    const i = line.indexOf("=");
    if (i > 0) header[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { header, offset };
}

const numbers = (s, fallback) => (s ? s.split(/\s+/).map(Number) : fallback);

/** NIfTI-1 sform rows (RAS) from a .mha's LPS geometry; TransformMatrix lists D column by column. */
export function niftiRows(header) {
  const n = Number(header.NDims || 3);
  const spacing = numbers(header.ElementSpacing, [1, 1, 1]);
  const origin = numbers(header.Offset || header.Origin || header.Position, [0, 0, 0]);
  const m = numbers(header.TransformMatrix || header.Rotation || header.Orientation, null);
  const d = (r, c) => {
    if (m) return n === 2 ? (r < 2 && c < 2 ? m[c * 2 + r] : Number(r === c)) : m[c * 3 + r];
    return Number(r === c);
  };
  const s = [spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1];
  const flip = [-1, -1, 1]; // LPS -> RAS
  return [0, 1, 2].map((r) => [
    flip[r] * d(r, 0) * s[0], flip[r] * d(r, 1) * s[1], flip[r] * d(r, 2) * s[2], flip[r] * (origin[r] ?? 0),
  ]);
}

// NIfTI-1 codes and bytes per value of the MetaImage element types.
const ELEMENT_TYPES = {
  MET_UCHAR: [2, 1], MET_CHAR: [256, 1], MET_SHORT: [4, 2], MET_USHORT: [512, 2],
  MET_INT: [8, 4], MET_UINT: [768, 4], MET_FLOAT: [16, 4], MET_DOUBLE: [64, 8],
};
const NIFTI_HEADER = 352;

/** The sform rows of a .mha, also for 4D files (their 4×4 TransformMatrix cut to the spatial 3×3). */
function spatialRows(header) {
  const m = numbers(header.TransformMatrix, null);
  if (Number(header.NDims) !== 4 || !m || m.length !== 16) return niftiRows(header);
  const block = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => m[i * 4 + j]));
  return niftiRows({ ...header, NDims: "3", TransformMatrix: block.join(" ") });
}

/** Writes a NIfTI-1 header for a .mha's geometry and voxel type at the start of `out`. */
function writeNiftiHeader(out, header, { datatype, bitpix }) {
  const view = new DataView(out);
  const dims = numbers(header.DimSize, []);
  view.setInt32(0, 348, true);
  view.setInt16(40, Math.max(3, dims.length), true);
  [dims[0], dims[1] ?? 1, dims[2] ?? 1, dims[3] ?? 1, 1, 1, 1].forEach((v, i) => view.setInt16(42 + 2 * i, v, true));
  view.setInt16(70, datatype, true);
  view.setInt16(72, bitpix, true);
  const spacing = numbers(header.ElementSpacing, [1, 1, 1]);
  [1, spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1, spacing[3] ?? 1].forEach((v, i) => view.setFloat32(76 + 4 * i, v, true));
  view.setFloat32(108, NIFTI_HEADER, true); // vox_offset
  view.setFloat32(112, 1, true); // scl_slope
  view.setInt16(254, 1, true); // sform_code: scanner coordinates
  spatialRows(header).forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, true)));
  new Uint8Array(out, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
}

/** NIfTI datatype, bits per voxel and voxel bytes of a .mha, or why it cannot be wrapped. */
function niftiType(header) {
  const channels = Number(header.ElementNumberOfChannels || 1);
  const dims = numbers(header.DimSize, []);
  const count = dims.reduce((a, b) => a * b, 1);
  if (channels === 3 || channels === 4) {
    if (header.ElementType !== "MET_UCHAR") {
      throw new Error(`colour images must be 8-bit RGB or RGBA (this one: ${header.ElementType}, ${channels} channels)`);
    }
    return { datatype: channels === 3 ? DT_RGB24 : DT_RGBA32, bitpix: channels * 8, bytes: count * channels };
  }
  const type = ELEMENT_TYPES[header.ElementType];
  if (channels !== 1 || !type) throw new Error(`unsupported voxel type ${header.ElementType} with ${channels} channels`);
  return { datatype: type[0], bitpix: type[1] * 8, bytes: count * type[1] };
}

export class DamagedDataError extends Error {}

/**
 * A .mha read from a stream of its bytes (an async iterable of Uint8Array), its voxels
 * inflated as they arrive, straight into one preallocated buffer: no copy of the
 * compressed file is kept and no second pass is needed once the download ends.
 * `onStart({ header, voxels })` is called once the header is read (`voxels`, a Uint8Array,
 * fills as the data arrives), `onData(voxelBytes)` as the voxels arrive.
 * Returns `{ buffer, name }` for Niivue; a file it cannot wrap (big-endian data)
 * comes back as the .mha it was.
 */
export async function readMhaStream(chunks, name, { onStart = () => {}, onData = () => {} } = {}) {
  const iterator = chunks[Symbol.asyncIterator]();
  let head = new Uint8Array(0);
  while (!/ElementDataFile\s*=\s*LOCAL\s*\r?\n/.test(new TextDecoder("latin1").decode(head.subarray(0, 65536)))) {
    const { done, value } = await iterator.next();
    if (done || head.length > 65536) break;
    const grown = new Uint8Array(head.length + value.length);
    grown.set(head);
    grown.set(value, head.length);
    head = grown;
  }
  const { header, offset } = parseMhaHeader(head);
  const rest = { [Symbol.asyncIterator]: () => iterator };
  if (header.BinaryDataByteOrderMSB === "True") return { buffer: await concat(head, rest), name };
  const type = niftiType(header);
  // Grey images stay a .mha (Niivue reads its geometry in double precision), colour ones
  // become NIfTI RGB (Niivue reads a colour .mha as three images' worth of voxels).
  const colour = type.datatype === DT_RGB24 || type.datatype === DT_RGBA32;
  let file;
  let voxels;
  if (colour) {
    file = new ArrayBuffer(NIFTI_HEADER + type.bytes);
    writeNiftiHeader(file, header, type);
    voxels = new Uint8Array(file, NIFTI_HEADER);
  } else {
    voxels = new Uint8Array(type.bytes); // a buffer of their own: Niivue takes it as it is
    file = niivueFile(plainMhaHeader(new TextDecoder("latin1").decode(head.subarray(0, offset)), header), voxels.buffer);
  }
  onStart({ header, voxels });
  let pos = 0;
  const write = (value) => {
    if (pos + value.length > voxels.length) throw new DamagedDataError("its voxel data is longer than its header says");
    voxels.set(value, pos);
    pos += value.length;
    onData(pos);
  };
  const first = head.subarray(offset);
  if (header.CompressedData !== "True") {
    if (first.length) write(first);
    for await (const value of rest) write(value);
  } else {
    const inflater = new DecompressionStream("deflate");
    const writer = inflater.writable.getWriter();
    // Feed the compressed bytes while reading the inflated ones; a failed download
    // aborts the inflater, so the read below ends and reports the download's own error.
    let downloadError = null;
    const feeding = (async () => {
      try {
        if (first.length) await writer.write(first);
        for (;;) {
          let step;
          try {
            step = await iterator.next();
          } catch (err) {
            downloadError = err;
            writer.abort(err).catch(() => {});
            return;
          }
          if (step.done) break;
          await writer.write(step.value);
        }
        await writer.close();
      } catch {
        // the inflater failed: the read below says so
      }
    })();
    const reader = inflater.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        write(value);
      }
    } catch (err) {
      reader.cancel(err).catch(() => {}); // unblocks the feeding side
      await feeding;
      if (downloadError) throw downloadError;
      throw err instanceof DamagedDataError ? err : new DamagedDataError("its compressed voxel data is damaged");
    }
    await feeding;
  }
  if (pos !== voxels.length) {
    throw new DamagedDataError(`its voxel data is short: ${pos} of ${type.bytes} bytes`);
  }
  return { buffer: file, name: colour ? name.replace(/\.mha$/, ".nii") : name };
}

/**
 * A grey .mha as Niivue reads it: the header, whose voxels (an ArrayBuffer of their own)
 * are handed over as they are. Niivue's reader takes the voxels as `file.slice(header
 * length)`, a copy (262 MB for a 512×512×500 CT) made while the download is still held;
 * here that slice is the voxel buffer itself, which the viewer's CPU planes share. Niivue
 * skips newlines after a header, which could eat voxel bytes of 10 from a whole file; it
 * sees none here.
 */
function niivueFile(head, voxels) {
  const file = head.buffer;
  file.slice = (start, end) =>
    start === file.byteLength && end === undefined ? voxels : ArrayBuffer.prototype.slice.call(file, start, end);
  return file;
}

const ALIASES = new Set(["Origin", "Position", "Rotation", "Orientation"]);

/** A 2D .mha's geometry as a one-slice volume: Niivue reads a 2D MetaImage without its
 * origin and its axis directions, so the readout and drawn annotations would be off. The
 * 2×2 direction (listed column by column) goes into the top left of a 3×3. */
export function flatAs3D(header) {
  const [w, h] = numbers(header.DimSize, [1, 1]);
  const [sx, sy] = numbers(header.ElementSpacing, [1, 1]);
  const [ox, oy] = numbers(header.Offset || header.Origin || header.Position, [0, 0]);
  const m = numbers(header.TransformMatrix || header.Rotation || header.Orientation, null);
  const d = m && m.length === 4 ? m : [1, 0, 0, 1];
  return {
    NDims: "3",
    DimSize: `${w} ${h} 1`,
    ElementSpacing: `${sx ?? 1} ${sy ?? 1} 1`,
    Offset: `${ox ?? 0} ${oy ?? 0} 0`,
    TransformMatrix: [d[0], d[1], 0, d[2], d[3], 0, 0, 0, 1].join(" "),
  };
}

/** The header of an uncompressed copy of a .mha: 4D matrices cut to their spatial 3×3
 * (Niivue reads the first nine numbers as the direction). */
function plainMhaHeader(text, header) {
  const m = numbers(header.TransformMatrix, null);
  const flat = Number(header.NDims) === 2 ? flatAs3D(header) : null;
  const lines = text
    .split(/\r?\n/)
    .filter((line) => line.trim() && !/^(CompressedData|CompressedDataSize|ElementDataFile)\s*=/.test(line.trim()))
    .map((line) => {
      const key = line.slice(0, line.indexOf("=")).trim();
      if (flat && key in flat) return `${key} = ${flat[key]}`;
      if (flat && ALIASES.has(key)) return null; // Offset and TransformMatrix say it now
      if (Number(header.NDims) !== 4 || !m || m.length !== 16 || key !== "TransformMatrix") return line;
      return `TransformMatrix = ${[0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => m[i * 4 + j])).join(" ")}`;
    })
    .filter((line) => line !== null);
  if (flat) {
    // geometry keys a 2D file left out get their 3D defaults too
    for (const [key, value] of Object.entries(flat)) {
      if (!lines.some((line) => line.slice(0, line.indexOf("=")).trim() === key)) lines.splice(1, 0, `${key} = ${value}`);
    }
  }
  const plain = `${lines.join("\n")}\nComment = Tessera\nElementDataFile = LOCAL\n`;
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

async function concat(head, rest) {
  const parts = [head];
  let length = head.length;
  for await (const value of rest) {
    parts.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out.buffer;
}
