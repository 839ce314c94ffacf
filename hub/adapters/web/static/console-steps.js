// Guided response: the incident's ordered steps from the district file (incident.steps). Steps the hub sees
// done (a dispatch sent, a warning played, a live view opened) tick themselves; the others take one click and
// an optional note (POST /api/v1/incidents/{id}/steps/{step}). Resolving with a required step open asks for a
// reason in the resolve dialog (prepareResolveSteps), which the hub records.

import { post } from "./console-api.js";
import { lang, parseTime, t, term, whenText } from "./console-i18n.js";
import { isOpen } from "./console-state.js";
import { clear, h, notify } from "./console-ui.js";

const drafts = new Map(); // "incident:step" → the note typed so far (the detail re-renders on every change)

function label(step) {
  const labels = step.label || {};
  return labels[lang() === "en" ? "en" : "zh-CN"] || labels["zh-CN"] || labels.en || step.id;
}

function openRequired(incident) {
  return (Array.isArray(incident.steps) ? incident.steps : []).filter((step) => step.required && !step.done);
}

function markText(step, actorText) {
  const s = t();
  const done = step.done;
  const parts = [whenText(parseTime(done.done_at)), actorText(done.actor, done.actor_name)];
  if (done.automatic) parts.push(s.step_automatic);
  return parts.join(" · ") + (done.note ? " — " + done.note : "");
}

function stepItem(incident, step, actorText, onChanged) {
  const s = t();
  const children = [
    h("span", { class: "response-step-check", "aria-hidden": "true" }, step.done ? "✓" : "○"),
    h("span", { class: "response-step-label" }, label(step) + (step.required ? " *" : "")),
  ];
  if (step.role === "officer") children.push(h("span", { class: "muted" }, " · " + s.step_officer));
  if (step.done) children.push(h("span", { class: "muted response-step-mark", testid: "step-mark" }, markText(step, actorText)));
  else if (step.done_by) children.push(h("span", { class: "muted" }, term("stepSeen", step.done_by)));
  if (!step.done && isOpen(incident)) {
    const key = incident.id + ":" + step.id;
    const note = h("input", { type: "text", maxlength: 2000, class: "response-step-note", placeholder: s.step_note, "aria-label": s.step_note, testid: "step-note", "data-focus": "step-" + step.id });
    note.value = drafts.get(key) || "";
    note.addEventListener("input", () => drafts.set(key, note.value));
    const button = h(
      "button",
      {
        type: "button",
        class: "btn",
        testid: "step-done",
        onclick: () => {
          button.disabled = true;
          post("/api/v1/incidents/" + encodeURIComponent(incident.id) + "/steps/" + encodeURIComponent(step.id), { note: note.value })
            .then(() => {
              drafts.delete(key);
              onChanged();
            }, (error) => {
              button.disabled = false;
              notify(s.act_failed + error.message, "error");
            });
        },
      },
      s.step_mark_done,
    );
    // The note and its button wrap together: never a "Done" alone on a line under another step's text.
    children.push(h("span", { class: "response-step-act" }, note, button));
  }
  return h("li", { class: "response-step" + (step.done ? " response-step-done" : ""), testid: "step", "data-step-id": step.id, "data-done": step.done ? "true" : "false" }, children);
}

// The section, or null when no plan of the district file covers the incident.
export function stepsSection(incident, section, actorText, onChanged) {
  const steps = Array.isArray(incident.steps) ? incident.steps : [];
  if (!steps.length) return null;
  const done = steps.filter((step) => step.done).length;
  return section(
    t().steps_title(done, steps.length),
    "steps",
    h("ol", { class: "response-steps" }, steps.map((step) => stepItem(incident, step, actorText, onChanged))),
  );
}

// Before the resolve dialog opens: with required steps open, show them and require a reason.
export function prepareResolveSteps(form, incident) {
  const block = form.querySelector("#resolve-steps");
  const reason = form.querySelector("textarea[name=steps_reason]");
  if (!block || !reason) return;
  const open = incident ? openRequired(incident) : [];
  block.hidden = !open.length;
  reason.required = open.length > 0;
  clear(block.querySelector(".resolve-steps-list")).append(open.map(label).join("、"));
}
