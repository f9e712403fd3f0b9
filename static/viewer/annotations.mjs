// Annotation tools of the volume viewer: draws grand-challenge annotation JSON (§A.6)
// over every 2D viewport, in world coordinates (LPS mm), and lets a user draw and edit it.
//
// JavaScript API. A viewer made by viewer.mjs (`element.viewer`) has `viewer.annotations`:
//
//   const layer = viewer.annotations.layer({id, kind, multiple = false, color = "#ff0000",
//                                          label = "", readOnly = false, hidden = false,
//                                          showLabel = false});
//     kind: one of GC's annotation kinds ("Point", "Multiple points", "Line",
//     "Multiple lines", "2D bounding box", "Multiple 2D bounding boxes",
//     "Distance measurement", "Multiple distance measurements", "Polygon",
//     "Multiple polygons", "Angle", "Multiple angles", "Three-point angle",
//     "Multiple three-point angles", "Ellipse", "Multiple ellipses"); `multiple: true`
//     with a single kind means the "Multiple …" kind. Calling layer() again with the same
//     id returns that layer with the new options (its drawing is kept).
//     hidden: true keeps the layer off the image (and out of reach of the mouse);
//     showLabel: true writes its label beside each of its objects.
//   layer.value        GC JSON of the layer's kind (world mm), or null when nothing is drawn
//   layer.set(json)    show an existing answer/value (null clears); no change event
//   layer.activate()   make this layer's tool the active one: a drawing replaces the layer's
//                      object, or adds one for Multiple kinds (which stay active; single
//                      kinds go back to navigating after one drawing)
//   layer.clear()      remove all its objects (no change event)
//   layer.remove()     take the layer off the viewer
//   layer.addEventListener("change", (e) => e.detail.value)
//                      after every user edit: draw, move, edit, delete, undo
//   viewer.annotations.undo()            undo the last user edit (also Ctrl+Z)
//   viewer.annotations.deleteSelected()  delete the selected object (also Delete)
//   viewer.annotations.deactivate()      back to navigating (also Esc)
//
// Drawing: drag for boxes, distances and ellipses; click for points and angles (4 clicks:
// two lines; 3 clicks: three-point angle); click points for lines and polygons and finish
// with a double click or Enter. Drag a handle to edit, the outline to move; objects lie in
// the plane of the viewport they were drawn in and show on every viewport whose plane
// holds them (within half a voxel).
import { MULTIPLE_KINDS, buildValue, kindInfo, measurement, parseValue } from "./annotation-json.mjs";
import {
  dragShape,
  handleAt,
  hitsShape,
  moveHandle,
  outline,
  projectShape,
  screenToUv,
  sliceTiles,
  tileAt,
  uvToScreen,
  uvToWorld,
  worldToUv,
} from "./annotation-plane.mjs";

const clone = (shapes) => shapes.map((s) => ({ type: s.type, points: s.points.map((p) => [...p]), extra: { ...s.extra } }));
const CLICK_SLOP = 3; // px a press may move and still count as a click
// Niivue rebuilds its tiles on every draw: a tile is known again by its place and plane.
const tileKey = (tile) => `${tile.axCorSag}:${tile.leftTopWidthHeight.join(",")}`;

export class Layer extends EventTarget {
  constructor(owner, options) {
    super();
    this.owner = owner;
    this.shapes = [];
    this.name = undefined;
    this.configure(options);
  }

  configure({ id, kind, multiple = false, color = "#ff0000", label = "", readOnly = false, hidden = false, showLabel = false }) {
    let info = kindInfo(kind);
    if (multiple && !info.multiple) {
      kind = Object.keys(MULTIPLE_OF).find((k) => MULTIPLE_OF[k] === kind);
      info = kindInfo(kind);
    }
    if (this.kind && this.kind !== kind) this.shapes = []; // another kind: nothing carries over
    Object.assign(this, { id, kind, info, color, label, readOnly, hidden, showLabel });
  }

