// Writes a MetaImage (.mha) in the browser: a label map (8-bit) with exactly a given
// image's geometry, for mask answers painted on the reading page. mha.mjs reads them.
//
// Geometry as the image's metadata holds it (SimpleITK's view): size [x, y(, z)],
// spacing, origin (LPS mm) and the row-major direction matrix (n × n). MetaImage's
// TransformMatrix lists that matrix column by column (as ITK writes it).

const TYPES = { uint8: ["MET_UCHAR", Uint8Array], uint16: ["MET_USHORT", Uint16Array] };

function checkedLength(name, values, n) {
  if (!Array.isArray(values) || values.length !== n || values.some((v) => !Number.isFinite(Number(v)))) {
    throw new Error(`${name} must hold ${n} numbers (got ${JSON.stringify(values)})`);
  }
  return values.map(Number);
}

/** The header lines of a label map with this geometry (uncompressed, data inside). */
export function mhaHeader({ size, spacing, origin, direction, type = "uint8" }) {
  const n = size.length;
  if (n !== 2 && n !== 3) throw new Error(`a label map has 2 or 3 dimensions (got ${n})`);
  const dims = checkedLength("size", size, n);
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`size must be positive integers (got ${size})`);
  const s = checkedLength("spacing", spacing, n);
  const o = checkedLength("origin", origin, n);
  const d = direction?.length ? checkedLength("direction", direction, n * n) : [...Array(n * n)].map((_, i) => Number(i % (n + 1) === 0));
  const columns = [];
  for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) columns.push(d[r * n + c]);
  const [elementType] = TYPES[type] ?? [];
  if (!elementType) throw new Error(`unknown voxel type ${type}`);
  return [
    "ObjectType = Image",
    `NDims = ${n}`,
    "BinaryData = True",
    "BinaryDataByteOrderMSB = False",
    "CompressedData = False",
    `TransformMatrix = ${columns.join(" ")}`,
    `Offset = ${o.join(" ")}`,
    `CenterOfRotation = ${Array(n).fill(0).join(" ")}`,
    `ElementSpacing = ${s.join(" ")}`,
    `DimSize = ${dims.join(" ")}`,
    `ElementType = ${elementType}`,
    "ElementDataFile = LOCAL",
  ];
}

/** The .mha bytes: header, then `data` (voxels with x fastest, then y, then z; as many as
 * the size says). */
export function writeMha({ size, spacing, origin, direction, data, type = "uint8" }) {
  const lines = mhaHeader({ size, spacing, origin, direction, type });
  const count = size.reduce((a, b) => a * b, 1);
  if (!data || data.length !== count) {
    throw new Error(`the label map needs ${count} voxels for a ${size.join("×")} image (got ${data?.length ?? 0})`);
  }
  const Array_ = TYPES[type][1];
  const voxels = data instanceof Array_ ? data : Array_.from(data);
  const head = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const body = new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
