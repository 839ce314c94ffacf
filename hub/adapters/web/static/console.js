// Sentinel duty desk console: the entry point. It signs in (the session cookie; /api/v1/auth/me
// names the user and gives the CSRF token), loads the district, keeps the open incidents live over
// /api/v1/stream, and routes between the views: board (with the incident detail), map, devices,
// roster, the shift summary (handover), supervision and video patrol (#/board, #/incident/42, #/map, #/patrol, ...).
//
// The board is never silently stale: the stream sends a snapshot of every open incident first,
// then each change; when the link drops, a red banner says so, the board greys out, and the console
// reconnects with backoff (1 s doubling to 10 s) and reloads the snapshot. All text is set with
// textContent; nothing from the hub is ever parsed as HTML. Whenever the hub answers 401 (the
// session ended, or the stream was closed and the session turns out to be over) the page goes to
// /login?next=….

import { ApiError, api, apiJson, isLeaving, leave, onLeave, toLogin } from "./console-api.js";
import * as alarm from "./console-alarm.js";
import { mountAlarmChrome } from "./console-alarm-chrome.js";
import * as overlay from "./console-alarm-overlay.js";
import * as board from "./console-board.js";
import * as detail from "./console-detail.js";
import * as devices from "./console-devices.js";
import * as handover from "./console-handover.js";
import { clockText, lang, setLang, t } from "./console-i18n.js";
import { applyPageText, labelToggle } from "./i18n-core.js";
import * as map from "./console-map.js";
import * as patrol from "./console-patrol.js";
import * as roster from "./console-roster.js";
import { canSupervise, emit, isUnacknowledged, on, store, takeIncident, takeSnapshot } from "./console-state.js";
import * as supervision from "./console-supervision.js";
import { h, isTyping, notify, replace } from "./console-ui.js";
import { healthBanner } from "./health-banner.js";
import { liveSocket } from "./live-socket.js";

const STREAM_PATH = "/api/v1/stream";
const ME_PATH = "/api/v1/auth/me";
const LOGOUT_PATH = "/api/v1/auth/logout";
const REGISTRY_RETRY_MS = 5000;

const VIEWS = { board: null, patrol: patrol, map: map, devices: devices, roster: roster, handover: handover, supervision: supervision };

let currentView = "board";
// A database or broker outage at the hub: amber, until a frame says it is over. Hidden while our own
// link is down (the frame is stale then, and the red banner says more).
const health = healthBanner(() => t(), () => store.connection !== "disconnected");

const live = liveSocket(STREAM_PATH, {
  isLeaving: isLeaving,
  onMessage: (message) => handle(message),
  onDown: () => {
    loadSession(); // a stream refused or closed because the session ended: off to the login page
    setConnection("disconnected");
  },
  onResync: () => setConnection("syncing"),
});

const el = {};

// ---- language -------------------------------------------------------------------------------

function applyLang() {
  applyPageText(t());
  labelToggle(el.toggle, t());
  renderUser();
  renderConnection();
  renderAll();
  const shown = detail.shownId();
  if (shown) detail.changed(shown);
}

function renderAll() {
  board.render();
  alarm.setTitleBase(titleBase());
  alarm.update();
  overlay.render();
  const view = VIEWS[currentView];
  if (view) view.render();
}

function titleBase() {
  const count = store.incidents.size;
  return (count > 0 ? "(" + count + ") " : "") + t().docTitle;
}

// ---- incidents from the stream ----------------------------------------------------------------

function applySnapshot(list) {
  const wasLoaded = store.loaded;
  const fresh = takeSnapshot(list);
  setConnection("live");
  // After a reconnect, what arrived while we were away is new to the desk.
  if (wasLoaded) fresh.forEach((id) => arrived(store.incidents.get(id)));
  const shown = detail.shownId();
  if (shown) detail.changed(shown);
  // Everything that reads the incidents, the alarm bar and the title count first: a snapshot (the
  // first, or the one after a resync) may be all that says an alarm waits or has been acknowledged.
  renderAll();
  emit("incidents");
}

function applyIncident(incident) {
  if (!incident || incident.id == null) return;
  detail.changed(String(incident.id));
  const change = takeIncident(incident);
  if (!change) return;
  renderAll();
  emit("incidents");
  if (change === "new") arrived(incident);
}

