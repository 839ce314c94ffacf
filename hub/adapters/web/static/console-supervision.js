// The supervisor's view: incidents escalated (unacknowledged past their limit) or late on scene,
// newest first, and a history search by site, kind, state, disposition and dates, a page at a time.
// Both from GET /api/v1/incidents/search (supervisors and administrators only).

import { apiJson } from "./console-api.js";
import { parseTime, t, term, whenText } from "./console-i18n.js";
import { durationCell } from "./console-clocks.js";
import { canSupervise, priorityOf, store } from "./console-state.js";
import { byIds, h, priorityBadge, replace } from "./console-ui.js";
import { siteText } from "./console-board.js";

const REFRESH_MS = 15000;
const PAGE = 25;
const KINDS = ["panic", "duress", "intrusion", "tamper", "loitering", "crowd", "line_crossing", "device_offline"];
const STATES = ["new", "acknowledged", "dispatched", "accepted", "en_route", "on_scene", "resolved", "cancelled"];
const DISPOSITIONS = ["genuine", "false_alarm", "test", "malicious", "other", "deterred"];

const el = {};
let visible = false;
let refreshTimer = null;
let escalations = null;
let escalationsError = "";
let results = null; // {incidents, total, limit, offset}
let resultsError = "";
let query = null; // the last search's parameters
let openHandler = () => {};

export function initSupervision(handlers) {
  openHandler = handlers.open;
  Object.assign(el, byIds("sup", ["forbidden", "content", "escalations", "form", "results", "pager"]));
  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(0);
  });
  el.form.addEventListener("reset", () => {
    window.setTimeout(() => search(0), 0);
  });
}

export function show() {
  visible = true;
  const allowed = canSupervise();
  el.forbidden.hidden = allowed;
  el.content.hidden = !allowed;
  if (!allowed) return;
  fillOptions();
  render();
  refresh();
  if (!results) search(0);
}

export function hide() {
  visible = false;
  window.clearTimeout(refreshTimer);
}

function refresh() {
  window.clearTimeout(refreshTimer);
  apiJson("/api/v1/incidents/search?escalated=true&limit=20")
    .then((answer) => {
      escalations = answer.incidents || [];
      escalationsError = "";
    })
    .catch((error) => {
      escalationsError = error.message;
    })
    .then(() => {
      if (!visible) return;
      renderEscalations();
      refreshTimer = window.setTimeout(refresh, REFRESH_MS);
    });
}

function option(value, text, selected) {
  return h("option", { value: value, selected: selected }, text);
}

// The selects' options, in the current language, keeping what is chosen.
function fillOptions() {
  const s = t();
  const fill = (name, values, label) => {
    const select = el.form.elements[name];
    const chosen = select.value;
    replace(select, option("", s.sup_any, chosen === ""), values.map((v) => option(v, label(v), v === chosen)));
  };
  const sites = Array.from(store.sites.values()).sort((a, b) => String(a.id).localeCompare(String(b.id)));
  fill("site", sites.map((site) => site.id), (id) => {
    const site = store.sites.get(id);
    return s.htmlLang === "en" ? site.name_en || site.name : site.name;
  });
  fill("kind", KINDS, (k) => term("kinds", k));
  fill("state", ["open", "closed", ...STATES], (v) => (v === "open" ? s.sup_open : v === "closed" ? s.sup_closed : term("states", v)));
  fill("disposition", DISPOSITIONS, (d) => term("dispositions", d));
}

function search(offset) {
  const data = new FormData(el.form);
  const params = new URLSearchParams();
  for (const name of ["site", "kind", "state", "disposition", "from", "to"]) {
    const value = String(data.get(name) || "");
    if (value) params.set(name, value);
  }
  params.set("limit", String(PAGE));
  params.set("offset", String(Math.max(0, offset)));
  query = params;
  resultsError = "";
  return apiJson("/api/v1/incidents/search?" + params.toString())
    .then((answer) => {
      if (query !== params) return;
      results = answer;
    })
    .catch((error) => {
      if (query !== params) return;
      resultsError = error.message;
      results = null;
    })
    .then(() => visible && renderResults());
}

export function render() {
  if (!visible || !canSupervise()) return;
  fillOptions();
  renderEscalations();
  renderResults();
}

