// The reading page: keyboard shortcuts, autosave, edit time, and annotation questions
// drawn in the viewer through its annotation API (static/viewer/annotations.mjs): each
// drawing question is a layer whose value is the answer, kept in the question's JSON field.
import { layerState, truthColour } from "./annotation-visibility.mjs";
import { bindMasks } from "./masks.mjs";
import { optionTarget, shortcutFor } from "./shortcuts.mjs";

const form = document.getElementById("reading-form");
const settings = JSON.parse(document.getElementById("reading-settings").textContent);
const opened = performance.now();
const MASK_AUTOSAVE_MS = 1500;
const layers = new Map(); // question pk -> annotation layer
const layerConfigs = new Map(); // question pk -> its layer's config (and ground truth)
const truths = new Map(); // question pk -> the ground truth's read-only layer
const showAll = document.getElementById("show-all-annotations");
let active = form.querySelector("[data-annotation]")?.dataset.annotation ?? null;

function csrf() {
  return form.querySelector("[name=csrfmiddlewaretoken]").value;
}

function stampDuration() {
  form.elements.duration_ms.value = String(Math.round(performance.now() - opened));
}

form.addEventListener("submit", stampDuration);

// Number ranges show their value beside them.
for (const range of form.querySelectorAll("[data-range-output]")) {
  const out = document.getElementById(range.dataset.rangeOutput);
  range.addEventListener("input", () => { out.value = range.value; });
}

// --- autosave --------------------------------------------------------------------
let timer = null;
let saving = null; // the autosave under way: one at a time, a change meanwhile saves again after
let again = false;
function autosave() {
  if (saving) {
    again = true;
    return saving;
  }
  saving = saveNow().finally(() => {
    saving = null;
    if (again) {
      again = false;
      autosave();
    }
  });
  return saving;
}
async function saveNow() {
  const status = document.getElementById("autosave-status");
  status.value = "Saving…";
  // masks painted since the last save go up first; one that cannot says why beside it
  if (!(await masks.upload({ changedOnly: true }))) {
    status.value = "Not saved: a mask could not be uploaded.";
    return;
  }
  stampDuration();
  const body = new FormData(form);
  body.set("autosave", "1");
  try {
    const response = await fetch(location.href, {
      method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
    });
    const data = await response.json();
    status.value = response.ok ? "All answers saved." : Object.values(data.errors || {}).flat().join(" ");
  } catch (err) {
    status.value = `Not saved: ${err.message}`;
  }
}
function scheduleAutosave(delay = 800) {
  if (!settings.autosave) return;
  clearTimeout(timer);
  timer = setTimeout(autosave, delay);
}
// a change of answer, not of a painting tool (pen, brush size): strokes schedule their own
form.addEventListener("change", (e) => e.target.closest?.("[data-mask-tools]") || scheduleAutosave());

// --- annotations ---------------------------------------------------------------------
function viewerReady(root) {
  return new Promise((resolve) => {
    const done = () => root.dataset.state !== "loading";
    if (done()) return resolve(root);
    new MutationObserver((_, observer) => {
      if (done()) { observer.disconnect(); resolve(root); }
    }).observe(root, { attributes: true, attributeFilter: ["data-state"] });
  });
}

function viewerFor(config) {
  const roots = [...document.querySelectorAll(".tessera-viewer")];
  const bySocket = roots.find((root) => {
    const own = JSON.parse(document.getElementById(root.dataset.configId).textContent);
    return config.sockets.includes(own.socket);
  });
  return bySocket ?? roots[0] ?? null;
}

function setStatus(pk, text) {
  const out = form.querySelector(`[data-annotation-status="${pk}"]`);
  if (out) out.value = text;
}

async function bindAnnotation(field) {
  const pk = field.dataset.annotation;
  const config = JSON.parse(document.getElementById(field.dataset.layerConfig).textContent);
  const root = viewerFor(config);
  const fallback = (why) => {
    setStatus(pk, `${why} Enter the answer as JSON below.`);
    field.closest("details").open = true;
  };
  if (!root) return fallback("This case has no image to draw on.");
  await viewerReady(root);
  const annotations = root.viewer?.annotations;
  if (root.dataset.state !== "ready" || !annotations) return fallback("Drawing is not available in this viewer.");
  const layer = annotations.layer(layerOptions(pk, config));
  layers.set(pk, layer);
  layerConfigs.set(pk, config);
  if (field.value.trim()) {
    try { layer.set(JSON.parse(field.value)); } catch { /* the server names the problem on save */ }
  }
  if (config.truth) {
    const options = {
      id: `truth-${config.id}`, kind: config.kind, multiple: config.multiple,
      color: truthColour(config.color), label: `Correct answer: ${config.label}`, readOnly: true, showLabel: true,
    };
    const truth = annotations.layer(options);
    try { truth.set(config.truth); } catch (err) { setStatus(pk, `The correct answer could not be drawn: ${err.message}`); }
    truths.set(pk, { layer: truth, options });
  }
  layer.addEventListener("change", (e) => {
    const value = e.detail.value;
    field.value = value ? JSON.stringify(value) : "";
    setStatus(pk, value ? "Drawn." : "Nothing drawn yet.");
    scheduleAutosave();
  });
  field.addEventListener("change", () => {
    try { layer.set(field.value.trim() ? JSON.parse(field.value) : null); } catch { /* left to the server */ }
  });
  const draw = form.querySelector(`[data-draw="${pk}"]`);
  if (!config.readOnly) {
    draw.hidden = false;
    draw.addEventListener("click", () => {
      makeActive(pk);
      layer.activate();
      setStatus(pk, "Draw on the image.");
    });
  }
}

