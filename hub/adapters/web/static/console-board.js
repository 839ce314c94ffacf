// The live board: every open incident, highest priority first, then unacknowledged, then oldest
// first (an old alarm must not sink below new ones). Each row has the response clocks against the
// targets and the flags that need the desk (escalated, late on scene, cancel requested); a row is
// selected with the keyboard (J/K or arrows), opened (Enter or a click) and acknowledged (A).

import { ageText, clockText, dayPrefix, parseTime, t, term } from "./console-i18n.js";
import { fillChip, clockChip, measureAll } from "./console-clocks.js";
import { PRESS_KINDS, isOpen, isUnacknowledged, priorityOf, store } from "./console-state.js";
import { h } from "./console-ui.js";
import { siteText } from "./console-names.js";

export { siteText }; // the views that list incidents name their sites as the board does

const FLASH_MS = 3500;
const rows = new Map(); // id → {tr, cells...}
const el = {};
let selectedId = null;
let openHandler = () => {};

export function initBoard(handlers) {
  el.board = document.getElementById("board");
  el.table = document.getElementById("board-table");
  el.body = document.getElementById("board-body");
  el.empty = document.getElementById("empty-state");
  el.count = document.getElementById("open-count-value");
  el.unacked = document.getElementById("unacked-count-value");
  el.unackedBox = document.getElementById("unacked-count");
  el.announcer = document.getElementById("announcer");
  openHandler = handlers.open;
  el.body.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-incident-id]");
    if (!tr) return;
    select(tr.getAttribute("data-incident-id"), false);
    openHandler(selectedId);
  });
  el.body.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.matches("tr[data-incident-id]")) {
      event.preventDefault();
      openHandler(selectedId);
    }
  });
}

export function countText(incident) {
  const n = Number(incident.event_count) || 0;
  return PRESS_KINDS.has(incident.kind) ? t().presses(n) : t().events(n);
}

// Priority first; within a priority what nobody has acknowledged yet, then the oldest first.
export function compareIncidents(a, b) {
  const pa = priorityOf(a) || 9;
  const pb = priorityOf(b) || 9;
  if (pa !== pb) return pa - pb;
  const ua = isUnacknowledged(a) ? 0 : 1;
  const ub = isUnacknowledged(b) ? 0 : 1;
  if (ua !== ub) return ua - ub;
  const ca = parseTime(a.created_at);
  const cb = parseTime(b.created_at);
  if (ca !== cb) return ca - cb;
  return String(a.id).localeCompare(String(b.id), undefined, { numeric: true });
}

export function ordered() {
  return Array.from(store.incidents.values()).sort(compareIncidents);
}

function cell(tr, testid, className) {
  const td = h("td", { testid: testid, class: className });
  tr.appendChild(td);
  return td;
}

function createRow(id) {
  const tr = h("tr", { testid: "incident-row", "data-incident-id": id, tabindex: "-1", "aria-selected": "false" });
  const row = { tr: tr };
  const priorityCell = cell(tr, "priority", "c-priority");
  row.badge = h("span");
  priorityCell.appendChild(row.badge);
  row.site = cell(tr, "site", "c-site");
  row.siteName = h("span", { class: "site-name" });
  row.flags = h("span", { class: "flags" });
  // Name and flags on one line: a long name is cut short, the flags never are (their words give way
  // first when the column is narrow: console-desk.css).
  row.site.appendChild(h("div", { class: "site-line" }, row.siteName, row.flags));
  row.testBadge = h("span", { class: "badge badge-test badge-drill", testid: "test-badge" });
  row.escalated = h("span", { class: "flag flag-escalated", testid: "escalated-flag" });
  row.overdue = h("span", { class: "flag flag-overdue", testid: "overdue-flag" });
  row.cancelRequested = h("span", { class: "flag flag-cancel", testid: "cancel-requested-flag" });
  row.flags.append(row.testBadge, row.escalated, row.overdue, row.cancelRequested);
  row.kind = cell(tr, "kind", "c-kind kind");
  row.state = cell(tr, "state", "c-state state");
  row.clocks = cell(tr, "clocks", "c-clocks");
  row.chips = [clockChip("clock-ack"), clockChip("clock-accept"), clockChip("clock-arrival")];
  row.chips.forEach((chip) => row.clocks.appendChild(chip));
  row.opened = cell(tr, "opened", "c-opened time");
  row.openedDate = h("span", { class: "date" });
  row.openedTime = h("span");
  row.opened.append(row.openedDate, row.openedTime);
  row.age = cell(tr, "age", "c-age age");
  row.count = cell(tr, "event-count", "c-count count");
  return row;
}

