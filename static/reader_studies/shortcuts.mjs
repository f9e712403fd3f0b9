// The reading page's keyboard shortcuts, as a pure function of the key and where it was
// pressed (so it is tested without a browser).

const LETTERS = { n: "next", p: "previous", u: "unanswered", d: "draw" };
const TYPING = new Set(["text", "number", "search", "email", "url", "password"]);

// -> {action: "option", n} | {action: "save"} | {action: "next"|"previous"|"unanswered"|"draw"} | null
export function shortcutFor({ key, tag = "", type = "", modifier = false, inViewer = false }) {
  if (modifier) return null;
  tag = tag.toLowerCase();
  const typing = tag === "textarea" || tag === "select" || (tag === "input" && TYPING.has(type));
  if (typing) return null; // the reader is writing an answer: keys are text
  if (key === "Enter") return tag === "button" || tag === "a" || tag === "summary" ? null : { action: "save" };
  if (inViewer) return null; // the viewer's own keys (layouts 1-5, i, r)
  if (/^[1-9]$/.test(key)) return { action: "option", n: Number(key) };
  return LETTERS[key] ? { action: LETTERS[key] } : null;
}

// The choice inputs of a question for a digit: those of the question holding the focus,
// else those of the first question that takes digits.
export function optionTarget(groups, focusedGroup, n) {
  const group = focusedGroup ?? groups[0];
  if (!group) return null;
  return group[n - 1] ?? null;
}