function arrived(incident) {
  board.flash(incident.id);
  board.announce(incident);
  alarm.newIncident(incident);
  if (!board.selected() && !detail.isShown()) board.select(String(incident.id), false);
}

// ---- session --------------------------------------------------------------------------------

function loadSession() {
  return apiJson(ME_PATH)
    .then((data) => {
      if (data && data.user) {
        store.session = data;
        renderUser();
      }
    })
    .catch(() => {}); // network trouble is left to the stream's banner; a 401 went to the login page
}

function renderUser() {
  const user = store.session && store.session.user;
  el.navSupervision.hidden = !canSupervise();
  el.navReports.hidden = !canSupervise();
  if (!user) {
    el.userName.textContent = "";
    el.logout.hidden = true;
    return;
  }
  const role = t().roles[user.role] || String(user.role || "");
  const name = String(user.display_name || user.username || "");
  // Name over role, two short lines: one long line was cut to "h…" in English.
  replace(el.userName, h("span", { class: "user-display" }, name), h("span", { class: "user-role" }, role));
  el.userName.title = String(user.username || "");
  el.logout.hidden = store.session.auth !== "session";
}

function logout() {
  api(LOGOUT_PATH, { method: "POST" })
    .catch(() => {})
    .then(() => leave("/login"));
}

// The district, its sites, officers and devices: needed by every view; retried until loaded.
function loadRegistry() {
  return Promise.all([apiJson("/api/v1/district"), apiJson("/api/v1/sites"), apiJson("/api/v1/officers"), apiJson("/api/v1/devices")])
    .then(([district, sites, officers, registry]) => {
      store.district = district;
      store.targets = new Map((district.targets || []).map((target) => [Number(target.priority), target]));
      store.grids = new Map((district.grids || []).map((grid) => [grid.id, grid]));
      store.sites = new Map((sites.sites || []).map((site) => [site.id, site]));
      store.officers = new Map((officers.officers || []).map((officer) => [officer.id, officer]));
      store.devices = new Map((registry.devices || []).map((device) => [device.id, device]));
      renderAll();
      const shown = detail.shownId();
      if (shown) detail.changed(shown);
    })
    .catch((error) => {
      if (error instanceof ApiError && error.status === 401) return;
      window.setTimeout(loadRegistry, REGISTRY_RETRY_MS);
    });
}

// ---- connection -----------------------------------------------------------------------------

function setConnection(state) {
  store.connection = state;
  renderConnection();
  board.render();
}

function renderConnection() {
  const s = t();
  el.status.setAttribute("data-state", store.connection);
  el.statusLabel.setAttribute("data-i18n", "status_" + store.connection);
  el.statusLabel.textContent = s["status_" + store.connection];
  el.banner.hidden = store.connection !== "disconnected";
  alarm.setLinkLost(store.connection === "disconnected");
  document.body.classList.toggle("is-stale", store.connection !== "live");
  health.render();
}

function handle(message) {
  switch (message.type) {
    case "snapshot":
      live.synced();
      applySnapshot(message.incidents);
      break;
    case "incident":
      if (store.loaded) applyIncident(message.incident);
      break;
    case "dispatch":
      if (message.dispatch) detail.changed(message.dispatch.incident_id);
      break;
    case "warning":
      if (message.warning && message.warning.incident_id != null) detail.changed(message.warning.incident_id);
      if (message.warning) emit("warning", message.warning);
      break;
    case "health":
      health.update(message);
      break;
    default:
      break; // pong, and types this console does not show yet
  }
}

function tick() {
  const now = Date.now();
  board.tick();
  detail.tick();
  el.clock.textContent = clockText(now);
  alarm.update();
  live.watchdog(now);
}

// ---- views ----------------------------------------------------------------------------------

