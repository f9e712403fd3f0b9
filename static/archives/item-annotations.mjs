// The archive item page's "Annotate" panels: draw an annotation of a chosen socket's kind
// in the viewer above (viewer.annotations, static/viewer/annotations.mjs) and save it as
// that socket's value on the item through the archive item API (PATCH with `values`).
const data = JSON.parse(document.getElementById("annotating").textContent);
const sockets = new Map(data.sockets.map((s) => [s.slug, s]));

for (const form of document.querySelectorAll("[data-annotation-panel]")) {
  const root = document.getElementById(form.dataset.viewerId);
  const select = form.querySelector("[data-annotation=socket]");
  // the volume viewer, or a slide viewer's drawing tools (static/slides/slide-drawing.mjs)
  const viewer = root?.viewer ?? root?.slideViewer?.drawing;
  if (!viewer || !select) continue;
  const status = form.querySelector("[data-annotation=status]");
  const say = (text, kind = "info") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };
  const watched = new Set();

  /** The socket's layer, editable; a value already on the item stays in it. */
  const layerFor = (slug) => {
    const socket = sockets.get(slug);
    const layer = viewer.annotations.layer({ id: slug, kind: socket.kind, label: socket.title, color: "#ff2020" });
    if (!watched.has(slug)) {
      watched.add(slug);
      layer.addEventListener("change", () => say(`${socket.title}: changed, not saved yet.`));
    }
    return layer;
  };

  form.querySelector("[data-annotation=draw]").addEventListener("click", () => {
    if (root.dataset.state !== "ready") return say("Wait for the image to open.", "error");
    if (!viewer.annotations.nv) return say("This slide has no stored pixel size: it cannot be drawn on in micrometres.", "error");
    layerFor(select.value).activate();
    viewer.el("canvas").focus({ preventScroll: true });
    say("");
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const socket = sockets.get(select.value);
    const value = layerFor(socket.slug).value;
    if (value === null) return say(`Draw a ${socket.kind.toLowerCase()} for ${socket.title} first.`, "error");
    say("Saving…");
    let response;
    try {
      response = await fetch(data.api_url, {
        method: "PATCH",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify({ values: [{ interface: socket.slug, value }] }),
      });
    } catch (err) {
      return say(`Not saved: ${err.message || "network error"}.`, "error");
    }
    if (response.ok) return say(`Saved as ${socket.title} on this item.`);
    const body = await response.json().catch(() => ({}));
    say(`Not saved: ${describe(body) || `HTTP ${response.status}`}`, "error");
  });
}

/** A DRF error body as one sentence: {"detail": …} or {"field": [messages]}. */
function describe(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  return Object.entries(body)
    .map(([field, messages]) => `${field}: ${[].concat(messages).map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ")}`)
    .join("; ");
}
