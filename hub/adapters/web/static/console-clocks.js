// The response clocks an incident is judged by, against the district's targets for its priority:
//   ack      from the first event to acknowledgement   (target ack_s)
//   accept   from the first dispatch to acceptance      (target accept_s; an offer not accepted in
//            time moves on to the next officer, so a red accept clock means it already did)
//   arrival  from the first event to on scene           (target arrival_s)
// A running clock is "ok", "warn" past 75% of its target and "late" past it; a stopped one "met"
// or "missed"; one that has not started (nobody dispatched yet) "idle".

import { parseTime, stopwatch, t } from "./console-i18n.js";
import { FINAL_STATES, targetsFor } from "./console-state.js";
import { h } from "./console-ui.js";

export const WARN_SHARE = 0.75;

export const CLOCKS = [
  { key: "ack", start: "created_at", end: "acknowledged_at", target: "ack_s", label: "clock_ack" },
  { key: "accept", start: "dispatched_at", end: "accepted_at", target: "accept_s", label: "clock_accept" },
  { key: "arrival", start: "created_at", end: "on_scene_at", target: "arrival_s", label: "clock_arrival" },
];

function closedAt(incident) {
  if (!FINAL_STATES.has(incident.state)) return 0;
  return parseTime(incident.resolved_at) || parseTime(incident.cancelled_at) || parseTime(incident.changed_at);
}

export function measure(incident, spec, now) {
  const targets = targetsFor(incident);
  const target = targets ? targets[spec.target] : null;
  const start = parseTime(incident[spec.start]);
  const end = parseTime(incident[spec.end]);
  if (!start) return { spec, level: "idle", elapsed: null, target };
  const stop = end || closedAt(incident) || now;
  const elapsed = Math.max(0, (stop - start) / 1000);
  const ratio = target ? elapsed / target : 0;
  let level;
  if (end) level = ratio <= 1 ? "met" : "missed";
  else if (closedAt(incident) || incident.test === true) level = "idle"; // a drill's clocks never alarm
  else level = ratio >= 1 ? "late" : ratio >= WARN_SHARE ? "warn" : "ok";
  return { spec, level, elapsed, target };
}

export function measureAll(incident, now) {
  return CLOCKS.map((spec) => measure(incident, spec, now));
}

// The clock that matters now: the first one still running, else the last one stopped.
export function currentClock(clocks) {
  return clocks.find((c) => c.level === "ok" || c.level === "warn" || c.level === "late") || null;
}

export function clockTitle(clock) {
  const s = t();
  const name = s[clock.spec.label];
  if (clock.elapsed == null) return name + ": " + s.clock_waiting;
  return s.clock_title_full(name, stopwatch(clock.elapsed), clock.target ? stopwatch(clock.target) : "—");
}

// A running clock reads against its target: the time left, or how far over it is; a stopped one
// reads its duration, met (✓) or missed (✗).
export function chipText(clock) {
  const s = t();
  if (clock.elapsed == null) return "—";
  const running = clock.level === "ok" || clock.level === "warn" || clock.level === "late";
  if (running && clock.target) {
    const left = clock.target - clock.elapsed;
    return left >= 0 ? s.clock_left(stopwatch(Math.ceil(left))) : s.clock_over(stopwatch(-left));
  }
  const mark = clock.level === "met" ? " ✓" : clock.level === "missed" ? " ✗" : "";
  return stopwatch(clock.elapsed) + mark;
}

// A chip: label and time, coloured by its level; updated in place every second.
export function clockChip(testid) {
  const chip = h("span", { class: "clock-chip", testid: testid || "clock" });
  chip.appendChild(h("span", { class: "clock-name" }));
  chip.appendChild(h("span", { class: "clock-time" }));
  return chip;
}

export function fillChip(chip, clock) {
  const s = t();
  chip.setAttribute("data-clock", clock.spec.key);
  chip.setAttribute("data-level", clock.level);
  chip.firstChild.textContent = s[clock.spec.label];
  chip.lastChild.textContent = chipText(clock);
  chip.title = clockTitle(clock);
}

// For history rows: a stopped duration coloured against its target, or "—".
export function durationCell(incident, key) {
  const spec = CLOCKS.find((c) => c.key === key);
  const clock = measure(incident, spec, Date.now());
  const stopped = Boolean(incident[spec.end]);
  const text = stopped && clock.elapsed != null ? stopwatch(clock.elapsed) : "—";
  return h("span", { class: "duration", "data-level": stopped ? clock.level : "idle", title: clockTitle(clock) }, text);
}
