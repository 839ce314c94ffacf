// The alarm that cannot be missed from any view: while an open, non-test P1 or P2 waits for
// acknowledgement, a bar over every page (board, detail, patrol round, map, supervision…, and the
// reports: alarm-watch.js) names the newest one's site and kind, says how many more wait, and
// acknowledges it with one key (A) or one click — whatever row is selected. A new alarm re-flashes
// the bar even when the number waiting is unchanged (one incident closed as another opened).
//
// An alarm cannot be acknowledged from the bar or with `A` in its first half second as the one they
// name: the second click of a double click, or a second `A`, would otherwise acknowledge the alarm
// that had just taken the first one's place, unseen. (Browsers hold their security prompts' buttons
// back the same way.)

import { parseTime, t, term } from "./console-i18n.js";
import { isOpen, isUnacknowledged, priorityOf, store } from "./console-state.js";
import { h, notify, replace } from "./console-ui.js";
import { siteText } from "./console-names.js";

const READ_FIRST_MS = 500;

const el = {};
let shownId = null;
let newestId = null; // what the bar and `A` would acknowledge, and since when
let newestSince = 0;
let readTimer = null;
const sending = new Set(); // acknowledgements on their way: a second click or `A` adds nothing
let handlers = { acknowledge: () => {}, open: () => {} };

export function initOverlay(callbacks) {
  handlers = Object.assign(handlers, callbacks || {});
  el.bar = document.getElementById("alarm-overlay");
}

function newestFirst(a, b) {
  return parseTime(b.created_at) - parseTime(a.created_at) || Number(b.id) - Number(a.id);
}

// The unacknowledged alarms that raise the bar (P1 and P2), newest first.
export function waitingAlarms() {
  return Array.from(store.incidents.values())
    .filter((incident) => isUnacknowledged(incident) && priorityOf(incident) >= 1 && priorityOf(incident) <= 2)
    .sort(newestFirst);
}

// What `A` acknowledges: the newest P1/P2 waiting; without one, the newest of any priority waiting.
export function newestWaitingId(alarms = waitingAlarms()) {
  if (alarms.length) return String(alarms[0].id);
  const any = Array.from(store.incidents.values()).filter(isUnacknowledged).sort(newestFirst);
  return any.length ? String(any[0].id) : null;
}

function noteNewest(id = newestWaitingId()) {
  if (id === newestId) return;
  newestId = id;
  newestSince = Date.now();
  window.clearTimeout(readTimer);
  readTimer = id ? window.setTimeout(render, READ_FIRST_MS) : null;
}

function tooNewToAcknowledge(id) {
  return id === newestId && Date.now() - newestSince < READ_FIRST_MS;
}

export function render() {
  const alarms = waitingAlarms();
  noteNewest(newestWaitingId(alarms));
  if (!el.bar) return;
  if (!alarms.length) {
    el.bar.hidden = true;
    el.bar.removeAttribute("data-incident-id");
    shownId = null;
    return;
  }
  const s = t();
  const newest = alarms[0];
  const id = String(newest.id);
  const p = priorityOf(newest);
  replace(
    el.bar,
    h("span", { class: "badge badge-p" + p }, "P" + p),
    h(
      "button",
      { type: "button", class: "alarm-overlay-site", testid: "alarm-overlay-site", onclick: () => handlers.open(id) },
      term("kinds", newest.kind) + " · " + siteText(newest),
    ),
    newest.escalation_count > 0 ? h("span", { class: "flag flag-escalated" }, "▲ " + s.escalated(newest.escalation_count)) : null,
    alarms.length > 1 ? h("span", { class: "alarm-overlay-more", testid: "alarm-overlay-more" }, s.overlay_more(alarms.length - 1)) : null,
    h(
      "button",
      { type: "button", class: "btn btn-primary alarm-overlay-ack", testid: "alarm-overlay-ack", disabled: tooNewToAcknowledge(id), onclick: () => handlers.acknowledge(id) },
      s.overlay_ack,
    ),
  );
  el.bar.setAttribute("data-incident-id", id);
  el.bar.setAttribute("data-priority", String(p));
  el.bar.setAttribute("aria-label", s.overlay_label);
  el.bar.hidden = false;
  if (id !== shownId) {
    // A different alarm is now the newest: flash, so a swap with an unchanged count is still seen.
    el.bar.classList.remove("flash");
    void el.bar.offsetWidth;
    el.bar.classList.add("flash");
    shownId = id;
  }
}

// Acknowledge one waiting alarm: `send(id)` posts it (and says why when it fails), the desk is told,
// and the answer is shown at once (`shown()` re-renders) — the stream brings the same a moment later.
export function acknowledgeAlarm(id, send, shown) {
  if (!id) return;
  const incident = store.incidents.get(id);
  if (!incident || incident.acknowledged_at || sending.has(id)) return;
  noteNewest();
  if (tooNewToAcknowledge(id)) {
    notify(t().overlay_read_first, "info");
    return;
  }
  sending.add(id);
  send(id).then(
    (data) => {
      sending.delete(id);
      notify(t().overlay_acked(term("kinds", incident.kind), siteText(incident)), "info");
      if (data && isOpen(data) && store.incidents.has(String(data.id))) {
        const { timeline, events, dispatches, warnings, media, ...incident } = data;
        store.incidents.set(String(data.id), incident);
        shown();
      }
    },
    () => sending.delete(id),
  );
}
