// The district map, drawn offline as SVG (no map tiles): the sites by their coordinates, each
// grid's area as a coloured hull around its sites, every device as a dot around its site (green
// online, red offline or faulty, grey never heard), officers by their last known location, and
// the open incidents highlighted (P1 pulsing). A site with an incident opens it on click or Enter.

import { apiJson } from "./console-api.js";
import { joinList, t, term } from "./console-i18n.js";
import { priorityOf, store } from "./console-state.js";
import { deviceName, gridName, officerName } from "./console-names.js";
import { byIds, h, priorityBadge, replace, s as svg } from "./console-ui.js";
import { compareIncidents, siteText } from "./console-board.js";
import { refreshingView } from "./console-view.js";

const REFRESH_MS = 10000;
const GRID_COLOURS = ["#4f8cff", "#35c48b", "#c77dff", "#ffb84d", "#4dd0e1", "#ff7ab6", "#a3e635", "#f87171"];
const PAD = 70; // px around the plan
const HULL_PAD = 34; // px around a grid's sites

const el = {};
const view = refreshingView({ every: REFRESH_MS, load, render });
let health = new Map(); // device id → health
let roster = []; // officers with positions
let openHandler = () => {};

export function initMap(handlers) {
  openHandler = handlers.open;
  Object.assign(el, byIds("map", ["svg", "side"]), { wrap: document.getElementById("map-canvas") });
  if (window.ResizeObserver) new ResizeObserver(() => view.visible && render()).observe(el.wrap);
}

export const { show, hide } = view;

// Device health and officers' positions, each kept as it was when its request fails.
function load() {
  return Promise.all([
    apiJson("/api/v1/devices/health").then((data) => {
      health = new Map((data.devices || []).map((d) => [d.id, d]));
    }),
    apiJson("/api/v1/roster").then((data) => {
      roster = data.officers || [];
    }),
  ]).then(
    () => undefined,
    () => undefined,
  );
}

export function changed() {
  if (view.visible) render();
}

// ---- geometry -------------------------------------------------------------------------------

function projector(points, width, height) {
  const lats = points.map((p) => p.lat);
  const lat0 = lats.length ? (Math.min(...lats) + Math.max(...lats)) / 2 : 0;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lon * kx);
  const ys = points.map((p) => -p.lat);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const spanX = Math.max(maxX - minX, 1e-6);
  const spanY = Math.max(maxY - minY, 1e-6);
  const scale = Math.min((width - 2 * PAD) / spanX, (height - 2 * PAD) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  return (lat, lon) => [offX + (lon * kx - minX) * scale, offY + (-lat - minY) * scale];
}