  get value() {
    return buildValue(this.kind, this.shapes, { name: this.name });
  }

  set(json) {
    const { shapes, name } = parseValue(this.kind, json);
    this.shapes = shapes;
    this.name = name;
    this.owner.deselect(this);
    this.owner.redraw();
  }

  activate() {
    this.owner.activate(this);
  }

  clear() {
    this.set(null);
  }

  remove() {
    this.owner.removeLayer(this);
  }

  changed() {
    this.dispatchEvent(new CustomEvent("change", { detail: { value: this.value, layer: this } }));
  }
}

// "Multiple points" -> "Point" …, for layer({kind: "Point", multiple: true})
const MULTIPLE_OF = Object.fromEntries(Object.entries(MULTIPLE_KINDS).map(([m, [s]]) => [m, s]));

export class Annotations {
  constructor(viewer) {
    this.viewer = viewer;
    this.layers = new Map();
    this.history = [];
    this.active = null; // the layer being drawn
    this.selected = null; // {layer, index}
    this.pending = null; // a shape being clicked or dragged into being
    this.drag = null; // a handle or whole shape being moved
    this.nv = null;
  }

  // --- the API ---

  layer(options) {
    const existing = this.layers.get(options.id);
    if (existing) {
      existing.configure({ ...options });
      this.toolbar();
      this.redraw();
      return existing;
    }
    const layer = new Layer(this, options);
    this.layers.set(options.id, layer);
    this.toolbar();
    return layer;
  }

  removeLayer(layer) {
    if (this.active === layer) this.deactivate();
    this.deselect(layer);
    this.layers.delete(layer.id);
    this.history = this.history.filter((h) => h.layer !== layer);
    this.toolbar();
    this.redraw();
  }

  activate(layer) {
    if (layer.readOnly) throw new Error(`The layer "${layer.id}" is read-only.`);
    this.pending = null;
    this.active = layer;
    this.toolbar();
    this.redraw();
  }

  deactivate() {
    this.active = null;
    this.pending = null;
    this.toolbar();
    this.redraw();
  }

  undo() {
    const last = this.history.pop();
    if (!last) return;
    last.layer.shapes = last.shapes;
    this.selected = null;
    this.redraw();
    last.layer.changed();
  }

  deleteSelected() {
    const sel = this.selected;
    if (!sel || sel.layer.readOnly) return;
    this.remember(sel.layer);
    sel.layer.shapes.splice(sel.index, 1);
    this.selected = null;
    this.redraw();
    sel.layer.changed();
  }

  deselect(layer) {
    if (this.selected?.layer === layer) this.selected = null;
  }

  // --- wiring into the viewer ---

  /** Called by the viewer once Niivue shows the image: an overlay canvas over its
   * canvas, redrawn after every Niivue draw; pointer and key events caught first. */
  attach(nv) {
    this.nv = nv;
    const canvas = nv.canvas;
    this.frame = canvas.parentElement;
    const draw = nv.drawScene.bind(nv);
    nv.drawScene = (...args) => {
      const result = draw(...args);
      this.redraw();
      return result;
    };
    // Pointer events: mouse, touch and pen alike. A consumed pointerdown keeps the
    // viewer's own mouse handling out (no compatibility mouse events follow it); its
    // touch handling is kept out while a pointer draws or drags.
    const listen = (type, handler) => this.frame.addEventListener(type, handler, { capture: true, passive: false });
    listen("pointerdown", (e) => this.down(e));
    listen("pointermove", (e) => this.move(e));
    listen("pointerup", (e) => this.up(e));
    listen("pointercancel", (e) => this.cancel(e));
    listen("dblclick", (e) => this.doubleClick(e));
    listen("keydown", (e) => this.key(e));
    for (const type of ["touchstart", "touchmove", "touchend"]) {
      listen(type, (e) => {
        // the touchend of our touch comes after its pointerup: kept from the viewer too,
        // and prevented, so a tap makes no mouse events (Niivue would move the crosshair)
        const ending = type === "touchend" && this.touchEnding;
        if (type === "touchend") this.touchEnding = false;
        if (this.owner === null && !ending) return;
        e.preventDefault();
        e.stopPropagation();
      });
    }
    this.owner = null; // the pointer drawing or dragging, if any
    const root = this.viewer.root;
    root.querySelector("[data-annotations=delete]")?.addEventListener("click", () => this.deleteSelected());
    root.querySelector("[data-annotations=undo]")?.addEventListener("click", () => this.undo());
    root.querySelector("[data-annotations=stop]")?.addEventListener("click", () => this.deactivate());
    // the case's annotation values, read-only unless the page already made the layer editable
    for (const a of this.viewer.config.annotations ?? []) {
      try {
        const layer = this.layers.get(a.slug) ?? this.layer({ id: a.slug, kind: a.kind, label: a.title, readOnly: true });
        layer.set(a.value);
      } catch (err) {
        this.viewer.status(`The annotation "${a.title}" could not be shown: ${err.message}`, "warning");
      }
    }
    this.toolbar();
    this.redraw();
  }