function route() {
  const hash = window.location.hash.replace(/^#\/?/, "");
  const [name, arg] = hash.split("/");
  if (name === "incident" && arg && /^[0-9]+$/.test(arg)) {
    showView("board");
    board.select(arg, false);
    detail.open(arg);
    return;
  }
  const view = Object.prototype.hasOwnProperty.call(VIEWS, name) ? name : "board";
  showView(view);
  if (view === "board" && detail.isShown()) detail.close();
}

function showView(name) {
  if (name === currentView && !document.getElementById("view-" + name).hidden) return;
  const previous = VIEWS[currentView];
  if (previous && currentView !== name) previous.hide();
  currentView = name;
  document.querySelectorAll(".view").forEach((section) => {
    section.hidden = section.getAttribute("data-view") !== name;
  });
  document.querySelectorAll("#nav a").forEach((link) => {
    if (link.getAttribute("data-view") === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  document.body.setAttribute("data-view", name);
  const view = VIEWS[name];
  if (view) view.show();
  else board.render();
}

export function openIncident(id) {
  const target = "#/incident/" + id;
  if (window.location.hash === target) route();
  else window.location.hash = target;
}

function closeDetail() {
  const selectedRow = board.selected();
  if (window.location.hash.startsWith("#/incident/")) window.location.hash = "#/board";
  else detail.close();
  if (selectedRow) board.select(selectedRow);
}

// ---- keyboard -------------------------------------------------------------------------------

// `A` acknowledges the newest alarm waiting (the one the alarm bar names), whatever row is selected.
function acknowledgeNewest() {
  acknowledge(overlay.newestWaitingId());
}

function acknowledge(id) {
  overlay.acknowledgeAlarm(id, detail.acknowledge, renderAll);
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
  if (document.querySelector("dialog[open]")) return; // the dialog handles its own keys (Esc closes it)
  const target = event.target;
  const key = event.key;
  if (key === "Escape") {
    if (detail.isShown()) {
      event.preventDefault();
      closeDetail();
    }
    return;
  }
  if (isTyping(target)) return;
  if (key === "a" || key === "A") {
    event.preventDefault();
    if (!event.repeat) acknowledgeNewest(); // a held key repeats: one press, one acknowledgement
    return;
  }
  if (currentView !== "board") return;
  const inDetail = target && target.closest && target.closest("#detail");
  const onRowOrPage = !inDetail && (target === document.body || (target.closest && target.closest("#board")));
  switch (key) {
    case "j":
    case "J":
    case "ArrowDown":
    case "k":
    case "K":
    case "ArrowUp": {
      if (!onRowOrPage && (key === "ArrowDown" || key === "ArrowUp")) return;
      event.preventDefault();
      const id = board.move(key === "j" || key === "J" || key === "ArrowDown" ? 1 : -1);
      if (id && detail.isShown()) openIncident(id);
      break;
    }
    case "Enter":
      if (!onRowOrPage) return;
      if (board.selected()) {
        event.preventDefault();
        openIncident(board.selected());
      }
      break;
    default:
      break;
  }
}

// ---- start ----------------------------------------------------------------------------------

function start() {
  mountAlarmChrome(document.querySelector(".topbar"), document.getElementById("connection-status"));
  el.status = document.getElementById("connection-status");
  el.statusLabel = document.getElementById("connection-label");
  el.banner = document.getElementById("disconnected-banner");
  el.clock = document.getElementById("clock");
  el.toggle = document.getElementById("lang-toggle");
  el.userName = document.getElementById("user-name");
  el.logout = document.getElementById("logout");
  el.navSupervision = document.querySelector('#nav a[data-view="supervision"]');
  el.navReports = document.querySelector('#nav a[data-testid="nav-reports"]');

  board.initBoard({ open: openIncident });
  detail.initDetail({ closed: () => document.body.classList.remove("with-detail"), opened: () => document.body.classList.add("with-detail") });
  map.initMap({ open: openIncident });
  devices.initDevices({ open: openIncident });
  roster.initRoster();
  handover.initHandover({ open: openIncident });
  supervision.initSupervision({ open: openIncident });
  patrol.initPatrol({ open: openIncident });
  alarm.initAlarm();
  overlay.initOverlay({ acknowledge: acknowledge, open: openIncident });
  on("incidents", () => map.changed());

  el.toggle.addEventListener("click", () => {
    setLang(lang() === "en" ? "zh" : "en");
    applyLang();
  });
  el.logout.addEventListener("click", logout);
  onLeave(live.abandon);
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);

  applyLang();
  route();
  tick();
  window.setInterval(tick, 1000);
  loadSession().then(() => {
    renderUser();
    if (currentView === "supervision") supervision.show();
    loadRegistry();
    live.connect();
    patrol.watch();
  });
}

// Exposed for the browser tests and for debugging from the developer tools.
window.sentinelConsole = { store: store, soundState: alarm.soundState, played: alarm.played, unacknowledged: () => Array.from(store.incidents.values()).filter(isUnacknowledged).length, notify: notify, toLogin: toLogin };

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