function hull(points) {
  if (points.length < 3) return points.slice();
  const sorted = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper = [];
  for (const p of sorted.slice().reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

function textWidth(text, size) {
  let w = 0;
  for (const ch of String(text)) w += ch.charCodeAt(0) > 0x2e80 ? size : size * 0.6;
  return w;
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// ---- drawing --------------------------------------------------------------------------------

function deviceColour(device) {
  const d = health.get(device.id);
  if (!d) return "dev-unknown";
  if (d.state === "never_heard") return "dev-unknown";
  if (d.state === "offline" || (d.faults || []).includes("tamper")) return "dev-bad";
  if (d.low_battery) return "dev-low";
  return "dev-ok";
}

function incidentBySite() {
  const bySite = new Map();
  Array.from(store.incidents.values())
    .sort(compareIncidents)
    .forEach((incident) => {
      if (!bySite.has(incident.site_id)) bySite.set(incident.site_id, incident);
    });
  return bySite;
}

export function render() {
  if (!view.visible || !el.svg) return;
  const tr = t();
  const width = Math.max(320, el.wrap.clientWidth);
  const labelSize = width > 1400 ? 15 : 13;
  const height = Math.max(240, el.wrap.clientHeight);
  el.svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  el.svg.setAttribute("width", String(width));
  el.svg.setAttribute("height", String(height));
  const sites = Array.from(store.sites.values()).filter((site) => site.lat != null && site.lon != null);
  const placedOfficers = roster.filter((o) => o.lat != null && o.lon != null);
  const points = sites.map((site) => ({ lat: site.lat, lon: site.lon })).concat(placedOfficers.map((o) => ({ lat: o.lat, lon: o.lon })));
  const project = projector(points.length ? points : [{ lat: 0, lon: 0 }], width, height);
  const incidents = incidentBySite();

  const layerGrids = svg("g", { class: "map-grids" });
  const layerGridLabels = svg("g", { class: "map-grid-labels" });
  const layerDevices = svg("g", { class: "map-devices" });
  const layerPulses = svg("g", { class: "map-pulses", "pointer-events": "none" });
  const layerSites = svg("g", { class: "map-sites" });
  const layerOfficers = svg("g", { class: "map-officers" });
  const layerLabels = svg("g", { class: "map-labels" });
  const obstacles = [];
  const gridLabels = [];

  // Grids: a padded hull around their sites.
  Array.from(store.grids.values()).forEach((grid, index) => {
    const colour = GRID_COLOURS[index % GRID_COLOURS.length];
    const pts = sites.filter((site) => site.grid_id === grid.id).map((site) => project(site.lat, site.lon));
    if (!pts.length) return;
    const outline = hull(pts);
    const d = outline.length === 1 ? "M" + outline[0][0] + " " + outline[0][1] + " l0.01 0" : "M" + outline.map((p) => p[0] + " " + p[1]).join(" L") + (outline.length > 2 ? " Z" : "");
    layerGrids.appendChild(
      svg("path", { d: d, fill: colour, stroke: colour, "stroke-width": String(HULL_PAD * 2), "stroke-linejoin": "round", "stroke-linecap": "round", class: "grid-area", "data-grid": grid.id }),
    );
    gridLabels.push({ outline, colour, text: gridName(grid) });
  });

  // Sites with their devices around them.
  sites.forEach((site) => {
    const [x, y] = project(site.lat, site.lon);
    const incident = incidents.get(site.id);
    const devices = (site.devices || []).map((id) => store.devices.get(id)).filter(Boolean);
    devices.forEach((device, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, devices.length);
      const dx = x + Math.cos(angle) * 17;
      const dy = y + Math.sin(angle) * 17;
      const cls = deviceColour(device);
      layerDevices.appendChild(
        svg("circle", { cx: dx, cy: dy, r: 3.6, class: "device-dot " + cls, "data-device-id": device.id }, svg("title", null, term("deviceKinds", device.kind) + " " + deviceName(device) + " · " + device.id)),
      );
    });
    const p = incident ? priorityOf(incident) : 0;
    const group = svg("g", {
      class: "site" + (incident ? " site-incident site-p" + p : ""),
      testid: "map-site",
      "data-site-id": site.id,
      "data-incident-id": incident ? incident.id : null,
      tabindex: incident ? "0" : null,
      role: incident ? "button" : null,
      "aria-label": incident ? "P" + p + " " + term("kinds", incident.kind) + " " + siteText(incident) : null,
    });
    // The pulse is drawn beneath, outside the clickable group: its growing ring must not move the target.
    if (incident && p === 1) layerPulses.appendChild(svg("circle", { cx: x, cy: y, r: 12, class: "pulse" }));
    if (incident) group.appendChild(svg("circle", { cx: x, cy: y, r: 12, class: "incident-ring" }));
    group.appendChild(svg("circle", { cx: x, cy: y, r: 7.5, class: "site-dot site-kind-" + site.kind }));
    const name = tr.htmlLang === "en" ? site.name_en || site.name : site.name;
    group.appendChild(svg("title", null, name + " · " + term("siteKinds", site.kind) + (site.address ? " · " + site.address : "")));
    if (incident) {
      const open = () => openHandler(String(incident.id));
      group.addEventListener("click", open);
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open();
        }
      });
    }
    layerSites.appendChild(group);
    obstacles.push({ x: x - 21, y: y - 21, w: 42, h: 42 });
  });

  // Officers.
  placedOfficers.forEach((officer) => {
    const [x, y] = project(officer.lat, officer.lon);
    const cls = officer.signed_on ? "officer on" : "officer off";
    layerOfficers.appendChild(
      svg(
        "g",
        { class: cls, testid: "map-officer", "data-officer-id": officer.officer_id },
        svg("rect", { x: x - 6, y: y - 6, width: 12, height: 12, transform: "rotate(45 " + x + " " + y + ")" }),
        svg("title", null, (officerName(officer.officer_id) || officer.name) + " · " + (officer.signed_on ? tr.signed_on : tr.signed_off)),
      ),
    );
    obstacles.push({ x: x - 9, y: y - 9, w: 18, h: 18 });
  });

  // Grid names above their area, or below it when a marker is in the way.
  gridLabels.forEach(({ outline, colour, text }) => {
    const w = textWidth(text, 14);
    const top = outline.reduce((a, b) => (b[1] < a[1] ? b : a));
    const bottom = outline.reduce((a, b) => (b[1] > a[1] ? b : a));
    const options = [
      [top[0] - w / 2, top[1] - HULL_PAD - 6],
      [bottom[0] - w / 2, bottom[1] + HULL_PAD + 16],
      [top[0] + HULL_PAD, top[1] - 6],
    ].map(([x, y]) => ({ x: Math.max(8, Math.min(width - w - 8, x)), y: Math.max(18, Math.min(height - 6, y)) }));
    const fits = (o) => !obstacles.some((other) => overlaps({ x: o.x, y: o.y - 14, w: w, h: 18 }, other));
    const at = options.find(fits) || options[0];
    layerGridLabels.appendChild(svg("text", { x: at.x, y: at.y, class: "grid-label", fill: colour }, text));
    obstacles.push({ x: at.x, y: at.y - 14, w: w, h: 18 });
  });

  // Labels where they fit: incidents first (always shown), then the other sites, then officers.
  const labels = [];
  sites.forEach((site) => {
    const [x, y] = project(site.lat, site.lon);
    const incident = incidents.get(site.id);
    const name = tr.htmlLang === "en" ? site.name_en || site.name : site.name;
    labels.push({ x, y, text: incident ? "P" + priorityOf(incident) + " " + name : name, cls: incident ? "site-label incident-label" : "site-label", must: Boolean(incident), r: 21 });
  });
  placedOfficers.forEach((officer) => {
    const [x, y] = project(officer.lat, officer.lon);
    labels.push({ x, y, text: (officerName(officer.officer_id) || officer.name), cls: "officer-label" + (officer.signed_on ? "" : " off"), must: false, r: 10 });
  });
  labels.sort((a, b) => Number(b.must) - Number(a.must));
  const placed = [];
  labels.forEach((label) => {
    const size = labelSize;
    const w = textWidth(label.text, size) + 4;
    const hgt = size + 4;
    const options = [
      { x: label.x + label.r + 2, y: label.y - hgt / 2 },
      { x: label.x - label.r - 2 - w, y: label.y - hgt / 2 },
      { x: label.x - w / 2, y: label.y - label.r - hgt },
      { x: label.x - w / 2, y: label.y + label.r },
    ];
    const inside = (box) => box.x >= 2 && box.y >= 2 && box.x + box.w <= width - 2 && box.y + box.h <= height - 2;
    let chosen = null;
    for (const option of options) {
      const box = { x: option.x, y: option.y, w: w, h: hgt };
      if (!inside(box)) continue;
      if (placed.some((other) => overlaps(box, other))) continue;
      if (obstacles.some((other) => overlaps(box, other))) continue;
      chosen = box;
      break;
    }
    if (!chosen && label.must) {
      for (const option of options) {
        const box = { x: option.x, y: option.y, w: w, h: hgt };
        if (inside(box) && !placed.some((other) => overlaps(box, other))) {
          chosen = box;
          break;
        }
      }
    }
    if (!chosen) return;
    placed.push(chosen);
    layerLabels.appendChild(svg("rect", { x: chosen.x - 2, y: chosen.y, width: chosen.w + 4, height: chosen.h, rx: 3, class: "label-bg" }));
    layerLabels.appendChild(svg("text", { x: chosen.x + 2, y: chosen.y + size, class: label.cls, "font-size": size }, label.text));
  });

  replace(el.svg, svg("title", null, tr.map_title), layerGrids, layerGridLabels, layerPulses, layerDevices, layerOfficers, layerSites, layerLabels);
  renderSide(sites, placedOfficers);
}

