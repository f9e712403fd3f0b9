// The viewer's keyboard help: `?` (or a viewer's "Keys" button) opens a dialog listing
// every shortcut; Escape or its button closes it. One dialog serves all viewers of a page.

export const SHORTCUTS = [
  ["↑ / ↓, mouse wheel", "Next / previous slice"],
  ["Page Up / Page Down", "10 slices on / back"],
  ["+ / −, Ctrl + wheel", "Zoom in / out"],
  ["Shift + drag, middle drag", "Pan"],
  ["Right drag", "Window / level"],
  ["Click", "Move the crosshair (linked viewers follow)"],
  ["Click a viewport", "Make it the active one: the keys act on it (layouts with several viewports)"],
  ["1 – 5", "Layout: all planes, axial, coronal, sagittal, 3D"],
  ["i", "Invert"],
  ["r", "Reset the view"],
  ["?", "Show this help"],
  ["Escape", "Close this help; leave full screen"],
];

/** Whether a key press is typing into a field rather than a shortcut. */
export function isTyping(target) {
  const tag = target?.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || Boolean(target?.isContentEditable);
}

/**
 * Whether a key press on the page goes to the active viewport of a layout: pressed outside
 * every viewer canvas (those handle their own keys) and the help, not typed into a field,
 * not a browser shortcut, and not taken by the page already (the reading page's digits).
 */
export function forActiveViewport({ target, ctrlKey = false, metaKey = false, altKey = false, defaultPrevented = false }) {
  if (defaultPrevented || ctrlKey || metaKey || altKey || isTyping(target)) return false;
  return !target?.closest?.("canvas[data-viewer=canvas], dialog");
}

function dialog(doc) {
  let el = doc.getElementById("viewer-keys");
  if (el) return el;
  el = doc.createElement("dialog");
  el.id = "viewer-keys";
  el.className = "viewer-keys";
  el.setAttribute("aria-labelledby", "viewer-keys-title");
  const title = doc.createElement("h2");
  title.id = "viewer-keys-title";
  title.textContent = "Keyboard shortcuts";
  const table = doc.createElement("table");
  const head = table.createTHead().insertRow();
  for (const text of ["Keys", "Action"]) {
    const th = doc.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  const body = table.createTBody();
  for (const [keys, action] of SHORTCUTS) {
    const row = body.insertRow();
    const th = doc.createElement("th");
    th.scope = "row";
    th.textContent = keys;
    row.append(th);
    row.insertCell().textContent = action;
  }
  const close = doc.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => el.close());
  el.append(title, table, close);
  doc.body.append(el);
  return el;
}

/** Bind `?` and every `[data-viewer=help]` button of the page to the help dialog. */
export function installHelp(doc = document) {
  const open = () => {
    const el = dialog(doc);
    if (!el.open) el.showModal();
  };
  // delegated: also the Keys buttons of viewers swapped in later (the job page)
  doc.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("[data-viewer=help]")) open();
  });
  doc.addEventListener("keydown", (e) => {
    if (e.key === "?" && !isTyping(e.target) && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      open();
    }
  });
}
