// Grand-challenge's annotation JSON (contracts §A.6) <-> the viewer's shapes.
// A shape is {type, points, extra}: `type` a single kind ("Point", "Polygon"…), `points`
// its world points (LPS mm) in a fixed order per type, `extra` the keys we keep as they
// came (name, probability; a polygon's seed_point, sub_type and groups).

export const VERSION = { major: 1, minor: 0 };

/** Single kind -> how it is drawn: a drag, n clicks, or clicks until finished. */
export const SINGLE_KINDS = {
  Point: { tool: "clicks", count: 1 },
  Line: { tool: "path", min: 2 },
  "2D bounding box": { tool: "box" },
  "Distance measurement": { tool: "segment" },
  Polygon: { tool: "path", min: 3, closed: true },
  Angle: { tool: "clicks", count: 4 },
  "Three-point angle": { tool: "clicks", count: 3 },
  Ellipse: { tool: "ellipse" },
};

/** Multiple kind -> [its single kind, the key of its list]. */
export const MULTIPLE_KINDS = {
  "Multiple points": ["Point", "points"],
  "Multiple lines": ["Line", "lines"],
  "Multiple 2D bounding boxes": ["2D bounding box", "boxes"],
  "Multiple distance measurements": ["Distance measurement", "lines"],
  "Multiple polygons": ["Polygon", "polygons"],
  "Multiple angles": ["Angle", "angles"],
  "Multiple three-point angles": ["Three-point angle", "angles"],
  "Multiple ellipses": ["Ellipse", "ellipses"],
};

export const ANNOTATION_KINDS = [...Object.keys(SINGLE_KINDS), ...Object.keys(MULTIPLE_KINDS)];

/** The single kind drawn for `kind` and whether it holds many. */
export function kindInfo(kind) {
  if (kind in SINGLE_KINDS) return { single: kind, multiple: false, ...SINGLE_KINDS[kind] };
  if (kind in MULTIPLE_KINDS) {
    const [single, key] = MULTIPLE_KINDS[kind];
    return { single, multiple: true, key, ...SINGLE_KINDS[single] };
  }
  throw new Error(`"${kind}" is not an annotation kind; expected one of ${ANNOTATION_KINDS.join(", ")}.`);
}

// Sub-objects of a Multiple kind may carry only these besides their geometry.
const KEPT = ["name", "probability"];
const GEOMETRY_KEYS = {
  Point: ["point"],
  Line: ["seed_points", "path_point_lists"],
  "2D bounding box": ["corners"],
  "Distance measurement": ["start", "end"],
  Polygon: ["seed_point", "path_points", "sub_type", "groups"],
  Angle: ["lines"],
  "Three-point angle": ["angle"],
  Ellipse: ["major_axis", "minor_axis"],
};

const point = (p) => p.map(Number);

/** One GC object of single kind `type` -> a shape. */
export function shapeFromJson(type, json) {
  const points = {
    Point: () => [json.point],
    Line: () => (json.seed_points?.length ? json.seed_points : (json.path_point_lists ?? []).flat()),
    "2D bounding box": () => json.corners,
    "Distance measurement": () => [json.start, json.end],
    Polygon: () => json.path_points,
    Angle: () => json.lines.flat(),
    "Three-point angle": () => json.angle,
    Ellipse: () => [...json.major_axis, ...json.minor_axis],
  }[type]();
  const extra = {};
  for (const key of KEPT) if (key in json) extra[key] = json[key];
  if (type === "Polygon") {
    extra.seed_point = json.seed_point;
    extra.sub_type = json.sub_type;
    extra.groups = json.groups;
  }
  return { type, points: points.map(point), extra };
}

/** A shape -> its GC object (without `version`, as inside a Multiple kind). */
export function shapeToJson(shape) {
  const p = shape.points.map((q) => q.map((v) => Number(v)));
  const geometry = {
    Point: () => ({ point: p[0] }),
    // one polyline through the clicked points
    Line: () => ({ seed_points: p, path_point_lists: [p] }),
    "2D bounding box": () => ({ corners: p }),
    "Distance measurement": () => ({ start: p[0], end: p[1] }),
    Polygon: () => ({
      seed_point: shape.extra.seed_point ?? p[0],
      path_points: p,
      sub_type: shape.extra.sub_type ?? "poly",
      groups: shape.extra.groups ?? [],
    }),
    Angle: () => ({ lines: [[p[0], p[1]], [p[2], p[3]]] }),
    "Three-point angle": () => ({ angle: p }),
    Ellipse: () => ({ major_axis: [p[0], p[1]], minor_axis: [p[2], p[3]] }),
  }[shape.type]();
  const kept = {};
  for (const key of KEPT) if (key in shape.extra) kept[key] = shape.extra[key];
  return { type: shape.type, ...geometry, ...kept };
}

/** A layer's GC answer/value JSON for `kind`, or null when nothing is drawn. */
export function buildValue(kind, shapes, { name } = {}) {
  const info = kindInfo(kind);
  if (!shapes.length) return null;
  const named = name === undefined || name === null ? {} : { name };
  if (!info.multiple) return { ...shapeToJson(shapes[shapes.length - 1]), version: { ...VERSION } };
  return { type: kind, [info.key]: shapes.map(shapeToJson), version: { ...VERSION }, ...named };
}

/** GC JSON of `kind` -> {shapes, name}; throws with the key at fault on a wrong shape. */
export function parseValue(kind, json) {
  const info = kindInfo(kind);
  if (json === null || json === undefined) return { shapes: [], name: undefined };
  if (typeof json !== "object" || json.type !== kind) {
    throw new Error(`A "${kind}" value must be an object with "type": "${kind}".`);
  }
  const check = (type, obj) => {
    for (const key of GEOMETRY_KEYS[type]) {
      if (type === "Polygon" && key !== "path_points") continue;
      if (!(key in obj)) throw new Error(`A "${type}" needs "${key}".`);
    }
    return shapeFromJson(type, obj);
  };
  if (!info.multiple) return { shapes: [check(kind, json)], name: undefined };
  const list = json[info.key];
  if (!Array.isArray(list)) throw new Error(`A "${kind}" value needs the list "${info.key}".`);
  return { shapes: list.map((obj) => check(info.single, obj)), name: json.name };
}

const sub = (a, b) => a.map((v, i) => v - b[i]);
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));

/** Distance in mm between two world points. */
export function distanceMm(a, b) {
  return norm(sub(a, b));
}

/** Angle in degrees between directions u and v (0 to 180). */
export function angleBetween(u, v) {
  const c = dot(u, v) / (norm(u) * norm(v));
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}

/** The measurement a shape shows: "12.3 mm" or "45.0°", or "" for shapes without one. */
export function measurement(shape) {
  const p = shape.points;
  if (shape.type === "Distance measurement") return `${distanceMm(p[0], p[1]).toFixed(1)} mm`;
  if (shape.type === "Three-point angle" && p.length === 3) {
    return `${angleBetween(sub(p[0], p[1]), sub(p[2], p[1])).toFixed(1)}°`;
  }
  if (shape.type === "Angle" && p.length === 4) {
    return `${angleBetween(sub(p[1], p[0]), sub(p[3], p[2])).toFixed(1)}°`;
  }
  return "";
}