function fillRow(row, incident, now) {
  const s = t();
  const p = priorityOf(incident);
  row.tr.setAttribute("data-site-id", String(incident.site_id || ""));
  row.tr.setAttribute("data-priority", String(p || ""));
  row.tr.setAttribute("data-state", String(incident.state || ""));
  row.tr.setAttribute("data-unacked", isUnacknowledged(incident) ? "true" : "false");
  row.tr.setAttribute("data-test", incident.test === true ? "true" : "false");
  row.tr.setAttribute("data-escalated", incident.escalation_count > 0 ? "true" : "false");
  row.tr.setAttribute("data-cancel-requested", incident.cancel_requested_at ? "true" : "false");
  row.badge.className = "badge badge-p" + (p || 4);
  row.badge.textContent = p ? "P" + p : "P?";
  const site = siteText(incident);
  row.siteName.textContent = site;
  row.site.title = site;
  const isTest = incident.test === true;
  row.testBadge.textContent = isTest ? s.drill : "";
  row.testBadge.hidden = !isTest;
  const escalations = Number(incident.escalation_count) || 0;
  // The symbol carries the count ("▲4 Escalated", not "▲4 Escalated ×4").
  setFlag(row.escalated, escalations > 0, "▲" + (escalations > 1 ? escalations : ""), s.escalated(1), s.escalated(escalations));
  setFlag(row.overdue, Boolean(incident.arrival_overdue_at), "◷", s.overdue);
  setFlag(row.cancelRequested, Boolean(incident.cancel_requested_at), "⚑", s.cancel_requested);
  row.kind.textContent = term("kinds", incident.kind);
  row.state.textContent = term("states", incident.state);
  row.state.className = "c-state state state-" + String(incident.state || "").replace(/[^a-z_]/g, "");
  const created = parseTime(incident.created_at);
  row.openedDate.textContent = created ? dayPrefix(created) : "";
  row.openedDate.hidden = !row.openedDate.textContent;
  row.openedTime.textContent = created ? clockText(created) : "—";
  row.opened.title = created ? new Date(created).toLocaleString(s.htmlLang) : "";
  row.count.textContent = countText(incident);
  fillTimes(row, incident, now);
}

// A flag: a symbol, and its words (hidden when the board is narrow; the title keeps them).
// A flag: its symbol, its words beside it (dropped when the row is narrow) and in full as its tooltip
// (`title`, when the words leave out what the symbol says, e.g. how many times).
function setFlag(node, on, symbol, words, title) {
  node.hidden = !on;
  if (!on) return;
  node.title = title || words;
  if (!node.firstChild) node.append(h("span", { class: "flag-symbol", "aria-hidden": "true" }), h("span", { class: "flag-text" }));
  node.firstChild.textContent = symbol;
  node.lastChild.textContent = words;
}

function fillTimes(row, incident, now) {
  row.age.textContent = ageText(parseTime(incident.created_at), now);
  const clocks = measureAll(incident, now);
  clocks.forEach((clock, i) => fillChip(row.chips[i], clock));
  // The one clock shown when the board is narrow (detail open): the first still running.
  let current = clocks.findIndex((c) => c.level === "ok" || c.level === "warn" || c.level === "late");
  if (current < 0) current = clocks.length - 1;
  row.chips.forEach((chip, i) => chip.toggleAttribute("data-current", i === current));
  const worst = clocks.some((c) => c.level === "late") ? "late" : clocks.some((c) => c.level === "warn") ? "warn" : "";
  row.tr.setAttribute("data-clock", worst);
}

