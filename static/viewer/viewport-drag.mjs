// GC's draggable viewports: dragged by their title (mouse, touch or pen: pointer events)
// or moved with the arrow keys on it, kept inside their parent viewport (or the layout).

const STEP = 20; // px per arrow key press

/** Make `el` draggable by `handle` while el.dataset.draggable is "true". */
export function makeDraggable(el, handle) {
  if (!handle) return;
  const active = () => el.dataset.draggable === "true";
  const sync = () => {
    handle.tabIndex = active() ? 0 : -1;
    if (active()) handle.setAttribute("aria-label", `${handle.textContent.trim()}: drag, or move with the arrow keys`);
    else handle.removeAttribute("aria-label");
  };
  new MutationObserver(sync).observe(el, { attributes: true, attributeFilter: ["data-draggable"] });
  sync();

  const offset = () => (el.style.translate || "0px 0px").split(" ").map((v) => parseFloat(v) || 0);
  /** Move by (dx, dy) from `from`, clamped so the viewport stays inside its container. */
  const moveTo = (from, dx, dy) => {
    const box = el.parentElement.getBoundingClientRect();
    const own = el.getBoundingClientRect();
    const [ox, oy] = offset();
    // where the viewport would sit untranslated
    const baseX = own.left - ox;
    const baseY = own.top - oy;
    const x = Math.min(box.right - own.width - baseX, Math.max(box.left - baseX, from[0] + dx));
    const y = Math.min(box.bottom - own.height - baseY, Math.max(box.top - baseY, from[1] + dy));
    el.style.translate = `${Math.round(x)}px ${Math.round(y)}px`;
    el.dataset.moved = "true";
  };

  handle.addEventListener("pointerdown", (e) => {
    if (!active() || e.button !== 0) return;
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    const from = offset();
    const [sx, sy] = [e.clientX, e.clientY];
    const move = (m) => moveTo(from, m.clientX - sx, m.clientY - sy);
    const end = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", end);
      handle.removeEventListener("pointercancel", end);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
  });
  handle.addEventListener("keydown", (e) => {
    const steps = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] };
    if (!active() || !(e.key in steps)) return;
    e.preventDefault();
    moveTo(offset(), ...steps[e.key]);
  });
}
