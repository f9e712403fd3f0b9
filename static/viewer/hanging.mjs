// Lays out the viewports of a hanging protocol on the page (layout.mjs computes where)
// and switches between the protocols offered. Load it before viewer.mjs.
import { layoutFor } from "./layout.mjs";

const root = document.querySelector("[data-hp-layout]");
if (root) {
  const { protocols } = JSON.parse(document.getElementById(root.dataset.configId).textContent);
  const grid = root.querySelector("[data-hp-grid]");
  const elements = new Map([...grid.querySelectorAll("[data-viewport]")].map((el) => [el.dataset.viewport, el]));

  const apply = (pk) => {
    const protocol = protocols.find((p) => p.pk === pk) || protocols[0];
    const layout = layoutFor(protocol.json, [...elements.keys()]);
    grid.style.gridTemplateColumns = `repeat(${layout.columns}, minmax(0, 1fr))`;
    for (const v of layout.viewports) {
      const el = elements.get(v.name);
      el.hidden = !v.visible;
      if (!v.visible) continue;
      el.style.gridColumn = v.cell.column;
      el.style.gridRow = v.cell.row;
      el.querySelector("[data-hp-label]").textContent = v.settings.label;
      const viewer = el.querySelector(".tessera-viewer");
      if (!viewer) continue;
      // the viewer opens in the viewport's orientation; an open one turns to it now
      // GC's linkable: false keeps a viewport out of linked slicing, panning and zooming
      viewer.dataset.linkable = String(v.settings.linkable);
      viewer.querySelector("[data-viewer=slice-label]").hidden = !v.settings.showSlice;
      viewer.querySelector(".viewer-readout").hidden = !v.settings.showReadout;
      if (v.settings.plane) viewer.dataset.initialPlane = v.settings.plane;
      else delete viewer.dataset.initialPlane;
      if (viewer.viewer?.nv && viewer.dataset.state === "ready") {
        viewer.viewer.setPlane(viewer.viewer.defaultPlane());
      }
    }
    root.dataset.protocol = protocol.pk;
  };

  root.querySelectorAll("input[name=hp-protocol]").forEach((radio) =>
    radio.addEventListener("change", () => radio.checked && apply(radio.value)),
  );
  apply(protocols[0].pk);
}
