// Drawing on whole-slide images: the volume viewer's annotation tools (viewer/annotations.mjs:
// points, boxes, polygons, lines…, select, move, delete, undo; GC's JSON from
// annotation-json.mjs) over OpenSeadragon. The slide is one flat tile whose pixels map to
// world millimetres as the slide viewer shows annotations: mm = origin + pixel × µm/px / 1000.

/**
 * The annotation tools' tile (a Niivue screenSlices entry, axial) for a viewer element of
 * `width` × `height` device pixels whose top-left and bottom-right corners show the world
 * points `topLeft` and `bottomRight` (mm). World LPS [x, y, 0] is drawn at in-plane
 * [u, v] = [-x, -y] (the tools work in RAS), so u runs -x0 … -x1 across.
 */
export function slideTile(width, height, topLeft, bottomRight) {
  const [x0, y0] = topLeft;
  const [x1, y1] = bottomRight;
  return {
    axCorSag: 0,
    leftTopWidthHeight: [0, 0, width, height],
    leftTopMM: [-x0, -y1],
    fovMM: [x0 - x1, y1 - y0],
    AxyzMxy: [0, 0, 0, 0, 0], // the plane z = 0
    sliceFrac: 0.5,
  };
}

/** Slide pixel -> world mm (slide-viewer's annotations.mjs toPixels, inverted). */
export function pixelToMm([x, y], { mpp, origin = [0, 0] }) {
  return [(origin[0] ?? 0) + (x * mpp[0]) / 1000, (origin[1] ?? 0) + (y * mpp[1]) / 1000];
}

/**
 * What the annotation tools and the item page's Annotate panel (archives/item-annotations.mjs)
 * need of a slide viewer: `annotations` (the layer API) and `el("canvas")` to focus.
 * Stored values come as read-only layers; the slide viewer's SVG draws those and the
 * tools draw the editable ones.
 */
export class SlideDrawing {
  constructor(slideViewer) {
    this.slideViewer = slideViewer;
    this.root = slideViewer.root;
    this.config = { annotations: slideViewer.config.annotations || [] };
    this.geometry = { spacing: [1, 1, Infinity] }; // the slide is flat: shapes at any z show
    this.drawsReadOnly = false;
    // The tools (four modules) load once the viewer has started, off the way to the
    // first tiles; `annotations` is null until then, and the slide viewer says "ready"
    // only after `loaded`.
    this.annotations = null;
    this.loaded = import("../viewer/annotations.mjs").then(
      ({ Annotations }) => {
        this.annotations = new Annotations(this);
      },
      () => this.status("The drawing tools could not be loaded: reload the page to draw.", "error"),
    );
  }

  status(text, kind) {
    this.slideViewer.say(text, kind);
  }

  el(name) {
    if (name !== "canvas") return this.root.querySelector(`[data-slide="${name}"]`);
    return this.root.querySelector(".openseadragon-canvas") || this.root.querySelector("[data-slide=canvas]");
  }

  /** Called once OpenSeadragon shows the slide (it must have a pixel size). */
  async attach() {
    await this.loaded;
    if (!this.annotations) return;
    const { viewer, OSD, slide } = this.slideViewer;
    const element = this.root.querySelector("[data-slide=canvas]");
    const geometry = { mpp: slide.mpp, origin: this.slideViewer.config.image.origin || [0, 0] };
    const dpr = () => window.devicePixelRatio || 1;
    const drawing = this;
    const surface = {
      get canvas() {
        const rect = () => element.getBoundingClientRect();
        return {
          getBoundingClientRect: rect,
          focus: (options) => drawing.el("canvas").focus(options),
          parentElement: element.parentElement,
          width: Math.round(rect().width * dpr()),
          height: Math.round(rect().height * dpr()),
        };
      },
      get uiData() {
        return { dpr: dpr() };
      },
      get screenSlices() {
        const rect = element.getBoundingClientRect();
        const corner = (x, y) => {
          const p = viewer.viewport.viewerElementToImageCoordinates(new OSD.Point(x, y));
          return pixelToMm([p.x, p.y], geometry);
        };
        return [slideTile(rect.width * dpr(), rect.height * dpr(), corner(0, 0), corner(rect.width, rect.height))];
      },
      drawScene: () => {},
    };
    this.annotations.attach(surface);
  }

  redraw() {
    this.annotations?.redraw();
  }

  /** Sockets whose value the tools draw now (editable layers): the SVG leaves them out. */
  editing() {
    if (!this.annotations) return new Set();
    return new Set([...this.annotations.layers.values()].filter((l) => !l.readOnly).map((l) => l.id));
  }
}
