// Guided response on the officer's card: the steps of the district file that are the officer's (role officer),
// ticked when done. Filled again on every change of the dispatch, like the rest of the card.

import { h, setText } from "./officer-dom.js";
import { currentLang, t } from "./officer-i18n.js";

export function createSteps() {
  const box = h("section", "officer-steps", { "data-testid": "officer-steps" });
  box.hidden = true;
  box.appendChild(h("h4"));
  box.appendChild(h("ol"));
  return box;
}

export function fillSteps(box, dispatch) {
  const steps = Array.isArray(dispatch.steps) ? dispatch.steps : [];
  box.hidden = !steps.length;
  setText(box.querySelector("h4"), t().steps_title);
  const list = box.querySelector("ol");
  while (list.firstChild) list.removeChild(list.firstChild);
  steps.forEach((step) => {
    const labels = step.label || {};
    const item = h("li", step.done ? "done" : "", { "data-testid": "officer-step", "data-step-id": step.id, "data-done": String(Boolean(step.done)) });
    const text = labels[currentLang() === "en" ? "en" : "zh-CN"] || labels["zh-CN"] || labels.en || step.id;
    item.textContent = (step.done ? "✓ " : "○ ") + text + (step.required ? " *" : "");
    list.appendChild(item);
  });
}
