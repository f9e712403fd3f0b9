// Annotation socket values (grand-challenge JSON, world coordinates in millimetres) as
// shapes in slide pixels: image pixel = (mm - origin) × 1000 / micrometres per pixel.
// Read-only display: points, boxes, polygons, distance lines and (poly)lines.

export function toPixels(point, { mpp, origin = [0, 0] }) {
  return [
    ((point[0] - (origin[0] ?? 0)) * 1000) / mpp[0],
    ((point[1] - (origin[1] ?? 0)) * 1000) / mpp[1],
  ];
}

const SINGLE = {
  Point: (v) => [{ kind: "point", points: [v.point] }],
  "2D bounding box": (v) => [{ kind: "polygon", points: v.corners }],
  Polygon: (v) => [{ kind: "polygon", points: v.path_points }],
  "Distance measurement": (v) => [{ kind: "line", points: [v.start, v.end] }],
  Line: (v) => (v.path_point_lists || []).map((points) => ({ kind: "line", points })),
};

const MULTIPLE = {
  "Multiple points": ["points", "Point"],
  "Multiple 2D bounding boxes": ["boxes", "2D bounding box"],
  "Multiple polygons": ["polygons", "Polygon"],
  "Multiple distance measurements": ["lines", "Distance measurement"],
  "Multiple lines": ["lines", "Line"],
};

function shapesOf(value, type) {
  const single = SINGLE[type];
  if (single) {
    return single(value).map((shape) => ({ ...shape, name: value.name || "" }));
  }
  const multiple = MULTIPLE[type];
  if (multiple) {
    const [key, itemType] = multiple;
    return (value[key] || []).flatMap((item) => shapesOf(item, itemType));
  }
  return [];
}

// [{title, value}] -> [{kind, points: [[x, y] pixels], name, title}]
export function slideShapes(annotations, geometry) {
  const shapes = [];
  for (const { title, value } of annotations) {
    if (!value || typeof value !== "object") continue;
    for (const shape of shapesOf(value, value.type)) {
      if (!Array.isArray(shape.points) || !shape.points.every(Array.isArray)) continue;
      shapes.push({
        ...shape,
        title,
        points: shape.points.map((p) => toPixels(p, geometry)),
      });
    }
  }
  return shapes;
}
