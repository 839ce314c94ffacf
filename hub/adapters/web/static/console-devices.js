// Device health: every registered device with online/offline, when it was last heard, its
// battery and its open faults. Problems sort first; refreshed while the page is shown.

import { apiJson } from "./console-api.js";
import { ageText, clockText, parseTime, t, term, whenText } from "./console-i18n.js";
import { store } from "./console-state.js";
import { deviceName } from "./console-names.js";
import { byIds, h, replace } from "./console-ui.js";
import { refreshingView } from "./console-view.js";

const REFRESH_MS = 10000;
const MAX_ROWS = 500;
const SEVERITY = { tamper: 0, offline: 1, never_heard: 2, reported_offline: 3, low_battery: 4 };

const el = {};
const view = refreshingView({ every: REFRESH_MS, load: () => apiJson("/api/v1/devices/health"), render });
let openHandler = () => {};

export function initDevices(handlers) {
  openHandler = handlers.open;
  Object.assign(el, byIds("devices", ["summary", "body", "table", "empty", "problems", "search", "shown"]));
  el.problems.addEventListener("change", render);
  el.search.addEventListener("input", render);
}

export const { show, hide } = view;

function rank(device) {
  const faults = device.faults || [];
  if (!faults.length) return 9;
  return Math.min(...faults.map((f) => (f in SEVERITY ? SEVERITY[f] : 5)));
}

function siteName(siteId) {
  const site = store.sites.get(siteId);
  if (!site) return siteId;
  return t().htmlLang === "en" ? site.name_en || site.name : site.name;
}

export function render() {
  if (!view.visible) return;
  const s = t();
  const { data, failed, loadedAt } = view;
  if (!data) {
    replace(el.summary, view.placeholder());
    el.table.hidden = true;
    return;
  }
  const sum = data.summary || {};
  const chip = (label, value, cls, testid) =>
    h("div", { class: "summary-chip " + (cls || ""), testid: testid }, h("span", { class: "summary-value" }, String(value == null ? "–" : value)), h("span", { class: "summary-label" }, label));
  replace(
    el.summary,
    chip(s.devices_total, sum.total, "", "devices-total"),
    chip(s.devices_online, sum.online, "ok", "devices-online"),
    chip(s.devices_offline, sum.offline, sum.offline ? "bad" : "", "devices-offline"),
    chip(s.devices_never, sum.never_heard, sum.never_heard ? "dim" : "", "devices-never"),
    chip(s.devices_low, sum.low_battery, sum.low_battery ? "warn" : "", "devices-low"),
    h("span", { class: "muted updated" }, failed ? s.sup_error + failed : s.updated(clockText(loadedAt))),
  );
  const query = el.search.value.trim().toLowerCase();
  const problemsOnly = el.problems.checked;
  const matching = (data.devices || [])
    .filter((d) => !problemsOnly || (d.faults || []).length > 0)
    .filter((d) => {
      if (!query) return true;
      const site = store.sites.get(d.site_id);
      const hay = [d.id, d.label, d.site_id, site && site.name, site && site.name_en].join(" ").toLowerCase();
      return hay.includes(query);
    })
    .sort((a, b) => rank(a) - rank(b) || String(a.site_id).localeCompare(String(b.site_id)) || String(a.id).localeCompare(String(b.id)));
  const shown = matching.slice(0, MAX_ROWS);
  el.shown.textContent = s.devices_shown(shown.length, (data.devices || []).length);
  el.table.hidden = shown.length === 0;
  el.empty.hidden = shown.length !== 0;
  const now = Date.now();
  replace(
    el.body,
    shown.map((d) => {
      const seen = parseTime(d.last_seen_at);
      const battery = d.battery == null ? null : Number(d.battery);
      const faults = (d.faults || []).map((f) => {
        const linked = (d.open_faults || []).find((o) => o.type === f);
        const badge = h("span", { class: "fault fault-" + f, testid: "fault" }, term("faults", f));
        return linked ? h("button", { type: "button", class: "fault-link", title: "#" + linked.incident_id, onclick: () => openHandler(String(linked.incident_id)) }, badge) : badge;
      });
      return h(
        "tr",
        { testid: "device-row", "data-device-id": d.id, "data-state": d.state },
        h("td", { class: "c-dsite", title: d.site_id }, siteName(d.site_id)),
        h("td", { class: "c-device" }, h("span", { class: "device-label" }, deviceName(store.devices.get(d.id) || d)), h("span", { class: "device-id muted" }, d.id)),
        h("td", { class: "c-dkind" }, term("deviceKinds", d.kind)),
        h("td", { class: "c-dstate" }, h("span", { class: "device-state device-state-" + d.state, testid: "device-state" }, term("deviceStates", d.state))),
        h("td", { class: "c-seen time", title: seen ? whenText(seen) : "" }, seen ? s.ago(ageText(seen, now)) : "—"),
        h(
          "td",
          { class: "c-battery" },
          battery == null
            ? "—"
            : h(
                "span",
                { class: "battery" + (d.low_battery ? " low" : "") },
                h("span", { class: "battery-bar" }, h("span", { class: "battery-fill", style: { width: Math.max(0, Math.min(100, battery)) + "%" } })),
                h("span", { class: "battery-text" }, battery + "%"),
              ),
        ),
        h("td", { class: "c-faults" }, faults.length ? faults : h("span", { class: "muted" }, "—")),
        h("td", { class: "c-signal muted" }, [d.rssi != null ? d.rssi + " dBm" : "", d.firmware || ""].filter(Boolean).join(" · ") || "—"),
      );
    }),
  );
}
