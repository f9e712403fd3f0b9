// Niivue reads single-channel MetaImage (.mha) itself, but ignores ElementNumberOfChannels:
// an RGB(A) .mha would be read as three (four) times the voxels. Those we rewrap as a
// NIfTI-1 RGB24/RGBA32 volume with the same voxel-to-world mapping, in the browser.

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

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A NIfTI-1 (.nii) file for an RGB or RGBA uchar .mha. */
export async function rgbMhaToNifti(buffer) {
  const bytes = new Uint8Array(buffer);
  const { header, offset } = parseMhaHeader(bytes);
  const channels = Number(header.ElementNumberOfChannels || 1);
  if (header.ElementType !== "MET_UCHAR" || (channels !== 3 && channels !== 4)) {
    throw new Error(`colour images must be 8-bit RGB or RGBA (this one: ${header.ElementType}, ${channels} channels)`);
  }
  const dims = numbers(header.DimSize, []);
  let data = bytes.subarray(offset);
  if (header.CompressedData === "True") data = await inflate(data);
  const expected = dims.reduce((a, b) => a * b, 1) * channels;
  if (data.length < expected) throw new Error(`the image data is short: ${data.length} of ${expected} bytes`);

  const out = new ArrayBuffer(352 + expected);
  const view = new DataView(out);
  view.setInt32(0, 348, true);
  view.setInt16(40, Math.max(3, dims.length), true);
  [dims[0], dims[1] ?? 1, dims[2] ?? 1, 1, 1, 1, 1].forEach((v, i) => view.setInt16(42 + 2 * i, v, true));
  view.setInt16(70, channels === 3 ? DT_RGB24 : DT_RGBA32, true);
  view.setInt16(72, channels * 8, true);
  const spacing = numbers(header.ElementSpacing, [1, 1, 1]);
  [1, spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1].forEach((v, i) => view.setFloat32(76 + 4 * i, v, true));
  view.setFloat32(108, 352, true); // vox_offset
  view.setFloat32(112, 1, true); // scl_slope
  view.setInt16(254, 1, true); // sform_code: scanner coordinates
  niftiRows(header).forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, true)));
  new Uint8Array(out, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
  new Uint8Array(out, 352).set(data.subarray(0, expected));
  return out;
}

/**
 * A 4D (x, y, z, t) .mha with its header's 4×4 TransformMatrix cut to the spatial 3×3:
 * Niivue reads the first nine numbers as the 3D direction, which for a 4×4 are wrong.
 * The voxel data stays where it is; only the header bytes before it change.
 */
export function spatialHeader4D(buffer) {
  const bytes = new Uint8Array(buffer);
  const { header, offset } = parseMhaHeader(bytes);
  const m = numbers(header.TransformMatrix, null);
  if (Number(header.NDims) !== 4 || !m || m.length !== 16) return buffer;
  const block = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => m[i * 4 + j]));
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, offset));
  const rewritten = text.replace(/^TransformMatrix\s*=.*$/m, `TransformMatrix = ${block.join(" ")}`);
  const head = Uint8Array.from(rewritten, (c) => c.charCodeAt(0));
  const out = new Uint8Array(head.length + bytes.length - offset);
  out.set(head);
  out.set(bytes.subarray(offset), head.length);
  return out.buffer;
}

/** What to hand Niivue for a downloaded file: colour .mha rewrapped, 4D headers cut to
 * their spatial direction, everything else as is. */
export async function forNiivue(buffer, name) {
  if (!name.endsWith(".mha")) return { buffer, name };
  const { header } = parseMhaHeader(new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 65536)));
  if (Number(header.NDims) === 4) return { buffer: spatialHeader4D(buffer), name };
  if (Number(header.ElementNumberOfChannels || 1) === 1) return { buffer, name };
  return { buffer: await rgbMhaToNifti(buffer), name: name.replace(/\.mha$/, ".nii") };
}
