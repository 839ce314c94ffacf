// The shift summary the desk hands over (#/handover): for the running or the previous desk shift, incidents by
// kind and outcome, the incidents deterred by a loudspeaker warning, and the open incidents handed over, from
// /api/v1/shift-summary. Site names in the console's language; a row opens the incident.

import { apiJson } from "./console-api.js";
import { dateText, parseTime, t, term, whenText } from "./console-i18n.js";
import { byIds, h, replace } from "./console-ui.js";
import { refreshingView } from "./console-view.js";

const REFRESH_MS = 30000;
// Outcomes in the order the table shows them; any other disposition follows.
const OUTCOMES = ["open", "genuine", "deterred", "false_alarm", "malicious", "other", "cancelled"];

const el = {};
let which = "current";
const view = refreshingView({ every: REFRESH_MS, load, render });
let openIncident = () => {};

export function initHandover(options) {
  openIncident = options.open;
  Object.assign(el, byIds("handover", ["kinds", "deterred", "open"]), { head: document.getElementById("handover-shift") });
  document.querySelectorAll("[data-handover-shift]").forEach((button) => {
    button.addEventListener("click", () => {
      which = button.getAttribute("data-handover-shift");
      view.data = null;
      render();
      view.refresh();
    });
  });
}

export const { show, hide } = view;

// The summary of the shift asked for; an answer for a shift no longer asked for is dropped.
function load() {
  const asked = which;
  return apiJson("/api/v1/shift-summary?shift=" + asked).then((answer) => (asked === which ? answer : undefined));
}

// An incident's row: a click opens the incident.
function incidentRow(testid, row, ...cells) {
  return h("tr", { testid: testid, "data-incident-id": String(row.incident_id), onclick: () => openIncident(row.incident_id) }, cells);
}

// Where, what and when: the cells both tables start (or nearly start) with.
function incidentCells(row) {
  return [h("td", { class: "strong" }, siteText(row)), h("td", null, term("kinds", row.kind)), h("td", null, whenText(parseTime(row.opened_at)))];
}

function siteText(row) {
  return t().htmlLang === "en" ? row.site_name_en || row.site_name : row.site_name;
}

function hhmm(ms) {
  const d = new Date(ms);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

// "2026-10-06 08:00 – 20:00", or "2026-10-05 20:00 – 10-06 08:00" overnight.
function spanText(shift) {
  const start = parseTime(shift.start);
  const end = parseTime(shift.end);
  const endDay = dateText(end) === dateText(start) ? "" : dateText(end).slice(5) + " ";
  return dateText(start) + " " + hhmm(start) + " – " + endDay + hhmm(end);
}

// A table of incidents, a row each (testid "<testid>-row"), that open the incident when clicked.
function incidentTable(testid, headings, incidents, empty, cells) {
  return table(testid, headings, incidents.map((row) => incidentRow(testid + "-row", row, cells(row))), empty);
}

function table(testid, headings, rows, empty) {
  if (!rows.length) return h("p", { class: "muted", testid: testid + "-empty" }, empty);
  return h(
    "table",
    { class: "data-table clickable", testid: testid },
    h("thead", null, h("tr", null, headings.map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", null, rows),
  );
}

export function render() {
  if (!view.visible) return;
  const s = t();
  const data = view.data;
  document.querySelectorAll("[data-handover-shift]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.getAttribute("data-handover-shift") === which));
  });
  if (!data) {
    replace(el.head, view.placeholder());
    [el.kinds, el.deterred, el.open].forEach((node) => replace(node));
    return;
  }
  const shift = data.shift;
  const seat = (s.htmlLang === "en" ? shift.seat_en : shift.seat) || s.handover_no_seat;
  const totals = data.totals;
  replace(
    el.head,
    h(
      "p",
      { class: "handover-shift", testid: "handover-shift" },
      h("strong", null, seat),
      " · " + spanText(shift) + (shift.complete ? "" : " · " + s.handover_running),
    ),
    h(
      "ul",
      { class: "handover-totals", testid: "handover-totals" },
      [
        [s.handover_incidents, totals.incidents, "incidents"],
        [s.handover_deterred_count, totals.deterred, "deterred"],
        [s.handover_open_count, totals.handed_over, "handed_over"],
        [s.handover_tests, totals.test_incidents, "tests"],
      ].map(([label, value, key]) => h("li", { "data-total": key }, h("span", { class: "muted" }, label), h("strong", null, String(value)))),
    ),
  );

  const seen = new Set();
  data.by_kind.forEach((kind) => Object.keys(kind.outcomes).forEach((o) => seen.add(o)));
  const outcomes = OUTCOMES.filter((o) => seen.has(o)).concat(Array.from(seen).filter((o) => !OUTCOMES.includes(o)).sort());
  const outcomeName = (o) => (o === "open" ? s.handover_outcome_open : o === "cancelled" ? s.handover_outcome_cancelled : term("dispositions", o));
  replace(
    el.kinds,
    table(
      "handover-kinds",
      [s.col_kind, s.handover_total].concat(outcomes.map(outcomeName)),
      data.by_kind.map((kind) =>
        h(
          "tr",
          { testid: "handover-kind", "data-kind": kind.kind },
          h("td", { class: "strong" }, term("kinds", kind.kind)),
          h("td", null, String(kind.total)),
          outcomes.map((o) => h("td", { class: kind.outcomes[o] ? "" : "muted", "data-outcome": o }, String(kind.outcomes[o] || 0))),
        ),
      ),
      s.handover_none,
    ),
  );

  const closedPill = (row) => h("span", { class: "pill " + (row.closed ? "pill-ok" : "pill-warn") }, row.closed ? s.handover_closed : s.handover_still_open);
  replace(
    el.deterred,
    incidentTable("handover-deterred", [s.col_site, s.col_kind, s.col_opened, s.handover_verdict_at, s.col_state], data.deterred, s.handover_none_deterred, (row) => [
      incidentCells(row),
      h("td", null, whenText(parseTime(row.verdict_at))),
      h("td", null, closedPill(row)),
    ]),
  );
  const openState = (row) => (row.closed_at ? s.handover_closed_since : term("states", row.state) + (row.acknowledged ? "" : " · " + s.handover_unacknowledged));
  replace(
    el.open,
    incidentTable("handover-open", [s.col_priority, s.col_site, s.col_kind, s.col_opened, s.col_state], data.handed_over, s.handover_none_open, (row) => [
      h("td", null, h("span", { class: "badge badge-p" + row.priority }, "P" + row.priority)),
      incidentCells(row),
      h("td", null, openState(row)),
    ]),
  );
}