function renderSide(sites, placedOfficers) {
  const tr = t();
  const open = Array.from(store.incidents.values()).sort(compareIncidents);
  const list = h(
    "ul",
    { class: "map-incidents", testid: "map-incidents" },
    open.map((incident) =>
      h(
        "li",
        null,
        h(
          "button",
          { type: "button", class: "map-incident", onclick: () => openHandler(String(incident.id)) },
          priorityBadge(priorityOf(incident)),
          h("span", { class: "map-incident-site", title: siteText(incident) }, siteText(incident)),
          h("span", { class: "muted" }, term("kinds", incident.kind) + " · " + term("states", incident.state)),
        ),
      ),
    ),
  );
  const unplacedSites = Array.from(store.sites.values()).filter((site) => site.lat == null || site.lon == null);
  const unplacedOfficers = roster.length - placedOfficers.length;
  const gridItems = Array.from(store.grids.values()).map((grid, index) =>
    h("li", null, h("span", { class: "swatch", style: { background: GRID_COLOURS[index % GRID_COLOURS.length] } }), gridName(grid)),
  );
  replace(
    el.side,
    h("h2", null, tr.map_open_incidents + " (" + open.length + ")"),
    open.length ? list : h("p", { class: "muted" }, tr.empty),
    h("h2", null, tr.map_legend),
    h(
      "ul",
      { class: "legend" },
      h("li", null, h("span", { class: "key key-site" }), tr.map_site),
      h("li", null, h("span", { class: "key key-incident" }), tr.map_incident),
      h("li", null, h("span", { class: "key key-officer" }), tr.map_officer_on),
      h("li", null, h("span", { class: "key key-officer off" }), tr.map_officer_off),
      h("li", null, h("span", { class: "key key-dev ok" }), tr.map_device_ok),
      h("li", null, h("span", { class: "key key-dev bad" }), tr.map_device_bad),
      gridItems,
    ),
    unplacedOfficers > 0 ? h("p", { class: "muted" }, tr.map_officers_unplaced(unplacedOfficers)) : null,
    unplacedSites.length ? h("p", { class: "muted" }, tr.map_no_coordinates + joinList(unplacedSites.map((site) => (t().htmlLang === "en" && site.name_en) || site.name))) : null,
  );
}
