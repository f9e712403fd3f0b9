// Lays out the viewports of a hanging protocol on the page (layout.mjs computes where)
// and switches between the protocols offered. Load it before viewer.mjs.
import { layoutFor, startSlice, undrawnViews } from "./layout.mjs";
import { forActiveViewport } from "./help.mjs";
import { drawIndicator } from "./slice-indicator.mjs";
import { makeDraggable } from "./viewport-drag.mjs";

const root = document.querySelector("[data-hp-layout]");
if (root) {
  const { protocols } = JSON.parse(document.getElementById(root.dataset.configId).textContent);
  const grid = root.querySelector("[data-hp-grid]");
  const elements = new Map([...grid.querySelectorAll("[data-viewport]")].map((el) => [el.dataset.viewport, el]));
  const order = [...elements.values()];
  let settings = new Map(); // viewport name -> its settings under the active protocol

  const viewerOf = (el) => el.querySelector(".tessera-viewer");
  const canvasOf = (el) => viewerOf(el)?.querySelector("canvas[data-viewer=canvas]");

  /** The viewer opens at the protocol's start slice; an open one goes there now. */
  const start = (viewer, s) => {
    viewer.dataset.startPosition = String(s.startPosition);
    const v = viewer.viewer;
    if (!v?.nv || viewer.dataset.state !== "ready") return;
    v.setPlane(v.defaultPlane());
    v.goToSlice(startSlice(s.startPosition, v.sliceNumber()[1]));
  };

  // slice-plane indicators: redraw those that follow a viewer when it moves
  const overlayOf = (viewer) => {
    let overlay = viewer.querySelector("[data-hp-indicator]");
    if (!overlay) {
      overlay = document.createElement("canvas");
      overlay.className = "hp-indicator";
      overlay.dataset.hpIndicator = "";
      overlay.setAttribute("aria-hidden", "true");
      viewer.querySelector(".viewer-canvas").append(overlay);
    }
    return overlay;
  };
  const redraw = (movedName, { quiet = false } = {}) => {
    for (const [name, s] of settings) {
      const el = elements.get(name);
      const viewer = viewerOf(el);
      const overlay = viewer?.querySelector("[data-hp-indicator]");
      if (!s.indicator || el.hidden) {
        if (overlay) overlay.hidden = true;
        continue;
      }
      const leader = viewerOf(elements.get(s.indicator.of) || document.createElement("div"));
      if (!viewer?.viewer?.nv || !leader?.viewer?.nv) continue;
      if (movedName !== undefined && movedName !== s.indicator.of && movedName !== name) continue;
      const target = overlayOf(viewer);
      target.hidden = false;
      const drawn = drawIndicator(target, viewer.viewer, leader.viewer);
      viewer.dataset.indicator = drawn ? s.indicator.of : "";
      if (quiet) continue;
      // shown again on each move of the other viewport, then fading out when asked to
      target.style.transition = "none";
      target.style.opacity = "1";
      if (s.indicator.fadeMs !== null && movedName === s.indicator.of) {
        void target.offsetWidth; // restart the transition
        target.style.transition = `opacity ${s.indicator.fadeMs}ms ease-in`;
        target.style.opacity = "0";
      }
    }
  };
  const nameOf = (target) => target.closest?.("[data-viewport]")?.dataset.viewport;
  grid.addEventListener("tessera:located", (e) => redraw(nameOf(e.target)));
  grid.addEventListener("tessera:ready", () => redraw());
  // after every draw of a viewer (a new size, zoom, pan) its lines follow, as visible as they were
  grid.addEventListener("tessera:drawn", (e) => redraw(nameOf(e.target), { quiet: true }));

  // GC's selectable: a click or focus makes a selectable viewport the active one, and the
  // viewer keys act on it. Captured: a drawing tool keeps its pointer events to itself.
  const select = (el) => {
    if (!el || el.dataset.selectable !== "true") return false;
    for (const other of elements.values()) other.removeAttribute("aria-current");
    el.setAttribute("aria-current", "true");
    root.dataset.selected = el.dataset.viewport;
    return true;
  };
  // a viewport that cannot be active takes no keys from a click on its image: the focus
  // the click gives its canvas goes straight back to the active one (the Tab key may still
  // bring the focus there on purpose)
  let clicked = null;
  for (const el of elements.values()) {
    const own = (e) => e.target.closest("[data-viewport]") === el;
    el.addEventListener("pointerdown", (e) => { if (own(e)) clicked = select(el) ? null : el; }, { capture: true });
    el.addEventListener("focusin", (e) => {
      if (!own(e) || select(el)) return;
      const active = elements.get(root.dataset.selected);
      if (clicked === el && active && e.target.matches("canvas[data-viewer=canvas]")) canvasOf(active)?.focus({ preventScroll: true });
    });
    makeDraggable(el, el.querySelector(".hp-title"));
  }
  window.addEventListener("pointerup", () => (clicked = null), { capture: true });
  // keys pressed elsewhere on the page (a viewport's title or tools, the page itself) act
  // on the active viewport; on window, after the page's own handlers had their turn
  window.addEventListener("keydown", (e) => {
    const active = root.dataset.selected && elements.get(root.dataset.selected);
    const viewer = active && !active.hidden ? viewerOf(active)?.viewer : null;
    if (!viewer?.nv || typeof viewer.key !== "function" || !forActiveViewport(e)) return;
    viewer.key(e);
  });

  const apply = (pk) => {
    const protocol = protocols.find((p) => p.pk === pk) || protocols[0];
    const layout = layoutFor(protocol.json, [...elements.keys()]);
    grid.style.gridTemplateColumns = `repeat(${layout.columns}, minmax(0, 1fr))`;
    settings = new Map(layout.viewports.filter((v) => v.visible).map((v) => [v.name, v.settings]));
    delete root.dataset.selected; // a new layout: no viewport is active until chosen
    // top-level viewports on the grid in page order; nested ones inside their parent
    for (const el of order) grid.append(el);
    for (const v of layout.viewports) {
      const el = elements.get(v.name);
      el.hidden = !v.visible;
      el.removeAttribute("aria-current");
      if (!v.visible) continue;
      const s = v.settings;
      el.classList.toggle("hp-nested", Boolean(s.parent));
      if (s.parent) elements.get(s.parent).append(el);
      el.style.gridColumn = v.cell?.column || "";
      el.style.gridRow = v.cell?.row || "";
      el.style.zIndex = s.parent ? "10" : String(v.cell.zIndex);
      el.style.opacity = String(s.opacity);
      el.dataset.selectable = String(s.selectable);
      el.dataset.draggable = String(s.draggable);
      el.style.translate = "";
      el.querySelector("[data-hp-label]").textContent = s.label;
      el.dataset.scalebar = String(s.scalebar); // a whole-slide image's scale bar (viewer.css)
      const viewer = viewerOf(el);
      if (!viewer) continue;
      // the viewer opens in the viewport's orientation; an open one turns to it now
      // GC's linkable: false keeps a viewport out of linked slicing, panning and zooming
      viewer.dataset.linkable = String(s.linkable);
      viewer.querySelector("[data-viewer=slice-label]").hidden = !s.showSlice;
      viewer.querySelector(".viewer-readout").hidden = !s.showReadout;
      viewer.dataset.readout = s.readout;
      // GC's fullsizable: the full-screen toggle only where the protocol offers it
      viewer.querySelector("[data-viewer=fullscreen]").hidden = !s.fullsizable;
      if (s.plane) viewer.dataset.initialPlane = s.plane;
      else delete viewer.dataset.initialPlane;
      start(viewer, s);
    }
    // the protocol's views this viewer leaves out are named, not dropped silently
    const notes = root.querySelector("[data-hp-notes]");
    const undrawn = undrawnViews(protocol.json);
    notes.replaceChildren(...undrawn.map((text) => Object.assign(document.createElement("p"), { textContent: text })));
    notes.hidden = !undrawn.length;
    root.dataset.protocol = protocol.pk;
    redraw();
  };

  root.querySelectorAll("input[name=hp-protocol]").forEach((radio) =>
    radio.addEventListener("change", () => radio.checked && apply(radio.value)),
  );
  apply(protocols[0].pk);
}
