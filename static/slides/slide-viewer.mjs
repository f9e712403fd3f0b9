// The whole-slide viewer: every `.tessera-slide` element on the page opens its slide with
// OpenSeadragon over the permission-checked tile endpoint (cases/tile_views.py). The
// page carries the slide's geometry (cases/slide_viewing.py), so tiles are asked for as
// soon as the script runs, and the preview level's tiles, drawn first, come with the page
// (its preload links); every tile and the descriptor (asked for once the first view
// is in) check permission again, and a "no" replaces the canvas with a message.

import { slideShapes } from "./annotations.mjs";
import { scaleBar } from "./scalebar.mjs";
import { SlideDrawing } from "./slide-drawing.mjs";

const SVG = "http://www.w3.org/2000/svg";

function loadOpenSeadragon(src) {
  if (window.OpenSeadragon) return Promise.resolve(window.OpenSeadragon);
  loadOpenSeadragon.promise ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(window.OpenSeadragon);
    script.onerror = () => reject(new Error("the viewer's script could not be loaded"));
    document.head.append(script);
  });
  return loadOpenSeadragon.promise;
}

// Our levels run from full resolution down; OpenSeadragon's from the smallest up. The
// scale of each level is its real width over the slide's, so pyramids that step by 4
// (or by odd halvings) line up too.
export function tileSource(OSD, d) {
  const n = d.levels.length;
  const ours = (level) => d.levels[Math.min(Math.max(n - 1 - level, 0), n - 1)];
  // the page has fetched the preview level's tiles (cases/slide_viewing.py): nothing
  // coarser is asked for
  const preview = d.preview_level ?? n - 1;
  return {
    width: d.width,
    height: d.height,
    tileSize: d.levels[0].tile_width,
    tileOverlap: 0,
    minLevel: n - 1 - preview,
    maxLevel: n - 1,
    getLevelScale: (level) => ours(level).width / d.width,
    getNumTiles: (level) => {
      const lv = ours(level);
      return new OSD.Point(Math.ceil(lv.width / lv.tile_width), Math.ceil(lv.height / lv.tile_height));
    },
    getTileWidth: (level) => ours(level).tile_width,
    getTileHeight: (level) => ours(level).tile_height,
    getTileUrl: (level, column, row) =>
      d.tile_url
        .replace("{level}", String(n - 1 - level))
        .replace("{column}", String(column))
        .replace("{row}", String(row)),
  };
}