  /** Show the annotation buttons while a layer is editable, and say what the tool does. */
  toolbar() {
    const bar = this.viewer.root.querySelector("[data-annotations=tools]");
    if (!bar) return;
    bar.hidden = ![...this.layers.values()].some((l) => !l.readOnly);
    const hint = bar.querySelector("[data-annotations=hint]");
    const stop = bar.querySelector("[data-annotations=stop]");
    if (stop) stop.disabled = !this.active;
    if (!hint) return;
    const a = this.active;
    if (!a) hint.textContent = "Click an annotation to select it; drag its handles to edit it.";
    else {
      const how = {
        box: "drag on a slice",
        segment: "drag on a slice",
        ellipse: "drag on a slice",
        clicks: a.info.count === 1 ? "click on a slice" : `click ${a.info.count} points`,
        path: "click points, double-click or Enter to finish",
      }[a.info.tool];
      hint.textContent = `Drawing ${a.info.single.toLowerCase()} for ${a.label || a.id}: ${how}; Esc stops.`;
    }
    this.viewer.root.dataset.annotating = a ? a.id : "";
  }

  tolerance() {
    return 0.5 * Math.max(...this.viewer.geometry.spacing) + 1e-3;
  }

  tiles() {
    return sliceTiles(this.nv?.screenSlices);
  }

  // --- pointer handling (device pixels, as Niivue's own) ---