// Which drawings show (annotation-visibility.mjs): the question being answered, or all.
function layerOptions(pk, config) {
  const state = layerState({ pk, active, showAll: Boolean(showAll?.checked), readOnly: config.readOnly, hasTruth: Boolean(config.truth) });
  return {
    id: config.id, kind: config.kind, multiple: config.multiple, color: config.color,
    label: state.showLabel && config.truth ? `Your answer: ${config.label}` : config.label, ...state,
  };
}

function showLayers() {
  for (const [pk, layer] of layers) {
    const options = layerOptions(pk, layerConfigs.get(pk));
    if (options.readOnly && layer.owner.active === layer) layer.owner.deactivate();
    layer.owner.layer(options);
    const truth = truths.get(pk);
    if (truth) truth.layer.owner.layer({ ...truth.options, hidden: options.hidden });
  }
}

function makeActive(pk) {
  if (pk === active) return;
  active = pk;
  showLayers();
}

showAll?.addEventListener("change", () => {
  showLayers();
  masks.showAll(showAll.checked);
});
form.addEventListener("focusin", (e) => {
  const pk = e.target.closest?.("fieldset.question")?.querySelector("[data-annotation]")?.dataset.annotation;
  if (pk) makeActive(pk);
});

for (const field of form.querySelectorAll("[data-annotation]")) bindAnnotation(field);
for (const button of form.querySelectorAll("[data-clear]")) {
  button.addEventListener("click", () => {
    const pk = button.dataset.clear;
    layers.get(pk)?.clear();
    form.querySelector(`[data-annotation="${pk}"]`).value = "";
    setStatus(pk, "Nothing drawn yet.");
    scheduleAutosave();
  });
}

// --- masks: painted with Niivue's drawing, uploaded as a label map before the post ---
const masks = bindMasks({
  form, viewerFor, viewerReady, csrf,
  // a mask goes up and is built before it is saved: a pause in the painting, not each stroke
  onChange: () => scheduleAutosave(MASK_AUTOSAVE_MS),
  setStatus: (pk, text) => {
    const out = form.querySelector(`[data-mask-status="${pk}"]`);
    if (out) out.value = text;
  },
});
if (form.querySelector("[data-mask]")) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const save = document.getElementById("save");
    if (save) save.disabled = true;
    clearTimeout(timer);
    while (saving) await saving; // an autosave under way finishes its upload first
    const ok = await masks.upload();
    if (save) save.disabled = false;
    if (!ok) return;
    stampDuration();
    form.submit(); // no submit event: the masks are up
  });
}

// --- keyboard ------------------------------------------------------------------------
document.addEventListener("keydown", (e) => {
  const target = e.target instanceof Element ? e.target : document.body;
  const shortcut = shortcutFor({
    key: e.key, tag: target.tagName, type: target.type || "",
    modifier: e.ctrlKey || e.metaKey || e.altKey,
    inViewer: Boolean(target.closest(".tessera-viewer")),
  });
  if (!shortcut) return;
  const link = (rel) => document.querySelector(`.case-nav a[rel="${rel}"]`);
  if (shortcut.action === "option") {
    const groups = [...form.querySelectorAll("fieldset:not([disabled]) [data-shortcuts]")];
    const focused = target.closest("[data-shortcuts]");
    const input = optionTarget(
      groups.map((g) => [...g.querySelectorAll("input")]),
      focused && groups.includes(focused) ? [...focused.querySelectorAll("input")] : null,
      shortcut.n,
    );
    if (!input) return;
    input.checked = input.type === "checkbox" ? !input.checked : true;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  } else if (shortcut.action === "save") {
    if (document.getElementById("save")) { e.preventDefault(); form.requestSubmit(); }
  } else if (shortcut.action === "next" || shortcut.action === "previous") {
    const a = link(shortcut.action === "next" ? "next" : "prev");
    if (a) location.href = a.href;
  } else if (shortcut.action === "unanswered") {
    const a = [...document.querySelectorAll(".case-nav a")].find((el) => el.textContent.startsWith("Next unanswered"));
    if (a) location.href = a.href;
  } else if (shortcut.action === "draw") {
    form.querySelector("[data-draw]:not([hidden]), [data-mask-tools]:not([hidden]) [data-mask-paint]")?.click();
  } else return;
  e.preventDefault();
});