class SlideViewer {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(document.getElementById(root.dataset.configId).textContent);
    this.part = (name) => root.querySelector(`[data-slide="${name}"]`);
    this.status = this.part("status");
    this.drawing = new SlideDrawing(this); // annotation tools (slide-drawing.mjs)
  }

  say(message, kind = "info") {
    this.status.textContent = message;
    this.status.dataset.kind = kind;
  }

  fail(message) {
    this.root.dataset.state = "error";
    this.say(message, "error");
  }

  // The permission-checked descriptor: the slide's geometry, or null after saying why not.
  async describe() {
    let response;
    try {
      response = await fetch(this.config.image.descriptor_url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      this.fail("The slide could not be loaded: the server did not answer. Check the connection and reload the page.");
      return null;
    }
    if (response.status === 404 || response.status === 403) {
      this.fail("You do not have permission to view this slide, or it no longer exists.");
      return null;
    }
    if (!response.ok) {
      let detail = "";
      try {
        detail = (await response.json()).detail || "";
      } catch {
        /* not JSON: the status says enough */
      }
      this.fail(detail || `The slide could not be loaded (HTTP ${response.status}).`);
      return null;
    }
    return response.json();
  }

  async open() {
    // moments on the way to the first tiles, read by benchmarks/bench_slides.py
    this.root.dataset.moduleMs = String(performance.now());
    // With the geometry on the page, the viewer starts on it and its first tiles are
    // asked for at once; without, it waits for the descriptor (loading its script meanwhile).
    const library = loadOpenSeadragon(this.root.dataset.osd);
    library.catch(() => {}); // reported below
    if (!this.config.slide) {
      this.slide = await this.describe();
      if (!this.slide) return;
      this.confirmed = Promise.resolve(true);
    }
    try {
      this.OSD = await library;
    } catch (e) {
      this.fail(`The slide viewer could not start: ${e.message}.`);
      return;
    }
    this.root.dataset.libraryMs = String(performance.now());
    this.slide ??= this.config.slide;
    this.start();
  }

  // The descriptor checks permission in full and records the opening. With the geometry
  // on the page it is asked for once the first view is in, or a tile failed (to say why),
  // so that it takes no server time from the first tiles; a "no" stops the viewer.
  confirm() {
    this.confirmed ??= this.describe().then((slide) => {
      if (!slide) this.viewer.destroy();
      return Boolean(slide);
    });
    return this.confirmed;
  }

  start() {
    const OSD = this.OSD;
    this.say("Loading tiles…");
    this.viewer = OSD({
      element: this.part("canvas"),
      prefixUrl: this.root.dataset.osdImages,
      tileSources: tileSource(OSD, this.slide),
      drawer: "canvas",
      // coarse to fine: the preview level first (its tiles are at hand), then finer ones
      // up to the level the view needs
      immediateRender: false,
      showNavigationControl: false,
      showNavigator: true,
      navigatorPosition: "TOP_RIGHT",
      navigatorSizeRatio: 0.15,
      maxZoomPixelRatio: 4,
      visibilityRatio: 0.5,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
    });
    const shownAt = performance.now();
    this.viewer.addHandler("tile-loaded", () => {
      this.root.dataset.firstTileMs ??= String(performance.now());
    });
    this.viewer.addHandler("tile-load-failed", (event) => {
      if (this.root.dataset.state === "error") return; // the reason is on screen already
      this.confirm();
      this.say(`Some tiles could not be loaded (${event.message || "no answer"}). If you were signed out, sign in and reload the page.`, "error");
    });
    this.viewer.addHandler("open-failed", (event) => this.fail(`The slide could not be opened: ${event.message}.`));
    // Drawn and stored shapes map slide pixels to mm upright (slide-drawing.mjs): the
    // r / R keys, OpenSeadragon's own rotation, are turned off so that they stay true.
    this.viewer.addHandler("canvas-key", (event) => {
      if (event.originalEvent.code === "KeyR") event.preventDefaultAction = true;
    });
    // the page's poster (the whole slide, one tile, placed as the fitted view) lies under
    // the canvas until the first view is drawn, or until the view leaves the fitted one
    const poster = this.part("poster");
    const hidePoster = () => poster && (poster.hidden = true);
    if (poster) {
      const fitted = () => {
        const viewport = this.viewer.viewport;
        const home = viewport.getHomeBounds();
        const slack = home.width / 1000;
        const shown = viewport.getBounds(true);
        const fits = (bounds) => Math.abs(bounds.width - home.width) < slack || Math.abs(bounds.height - home.height) < slack;
        const centred = shown.getCenter().distanceTo(home.getCenter()) < slack;
        return fits(shown) && centred && !viewport.getRotation(true) && !viewport.getFlip();
      };
      const check = () => {
        if (fitted()) return;
        hidePoster();
        this.viewer.removeHandler("update-viewport", check);
      };
      this.viewer.addHandler("update-viewport", check);
    }
    this.viewer.world.addHandler("add-item", ({ item }) => {
      item.addHandler("fully-loaded-change", ({ fullyLoaded }) => {
        if (fullyLoaded) hidePoster();
        if (!fullyLoaded || this.root.dataset.loadedMs) return;
        this.confirm();
        this.root.dataset.loadedMs = String(performance.now());
        const openedIn = Math.round(performance.now() - shownAt);
        // ready for drawing too: its tools load after the viewer starts (slide-drawing.mjs)
        this.drawing.loaded.then(() => {
          if (this.root.dataset.state !== "loading") return;
          this.root.dataset.state = "ready";
          this.say(`${this.slide.name}: ${this.slide.width} × ${this.slide.height} pixels, opened in ${openedIn} ms.`);
        });
      });
    });
    // drawing needs micrometres: only on slides with a stored pixel size
    this.viewer.addHandler("open", () => this.slide.mpp && this.drawing.attach());
    for (const event of ["update-viewport", "animation", "resize", "open"]) {
      this.viewer.addHandler(event, () => this.redraw());
    }
    this.bindControls();
    this.shapes = this.slide.mpp
      ? slideShapes(this.config.annotations || [], { mpp: this.slide.mpp, origin: this.config.image.origin || [0, 0] })
      : [];
    if (!this.slide.mpp) {
      this.part("scalebar").hidden = true;
      this.part("readout").textContent = "This slide has no stored pixel size: no scale bar or micrometre positions.";
    }
    const count = this.part("annotation-count");
    if (count) count.textContent = `${this.shapes.length} shape${this.shapes.length === 1 ? "" : "s"}`;
  }

  imageZoom() {
    return this.viewer.viewport.viewportToImageZoom(this.viewer.viewport.getZoom(true));
  }

  oneToOne() {
    const viewport = this.viewer.viewport;
    viewport.zoomTo(viewport.imageToViewportZoom(1));
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else this.root.requestFullscreen?.();
  }

  bindControls() {
    const viewport = this.viewer.viewport;
    const actions = {
      fit: () => viewport.goHome(),
      "zoom-in": () => viewport.zoomBy(1.5),
      "zoom-out": () => viewport.zoomBy(1 / 1.5),
      "one-to-one": () => this.oneToOne(),
      fullscreen: () => this.toggleFullscreen(),
    };
    for (const [name, action] of Object.entries(actions)) {
      this.part(name)?.addEventListener("click", () => {
        action();
        viewport.applyConstraints();
      });
    }
    this.part("show-annotations")?.addEventListener("change", () => this.redraw());
    // before OpenSeadragon's own keys (it flips on "f"): ours for 1:1 and full screen
    this.root.addEventListener(
      "keydown",
      (event) => {
        if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
        const ours = { 1: () => this.oneToOne(), f: () => this.toggleFullscreen() }[event.key];
        if (!ours) return;
        event.preventDefault();
        event.stopPropagation();
        ours();
      },
      true,
    );
    const stage = this.part("canvas");
    stage.addEventListener("pointermove", (event) => {
      if (!this.slide.mpp) return;
      const box = stage.getBoundingClientRect();
      const point = viewport.viewerElementToImageCoordinates(new this.OSD.Point(event.clientX - box.left, event.clientY - box.top));
      const [x, y] = [point.x * this.slide.mpp[0], point.y * this.slide.mpp[1]];
      this.part("readout").textContent = `x ${x.toFixed(1)} µm, y ${y.toFixed(1)} µm (pixel ${Math.floor(point.x)}, ${Math.floor(point.y)})`;
    });
  }

  redraw() {
    if (!this.viewer?.world.getItemCount()) return;
    const zoom = this.imageZoom();
    this.part("zoom").textContent = `zoom ${zoom >= 1 ? zoom.toFixed(1) : zoom.toPrecision(2)}:1`;
    if (this.slide.mpp) {
      const bar = scaleBar(this.slide.mpp[0] / zoom);
      const scale = this.part("scalebar");
      scale.querySelector(".bar").style.width = `${bar.pixels}px`;
      scale.querySelector(".label").textContent = bar.label;
      scale.dataset.microns = String(bar.microns);
    }
    this.drawShapes();
    this.drawing.redraw();
  }

  drawShapes() {
    const svg = this.part("annotations");
    if (!svg) return;
    svg.replaceChildren();
    const toggle = this.part("show-annotations");
    if (toggle && !toggle.checked) return;
    const viewport = this.viewer.viewport;
    const screen = ([x, y]) => {
      const p = viewport.imageToViewerElementCoordinates(new this.OSD.Point(x, y));
      return `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    };
    // values being edited are drawn by the annotation tools instead
    const editing = this.drawing.editing();
    const shapes = editing.size
      ? slideShapes((this.config.annotations || []).filter((a) => !editing.has(a.slug)), {
          mpp: this.slide.mpp,
          origin: this.config.image.origin || [0, 0],
        })
      : this.shapes;
    for (const shape of shapes) {
      let node;
      if (shape.kind === "point") {
        node = document.createElementNS(SVG, "circle");
        const [cx, cy] = screen(shape.points[0]).split(",");
        node.setAttribute("cx", cx);
        node.setAttribute("cy", cy);
        node.setAttribute("r", "6");
      } else {
        node = document.createElementNS(SVG, shape.kind === "polygon" ? "polygon" : "polyline");
        node.setAttribute("points", shape.points.map(screen).join(" "));
      }
      node.setAttribute("class", `shape ${shape.kind}`);
      const title = document.createElementNS(SVG, "title");
      title.textContent = [shape.title, shape.name].filter(Boolean).join(": ");
      node.append(title);
      svg.append(node);
    }
  }
}

for (const root of document.querySelectorAll(".tessera-slide")) {
  const viewer = new SlideViewer(root);
  root.slideViewer = viewer;
  viewer.open().catch((e) => viewer.fail(`The slide viewer stopped: ${e.message}`));
}