function siteLabel(incident) {
  return siteText(incident);
}

function incidentTable(incidents, testid, columns) {
  const s = t();
  const heads = {
    id: s.sup_col_id,
    opened: s.sup_col_opened,
    priority: s.col_priority,
    site: s.sup_col_site,
    kind: s.sup_col_kind,
    state: s.sup_col_state,
    disposition: s.sup_col_disposition,
    ack: s.sup_col_ack,
    accept: s.sup_col_accept,
    arrival: s.sup_col_arrival,
    flags: s.sup_col_flags,
  };
  const cells = {
    id: (i) => h("td", { class: "muted num" }, "#" + i.id),
    opened: (i) => h("td", { class: "time" }, whenText(parseTime(i.created_at))),
    priority: (i) => h("td", null, priorityBadge(priorityOf(i))),
    site: (i) => h("td", { class: "strong ellipsis", title: siteLabel(i) }, siteLabel(i), i.test ? h("span", { class: "badge badge-test" }, s.test) : null),
    kind: (i) => h("td", null, term("kinds", i.kind)),
    state: (i) => h("td", { class: "state state-" + String(i.state).replace(/[^a-z_]/g, "") }, term("states", i.state)),
    disposition: (i) => h("td", null, i.disposition ? term("dispositions", i.disposition) : "—"),
    ack: (i) => h("td", null, durationCell(i, "ack")),
    accept: (i) => h("td", null, durationCell(i, "accept")),
    arrival: (i) => h("td", null, durationCell(i, "arrival")),
    flags: (i) =>
      h(
        "td",
        null,
        i.escalation_count > 0 ? h("span", { class: "flag flag-escalated" }, "▲ " + s.escalated(i.escalation_count)) : null,
        i.arrival_overdue_at ? h("span", { class: "flag flag-overdue" }, "◷ " + s.overdue) : null,
      ),
  };
  return h(
    "table",
    { class: "data-table clickable", testid: testid },
    h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col", class: "h-" + c }, heads[c])))),
    h(
      "tbody",
      null,
      incidents.map((incident) =>
        h(
          "tr",
          {
            testid: testid + "-row",
            "data-incident-id": incident.id,
            tabindex: "0",
            onclick: () => openHandler(String(incident.id)),
            onkeydown: (event) => {
              if (event.key === "Enter") openHandler(String(incident.id));
            },
          },
          columns.map((c) => cells[c](incident)),
        ),
      ),
    ),
  );
}

function renderEscalations() {
  const s = t();
  if (escalations == null) {
    replace(el.escalations, h("p", { class: escalationsError ? "detail-error" : "muted" }, escalationsError ? s.sup_error + escalationsError : s.detail_loading));
    return;
  }
  replace(
    el.escalations,
    escalations.length
      ? incidentTable(escalations, "escalations", ["opened", "priority", "site", "kind", "state", "flags", "ack", "arrival"])
      : h("p", { class: "ok-text" }, "✓ " + s.sup_escalations_empty),
  );
}

function renderResults() {
  const s = t();
  if (resultsError) {
    replace(el.results, h("p", { class: "detail-error", role: "alert", testid: "sup-error" }, s.sup_error + resultsError));
    replace(el.pager);
    return;
  }
  if (!results) {
    replace(el.results, h("p", { class: "muted" }, s.detail_loading));
    replace(el.pager);
    return;
  }
  const incidents = results.incidents || [];
  replace(
    el.results,
    incidents.length
      ? incidentTable(incidents, "history", ["id", "opened", "priority", "site", "kind", "state", "disposition", "ack", "accept", "arrival", "flags"])
      : h("p", { class: "muted", testid: "history-empty" }, s.sup_none),
  );
  const first = incidents.length ? results.offset + 1 : 0;
  const last = results.offset + incidents.length;
  replace(
    el.pager,
    h("span", { class: "muted", testid: "history-range" }, s.sup_range(first, last, results.total)),
    h("button", { type: "button", class: "btn", disabled: results.offset <= 0, testid: "history-prev", onclick: () => search(results.offset - results.limit) }, "‹ " + s.sup_prev),
    h("button", { type: "button", class: "btn", disabled: last >= results.total, testid: "history-next", onclick: () => search(results.offset + results.limit) }, s.sup_next + " ›"),
  );
}