export function render() {
  const now = Date.now();
  const list = ordered();
  const seen = new Set();
  list.forEach((incident) => {
    const id = String(incident.id);
    seen.add(id);
    let row = rows.get(id);
    if (!row) {
      row = createRow(id);
      rows.set(id, row);
    }
    fillRow(row, incident, now);
    el.body.appendChild(row.tr); // appending an existing row moves it into sorted position
  });
  let lostIndex = -1;
  Array.from(rows.keys()).forEach((id) => {
    if (!seen.has(id)) {
      if (id === selectedId) lostIndex = Array.from(el.body.children).indexOf(rows.get(id).tr);
      rows.get(id).tr.remove();
      rows.delete(id);
    }
  });
  if (lostIndex >= 0) {
    // The selected incident closed: select its neighbour, so J/K and A carry on from there.
    const next = list[Math.min(lostIndex, list.length - 1)];
    selectedId = null;
    if (next) select(String(next.id), false);
  }
  paintSelection();
  const count = store.incidents.size;
  const unacked = list.filter(isUnacknowledged).length;
  el.count.textContent = store.loaded ? String(count) : "–";
  el.unacked.textContent = store.loaded ? String(unacked) : "–";
  el.unackedBox.setAttribute("data-alarm", unacked > 0 ? "true" : "false");
  el.table.hidden = count === 0;
  el.empty.hidden = count !== 0;
  const emptyKey = store.loaded && store.connection === "live" ? "empty" : "waiting";
  el.empty.setAttribute("data-i18n", emptyKey);
  el.empty.textContent = t()[emptyKey];
  el.board.classList.toggle("stale", store.connection !== "live");
}

export function tick() {
  const now = Date.now();
  rows.forEach((row, id) => {
    const incident = store.incidents.get(id);
    if (incident) fillTimes(row, incident, now);
  });
}

export function flash(id) {
  const row = rows.get(String(id));
  if (!row) return;
  row.tr.classList.remove("flash");
  void row.tr.offsetWidth; // restart the animation
  row.tr.classList.add("flash");
  window.setTimeout(() => row.tr.classList.remove("flash"), FLASH_MS);
}

export function announce(incident) {
  const p = priorityOf(incident);
  el.announcer.textContent = t().announce(p ? "P" + p : "", term("kinds", incident.kind), siteText(incident));
}

// ---- selection -------------------------------------------------------------------------------

export function selected() {
  return selectedId && store.incidents.has(selectedId) ? selectedId : null;
}

export function select(id, focus) {
  selectedId = id == null ? null : String(id);
  paintSelection();
  const row = selectedId && rows.get(selectedId);
  if (row && focus !== false) {
    row.tr.focus({ preventScroll: true });
    row.tr.scrollIntoView({ block: "nearest" });
  }
}

function paintSelection() {
  rows.forEach((row, id) => {
    const on = id === selectedId;
    row.tr.classList.toggle("selected", on);
    row.tr.setAttribute("aria-selected", on ? "true" : "false");
    row.tr.tabIndex = on ? 0 : -1;
  });
  // Something in the board is always reachable with Tab.
  if (!selectedId || !rows.has(selectedId)) {
    const first = el.body.firstElementChild;
    if (first) first.tabIndex = 0;
  }
}

export function move(step) {
  const list = ordered();
  if (list.length === 0) return null;
  const index = list.findIndex((incident) => String(incident.id) === selectedId);
  const next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, index + step));
  select(String(list[next].id));
  return selectedId;
}

export function isOnBoard(incident) {
  return isOpen(incident) && store.incidents.has(String(incident.id));
}
