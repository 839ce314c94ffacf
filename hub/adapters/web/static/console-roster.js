// The roster: who is on shift and signed on now, the week's shifts as a chart, and the gaps in
// 24-hour coverage (a grid with nobody on shift, a desk left empty), from /api/v1/roster.

import { apiJson } from "./console-api.js";
import { ageText, minuteOfDayText, parseTime, t, term } from "./console-i18n.js";
import { store } from "./console-state.js";
import { gridName, officerName } from "./console-names.js";
import { byIds, h, replace } from "./console-ui.js";
import { refreshingView } from "./console-view.js";

const REFRESH_MS = 15000;
const DAY = 1440;
const WEEK = 7 * DAY;

const el = {};
const view = refreshingView({ every: REFRESH_MS, load: () => apiJson("/api/v1/roster"), render });

export function initRoster() {
  Object.assign(el, byIds("roster", ["officers", "week", "gaps"]));
}

export const { show, hide } = view;

function intervals(shift) {
  const length = (((shift.end_minute - shift.start_minute) % DAY) + DAY) % DAY || DAY;
  const out = [];
  (shift.days || []).forEach((day) => {
    const a = day * DAY + shift.start_minute;
    const b = a + length;
    if (b <= WEEK) out.push([a, b]);
    else {
      out.push([a, WEEK]);
      out.push([0, b - WEEK]);
    }
  });
  return out;
}

function whenInWeek(minute) {
  const m = ((minute % WEEK) + WEEK) % WEEK;
  return t().days[Math.floor(m / DAY)] + " " + minuteOfDayText(m % DAY);
}

const seatNamesEn = new Map(); // a desk seat → its English name (from the roster's shifts)

function whoText(who) {
  if (t().htmlLang === "en" && seatNamesEn.has(who)) return seatNamesEn.get(who);
  const officer = store.officers.get(who);
  if (officer) return officerName(officer.id);
  const grid = store.grids.get(who);
  if (grid) return gridName(grid);
  return who === "desk" ? t().roster_desk : who;
}

function nowInWeek() {
  const now = new Date();
  return ((now.getDay() + 6) % 7) * DAY + now.getHours() * 60 + now.getMinutes();
}

export function render() {
  if (!view.visible) return;
  const s = t();
  const data = view.data;
  if (!data) {
    replace(el.officers, view.placeholder());
    return;
  }
  const now = Date.now();
  const officers = (data.officers || []).slice().sort((a, b) => Number(b.signed_on) - Number(a.signed_on) || String(a.grid_id || "~").localeCompare(String(b.grid_id || "~")));
  replace(
    el.officers,
    h(
      "table",
      { class: "data-table", testid: "roster-table" },
      h("thead", null, h("tr", null, [s.roster_col_name, s.roster_col_role, s.roster_col_grid, s.roster_col_shift, s.roster_col_signed, s.roster_col_location].map((label) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        null,
        officers.map((o) => {
          const grid = store.grids.get(o.grid_id);
          const located = parseTime(o.located_at);
          return h(
            "tr",
            { testid: "roster-row", "data-officer-id": o.officer_id, "data-signed-on": o.signed_on ? "true" : "false" },
            h("td", { class: "strong" }, officerName(o.officer_id) || o.name),
            h("td", null, term("officerRoles", o.role)),
            h("td", null, grid ? gridName(grid) : o.grid_id || "—"),
            h("td", null, h("span", { class: "pill " + (o.on_shift ? "pill-ok" : "pill-dim") }, o.on_shift ? s.yes : s.no)),
            h("td", null, h("span", { class: "pill " + (o.signed_on ? "pill-ok" : "pill-warn") }, o.signed_on ? s.signed_on : s.signed_off)),
            h("td", { class: "muted" }, located ? s.ago(ageText(located, now)) : "—"),
          );
        }),
      ),
    ),
  );

  // The week chart: one track per officer or desk with shifts, and one per grid or desk with gaps.
  const byWho = new Map();
  (data.shifts || []).forEach((shift) => {
    if (shift.desk && shift.who_en) seatNamesEn.set(shift.who, shift.who_en);
    if (!byWho.has(shift.who)) byWho.set(shift.who, []);
    byWho.get(shift.who).push(...intervals(shift));
  });
  const gapsByWho = new Map();
  (data.gaps || []).forEach((gap) => {
    if (!gapsByWho.has(gap.who)) gapsByWho.set(gap.who, []);
    gapsByWho.get(gap.who).push([gap.start_minute, gap.end_minute]);
  });
  const nowMinute = nowInWeek();
  const track = (spans, cls) =>
    h(
      "div",
      { class: "week-track" },
      spans.map(([a, b]) => h("span", { class: "week-bar " + cls, title: whenInWeek(a) + " – " + whenInWeek(b), style: { left: (a / WEEK) * 100 + "%", width: ((b - a) / WEEK) * 100 + "%" } })),
      h("span", { class: "week-now", style: { left: (nowMinute / WEEK) * 100 + "%" } }),
    );
  const rows = [];
  byWho.forEach((spans, who) => rows.push(h("div", { class: "week-row" }, h("span", { class: "week-who" }, whoText(who)), track(spans, "shift"))));
  gapsByWho.forEach((spans, who) => rows.push(h("div", { class: "week-row gap-row" }, h("span", { class: "week-who" }, "⚠ " + whoText(who)), track(spans, "gap"))));
  replace(
    el.week,
    h("div", { class: "week-row week-head" }, h("span", { class: "week-who" }), h("div", { class: "week-days" }, s.days.map((day) => h("span", null, day)))),
    rows.length ? rows : h("p", { class: "muted" }, "—"),
  );
  const gaps = data.gaps || [];
  replace(
    el.gaps,
    gaps.length
      ? h(
          "ul",
          { class: "plain-list gaps", testid: "roster-gaps" },
          gaps.map((gap) => h("li", { class: "gap" }, s.gap_text(whoText(gap.who), whenInWeek(gap.start_minute), gap.end_minute >= WEEK ? s.days[6] + " 24:00" : whenInWeek(gap.end_minute)))),
        )
      : h("p", { class: "ok-text", testid: "roster-no-gaps" }, "✓ " + s.roster_no_gaps),
  );
}