  point(e) {
    const r = this.nv.canvas.getBoundingClientRect();
    const dpr = this.nv.uiData?.dpr || window.devicePixelRatio || 1;
    return [(e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr];
  }

  radius() {
    return 7 * (this.nv.uiData?.dpr || window.devicePixelRatio || 1);
  }

  consume(e) {
    e.preventDefault();
    e.stopPropagation();
    if (e.type === "pointerdown") {
      this.owner = e.pointerId;
      this.nv.canvas.focus({ preventScroll: true }); // for Delete, Ctrl+Z, Esc, Enter
    }
  }

  /** A touch taken over by the browser (a scroll, a second finger): drop what it began. */
  cancel(e) {
    if (e.pointerId !== this.owner) return;
    this.owner = null;
    if (this.drag) {
      this.drag.layer.shapes = this.drag.before;
      this.drag = null;
    }
    if (this.pending) this.pending.press = null;
    this.redraw();
  }

  /** The editable shape (and handle) under p in `tile`, topmost first; while a tool is
   * active only its own layer's shapes, so drawing over other annotations works. */
  hit(tile, p) {
    const editable = [...this.layers.values()].filter((l) => !l.readOnly && !l.hidden).reverse();
    const layers = this.active ? [this.active] : editable;
    for (const layer of layers) {
      for (let index = layer.shapes.length - 1; index >= 0; index--) {
        const shape = layer.shapes[index];
        const xy = projectShape(tile, shape.points, this.tolerance());
        if (!xy) continue;
        const handle = handleAt(p, xy, this.radius());
        if (handle >= 0 || hitsShape(shape.type, xy, p, this.radius())) return { layer, index, handle };
      }
    }
    return null;
  }

  down(e) {
    if (!this.nv || e.button !== 0 || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    if (!e.isPrimary) return; // a second finger: the viewer's own pinch
    const p = this.point(e);
    const tile = tileAt(this.tiles(), p);
    if (!tile) return;
    const uv = screenToUv(tile, p);
    if (this.pending) {
      this.consume(e);
      if (this.pending.key !== tileKey(tile)) return; // finish in the viewport begun in
      // a double tap (or double click) on the last point finishes a path
      const last = this.pending.lastPress;
      const now = e.timeStamp;
      if (this.active?.info.tool === "path" && last && now - last.time < 400 && Math.hypot(p[0] - last.p[0], p[1] - last.p[1]) < 4 * this.radius()) {
        this.finishPath();
        return;
      }
      this.pending.lastPress = { time: now, p };
      this.pending.press = p;
      return;
    }
    const hit = this.hit(tile, p);
    if (hit) {
      this.consume(e);
      this.selected = { layer: hit.layer, index: hit.index };
      const shape = hit.layer.shapes[hit.index];
      this.drag = {
        ...hit,
        tile,
        start: uv,
        startScreen: p,
        uv: shape.points.map((q) => worldToUv(tile, q).uv),
        before: clone(hit.layer.shapes),
        moved: false,
      };
      this.redraw();
      return;
    }
    if (this.active) {
      this.consume(e);
      this.selected = null;
      this.pending = { tile, key: tileKey(tile), uv: [uv], cursor: uv, press: p, startScreen: p, lastPress: { time: e.timeStamp, p } };
      this.redraw();
      return;
    }
    if (this.selected) {
      this.selected = null;
      this.redraw();
    }
  }

  move(e) {
    if (!this.nv || (this.owner !== null && e.pointerId !== this.owner)) return;
    const p = this.point(e);
    if (this.drag) {
      this.consume(e);
      const d = this.drag;
      const uv = screenToUv(d.tile, p);
      if (Math.hypot(p[0] - d.startScreen[0], p[1] - d.startScreen[1]) > CLICK_SLOP) d.moved = true;
      if (!d.moved) return;
      let points;
      if (d.handle >= 0) points = moveHandle(d.layer.shapes[d.index].type, d.uv, d.handle, uv);
      else points = d.uv.map((q) => [q[0] + uv[0] - d.start[0], q[1] + uv[1] - d.start[1]]);
      d.layer.shapes[d.index].points = points.map((q) => uvToWorld(d.tile, q));
      this.redraw();
      return;
    }
    if (this.pending) {
      this.pending.cursor = screenToUv(this.pending.tile, p);
      if (this.pending.press) this.consume(e);
      this.redraw();
    }
  }

  up(e) {
    if (!this.nv || (this.owner !== null && e.pointerId !== this.owner)) return;
    if (this.owner !== null && e.pointerType === "touch") this.touchEnding = true;
    this.owner = null;
    const p = this.point(e);
    if (this.drag) {
      this.consume(e);
      const d = this.drag;
      this.drag = null;
      if (d.moved) {
        this.history.push({ layer: d.layer, shapes: d.before });
        d.layer.changed();
      }
      this.redraw();
      return;
    }
    const pending = this.pending;
    if (!pending?.press) return;
    this.consume(e);
    const uv = screenToUv(pending.tile, p);
    const dragged = Math.hypot(p[0] - pending.press[0], p[1] - pending.press[1]) > CLICK_SLOP;
    pending.press = null;
    const tool = this.active.info.tool;
    if (tool === "box" || tool === "segment" || tool === "ellipse") {
      if (dragged) this.finish(dragShape(this.active.info.single, pending.uv[0], uv));
      else this.pending = null; // a click, not a drag: nothing to draw
      this.redraw();
      return;
    }
    // clicks and paths: the first press already placed the first point
    if (pending.uv.length && pending.placedFirst) pending.uv.push(uv);
    pending.placedFirst = true;
    if (tool === "clicks" && pending.uv.length >= this.active.info.count) this.finish(pending.uv);
    this.redraw();
  }

  doubleClick(e) {
    // the double click that finished a path (on its second press) is ours too
    if (e.timeStamp - (this.finishedAt ?? -Infinity) < 600) this.consume(e);
    if (!this.pending || this.active?.info.tool !== "path") return;
    this.consume(e);
    this.finishPath();
  }

  finishPath() {
    this.finishedAt = performance.now();
    const pts = this.pending.uv;
    // a double click adds its point twice
    const unique = pts.filter((q, i) => i === 0 || Math.hypot(q[0] - pts[i - 1][0], q[1] - pts[i - 1][1]) > 1e-6);
    if (unique.length >= this.active.info.min) this.finish(unique);
    else this.pending = null;
    this.redraw();
  }

  /** A new shape from in-plane points: it replaces a single kind's object or joins a
   * Multiple kind's list. */
  finish(uvPoints) {
    const layer = this.active;
    const tile = this.pending.tile;
    this.pending = null;
    const shape = { type: layer.info.single, points: uvPoints.map((q) => uvToWorld(tile, q)), extra: {} };
    this.remember(layer);
    if (layer.info.multiple) layer.shapes.push(shape);
    else layer.shapes = [shape];
    this.selected = { layer, index: layer.shapes.length - 1 };
    if (!layer.info.multiple) this.deactivate();
    this.redraw();
    layer.changed();
  }

  remember(layer) {
    this.history.push({ layer, shapes: clone(layer.shapes) });
  }

  key(e) {
    if (!this.nv) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      this.consume(e);
      this.undo();
    } else if ((e.key === "Delete" || e.key === "Backspace") && this.selected) {
      this.consume(e);
      this.deleteSelected();
    } else if (e.key === "Escape" && (this.active || this.pending)) {
      this.consume(e);
      this.deactivate();
    } else if (e.key === "Enter" && this.pending && this.active?.info.tool === "path") {
      this.consume(e);
      this.finishPath();
    }
  }

  // --- drawing ---

  redraw() {
    const nv = this.nv;
    if (!nv) return;
    if (!this.overlay) {
      if (!this.layers.size) return;
      // made with the first layer only: a viewer without annotations has one canvas
      this.overlay = document.createElement("canvas");
      this.overlay.className = "viewer-annotations";
      this.overlay.setAttribute("aria-hidden", "true");
      this.frame.append(this.overlay);
    }
    const overlay = this.overlay;
    const canvas = nv.canvas;
    if (overlay.width !== canvas.width || overlay.height !== canvas.height) {
      overlay.width = canvas.width;
      overlay.height = canvas.height;
    }
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const dpr = nv.uiData?.dpr || window.devicePixelRatio || 1;
    let drawn = 0;
    let labelled = 0;
    for (const tile of this.tiles()) {
      const [l, t, w, h] = tile.leftTopWidthHeight;
      ctx.save();
      ctx.beginPath();
      ctx.rect(Math.min(l, l + w), t, Math.abs(w), h);
      ctx.clip();
      for (const layer of this.layers.values()) {
        if (layer.hidden) continue;
        // a viewer that shows stored values its own way (slides) has us draw the editable ones
        if (layer.readOnly && this.viewer.drawsReadOnly === false) continue;
        layer.shapes.forEach((shape, index) => {
          const xy = projectShape(tile, shape.points, this.tolerance());
          if (!xy) return;
          const selected = this.selected?.layer === layer && this.selected.index === index;
          drawShape(ctx, shape, xy, { color: layer.color, dpr, selected, editable: !layer.readOnly });
          if (layer.showLabel && layer.label) {
            drawLabel(ctx, layer.label, xy, { color: layer.color, dpr });
            labelled++;
          }
          drawn++;
        });
      }
      if (this.pending && this.pending.key === tileKey(tile)) {
        this.drawPending(ctx, tile, dpr);
      }
      ctx.restore();
    }
    overlay.dataset.drawn = String(drawn);
    overlay.dataset.labelled = String(labelled);
  }

  drawPending(ctx, tile, dpr) {
    const { uv, cursor } = this.pending;
    const info = this.active.info;
    let pts = uv;
    if (info.tool === "box" || info.tool === "segment" || info.tool === "ellipse") {
      if (!this.pending.press) return;
      pts = dragShape(info.single, uv[0], cursor);
    } else if (cursor) pts = [...uv, cursor];
    const xy = pts.map((q) => uvToScreen(tile, q));
    const shape = { type: info.single, points: pts.map((q) => uvToWorld(tile, q)), extra: {} };
    drawShape(ctx, shape, xy, { color: this.active.color, dpr, selected: false, editable: true, preview: true });
  }
}

/** A layer's label above the top-left of one of its objects, outlined to read on any image. */
function drawLabel(ctx, text, xy, { color, dpr }) {
  const x = Math.min(...xy.map((p) => p[0]));
  const y = Math.min(...xy.map((p) => p[1]));
  ctx.font = `${12 * dpr}px sans-serif`;
  ctx.lineWidth = 3 * dpr;
  ctx.strokeStyle = "#000";
  ctx.fillStyle = color;
  ctx.strokeText(text, x, y - 6 * dpr);
  ctx.fillText(text, x, y - 6 * dpr);
}

function drawShape(ctx, shape, xy, { color, dpr, selected, editable, preview = false }) {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = (selected ? 3 : 2) * dpr;
  ctx.setLineDash(preview ? [6 * dpr, 4 * dpr] : []);
  if (shape.type === "Point") {
    const [x, y] = xy[0];
    const r = 5 * dpr;
    ctx.beginPath();
    ctx.moveTo(x - r, y);
    ctx.lineTo(x + r, y);
    ctx.moveTo(x, y - r);
    ctx.lineTo(x, y + r);
    ctx.stroke();
  } else if (shape.type === "Ellipse" && xy.length === 4) {
    const c = [(xy[0][0] + xy[1][0]) / 2, (xy[0][1] + xy[1][1]) / 2];
    const a = Math.hypot(xy[0][0] - c[0], xy[0][1] - c[1]);
    const b = Math.hypot(xy[2][0] - c[0], xy[2][1] - c[1]);
    ctx.beginPath();
    ctx.ellipse(c[0], c[1], a, b, Math.atan2(xy[0][1] - c[1], xy[0][0] - c[0]), 0, 2 * Math.PI);
    ctx.stroke();
  } else {
    const closed = shape.type === "2D bounding box" || (shape.type === "Polygon" && !preview);
    const segments = closed ? outline(shape.type, xy) : outline(shape.type === "Polygon" ? "Line" : shape.type, xy);
    ctx.beginPath();
    for (const [a, b] of segments) {
      ctx.moveTo(a[0], a[1]);
      ctx.lineTo(b[0], b[1]);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (selected && editable) {
    const s = 4 * dpr;
    for (const [x, y] of xy) {
      ctx.fillRect(x - s, y - s, 2 * s, 2 * s);
    }
  }
  const text = measurement(shape);
  if (text) {
    const [x, y] = xy[shape.type === "Three-point angle" ? 1 : xy.length - 1];
    ctx.font = `${13 * dpr}px sans-serif`;
    ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = "#000";
    ctx.strokeText(text, x + 8 * dpr, y - 8 * dpr);
    ctx.fillText(text, x + 8 * dpr, y - 8 * dpr);
  }
}
