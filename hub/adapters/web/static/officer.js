// Sentinel officer app: the officer's own dispatches, live over /api/v1/me/stream, on a phone.
//
// A new dispatch takes the whole screen, sounds a siren (generated with WebAudio: no sound file),
// vibrates and raises a notification until it is accepted or declined, with a countdown to the
// deadline after which it goes to the next officer. The officer then reports en route, on scene and
// resolved on the same card, which carries the site, its contact, a geo: navigation link and the
// snapshot. While on duty the phone's location is sent at most every 15 s.
//
// Browsers play sound and ask for permissions only after a tap: the "sign on" tap unlocks the audio,
// asks for notifications and starts the location watch, and the page says so.
//
// Like the console: signed in with the session cookie (CSRF token from /api/v1/auth/me on every POST),
// a 401 leads to /login?next=…, the stream reconnects with backoff (1 s doubling to 10 s) behind a red
// banner, and every text is set with textContent: nothing from the hub is parsed as HTML.
//
// This module is the page: session, stream, the officer's dispatches and duty. The words are in
// officer-i18n.js, the card in officer-card.js, sound and notifications in officer-alarm.js and the
// location in officer-location.js.

import {
  askNotifications,
  audioState,
  closeNotification,
  holdWakeLock,
  notificationState,
  notify,
  onAudioChange,
  registerWorker,
  unlockAudio,
  updateAlarm,
} from "./officer-alarm.js";
import { STATE_RANK, createCard, fillCard, fillCountdown } from "./officer-card.js";
import { h, setText } from "./officer-dom.js";
import {
  ageText,
  kindText,
  priorityOf,
  priorityText,
  siteName,
  siteOf,
  stateText,
  stored,
  store,
  switchLang,
  t,
  timeMs,
  whenText,
} from "./officer-i18n.js";
import { applyPageText, labelToggle } from "./i18n-core.js";
import { hubFetch } from "./hub-fetch.js";
import { configureLocation, freshFix, sendLocation, startLocation, syncLocation, where } from "./officer-location.js";
import { healthBanner } from "./health-banner.js";
import { liveSocket } from "./live-socket.js";

const ME_PATH = "/api/v1/auth/me";
const LOGOUT_PATH = "/api/v1/auth/logout";
const DUTY_PATH = "/api/v1/me/duty";
const LOCATION_PATH = "/api/v1/me/location";
const DISPATCHES_PATH = "/api/v1/me/dispatches";
const STREAM_PATH = "/api/v1/me/stream";
const TOAST_MS = 6000;
const TOAST_SHORT_MS = 2500;
const HISTORY_SHOWN = 10;
const DUTY_KEY = "sentinel.officer.on_duty.";
const ACTIVE_STATES = new Set(["offered", "accepted", "en_route", "on_scene"]);

// ---- state ----------------------------------------------------------------------------------------

const active = new Map(); // dispatch id (string) → the dispatch as the hub last sent it
const cards = new Map(); // dispatch id → card (DOM parts)
const alerted = new Set(); // dispatch ids already announced (sound, vibration, notification)
const pending = new Set(); // dispatch ids with a reply on its way
let history = [];
let connection = "connecting"; // connecting | live | syncing | disconnected
// A database or broker outage at the hub: amber, until a frame says it is over (hidden while our
// own link is down: the frame is stale then, and the red banner says more).
const health = healthBanner(() => t(), () => connection !== "disconnected");
let loaded = false; // a snapshot has been applied at least once
let session = null; // {user, auth, csrf_token} from /api/v1/auth/me
let leaving = false; // on the way to the login page: stop reconnecting
const live = liveSocket(STREAM_PATH, {
  isLeaving: () => leaving,
  onMessage: (message) => handle(message),
  onDown: () => {
    loadSession(); // a stream refused or closed because the session ended: off to the login page
    setConnection("disconnected");
  },
  onResync: () => setConnection("syncing"),
});
let serverOffsetMs = 0; // the hub's clock minus ours, when they differ noticeably

let onDuty = false;
let dutyPending = false;

let declineFor = null;
let historyTimer = null;
let renderQueued = false;

const el = {};

// What the cards' buttons do.
const cardActions = {
  reply: (id, action, extra) => reply(id, action, extra),
  decline: (id) => openDecline(id),
  copied: () => toast(t().copied, TOAST_SHORT_MS),
  messages: () => messages,
  warn: (id, messageId, lang) => warn(id, messageId, lang),
  refresh: () => renderSoon(),
};

let messages = []; // the loudspeaker message library

function loadMessages() {
  return api("/api/v1/messages")
    .then((response) => (response.ok ? response.json() : { messages: [] }))
    .then((data) => {
      messages = Array.isArray(data.messages) ? data.messages : [];
    })
    .catch(() => {});
}

function warn(id, messageId, lang) {
  api("/api/v1/me/warnings", {
    method: "POST",
    body: { dispatch_id: Number(id), message_id: messageId, lang: lang, repeat: 2 },
  })
    .then((response) => toast(response.ok ? t().warn_sent : t().toast_failed))
    .catch(() => toast(t().toast_failed));
}

// ---- language -----------------------------------------------------------------------------------------

function applyLang() {
  const s = t();
  applyPageText(s);
  labelToggle(el.toggle, s);
  el.logout.setAttribute("aria-label", s.logout);
  el.logout.title = s.logout;
  renderAll();
}

function now() {
  return Date.now() + serverOffsetMs;
}

// ---- the screen ---------------------------------------------------------------------------------------

function compareDispatches(a, b) {
  const offeredA = a.state === "offered" ? 0 : 1;
  const offeredB = b.state === "offered" ? 0 : 1;
  if (offeredA !== offeredB) return offeredA - offeredB;
  if (offeredA === 0) return timeMs(a.accept_by) - timeMs(b.accept_by);
  const pa = priorityOf(a) || 9;
  const pb = priorityOf(b) || 9;
  if (pa !== pb) return pa - pb;
  return timeMs(b.offered_at) - timeMs(a.offered_at);
}

function render() {
  const at = now();
  const ordered = Array.from(active.values()).sort(compareDispatches);
  const offered = ordered.filter((d) => d.state === "offered");
  const seen = new Set();
  const placed = { alert: [], list: [] };
  const accepted = [];
  ordered.forEach((d) => {
    const id = String(d.id);
    seen.add(id);
    let c = cards.get(id);
    if (!c) {
      c = createCard(id, cardActions);
      cards.set(id, c);
    }
    const isOffered = d.state === "offered";
    fillCard(c, d, at, { index: isOffered ? offered.indexOf(d) : 0, offeredCount: offered.length, busy: pending.has(id) });
    if (!isOffered && c.root.parentNode === el.alertCards) accepted.push(c);
    placed[isOffered ? "alert" : "list"].push(c.root);
  });
  cards.forEach((c, id) => {
    if (!seen.has(id)) {
      c.root.remove();
      cards.delete(id);
    }
  });
  // Move a card only when it is out of place: moving a node takes the focus from a note being typed.
  [
    [el.alertCards, placed.alert],
    [el.activeList, placed.list],
  ].forEach(([home, roots]) => {
    roots.forEach((root, i) => {
      if (home.children[i] !== root) home.insertBefore(root, home.children[i] || null);
    });
  });

  const alerting = offered.length > 0;
  const wasAlerting = !el.alertLayer.hidden;
  el.alertLayer.hidden = !alerting;
  document.body.classList.toggle("alerting", alerting);
  if (alerting && !wasAlerting) el.alertLayer.scrollTop = 0;

  const others = ordered.length - offered.length;
  el.activeEmpty.hidden = others > 0;
  const emptyKey = !loaded ? "empty_waiting" : onDuty ? "empty_on" : "empty_off";
  setText(el.activeEmpty, t()[emptyKey]);
  el.activeEmpty.setAttribute("data-state", emptyKey);

  offered.forEach((d) => {
    const id = String(d.id);
    if (!alerted.has(id)) {
      alerted.add(id);
      el.toasts.textContent = "";
      announce(d);
      const site = siteOf(d);
      const title = t().notify_title(priorityText(d), kindText(d.kind));
      notify(id, title, siteName(d) + (site.address ? "\n" + site.address : ""), t().htmlLang);
    }
  });
  // Quiet while the officer is answering (a reply on its way, or the decline reason being written).
  updateAlarm(offered.some((d) => !pending.has(String(d.id)) && declineFor !== String(d.id)));
  holdWakeLock(ordered.length > 0);
  syncLocation();
  document.title = alerting ? t().alertDocTitle : t().docTitle;
  // Just accepted: the card is now in the list; show it from the top.
  accepted.forEach((c) => c.root.scrollIntoView({ block: "start" }));
}

// render() once the current work is done (callers may be inside render() already).
function renderSoon() {
  if (renderQueued) return;
  renderQueued = true;
  window.queueMicrotask(() => {
    renderQueued = false;
    render();
  });
}

function renderAll() {
  renderUser();
  renderDuty();
  renderConnection();
  renderChips();
  render();
  renderHistory();
}

function tick() {
  const at = now();
  active.forEach((d, id) => {
    const c = cards.get(id);
    if (!c) return;
    setText(c.alarmAge, ageText(timeMs(d.incident_created_at), at));
    if (d.state === "offered") fillCountdown(c, d, at);
  });
  live.watchdog(Date.now());
}

function toast(text, ms) {
  const node = h("div", "toast", { "data-testid": "toast" });
  node.textContent = text;
  el.toasts.appendChild(node);
  while (el.toasts.children.length > 3) el.toasts.firstChild.remove();
  window.setTimeout(() => node.remove(), ms || TOAST_MS);
}

function announce(d) {
  el.announcer.textContent = t().announce(priorityText(d), kindText(d.kind), siteName(d));
}

// ---- dispatches ---------------------------------------------------------------------------------------

function isActive(d) {
  return d && d.id != null && ACTIVE_STATES.has(d.state);
}

function goneText(d) {
  const s = t();
  switch (d.state) {
    case "withdrawn":
      return s.toast_withdrawn;
    case "timed_out":
      return s.toast_timed_out;
    case "declined":
      return s.toast_declined;
    case "completed":
      if (d.incident_state === "resolved") return s.toast_resolved;
      if (d.incident_state === "cancelled") return s.toast_cancelled;
      return s.toast_completed;
    default:
      return s.toast_gone;
  }
}

function forget(id) {
  alerted.delete(id);
  pending.delete(id);
  closeNotification(id);
  if (declineFor === id) closeDecline();
}

function replaceActive(list, sayWhatWentAway) {
  const before = new Set(active.keys());
  active.clear();
  (Array.isArray(list) ? list : []).forEach((d) => {
    if (isActive(d)) active.set(String(d.id), d);
  });
  let gone = 0;
  before.forEach((id) => {
    if (!active.has(id)) {
      gone += 1;
      forget(id);
    }
  });
  if (gone && sayWhatWentAway) toast(t().toast_gone);
  render();
  if (gone) loadHistory();
}

function applyDispatch(d) {
  if (!d || d.id == null) return;
  const id = String(d.id);
  const current = active.get(id);
  if (isActive(d)) {
    // Answers and stream frames may cross: a dispatch never moves backwards.
    if (current && STATE_RANK[d.state] < STATE_RANK[current.state]) return;
    active.set(id, d);
    render();
    return;
  }
  if (current) {
    active.delete(id);
    forget(id);
    toast(goneText(d));
    render();
  }
  loadHistory();
}

function refreshActive() {
  return api(DISPATCHES_PATH)
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (data && Array.isArray(data.dispatches)) replaceActive(data.dispatches, true);
    })
    .catch(() => {});
}

function reply(id, action, extra) {
  if (pending.has(id)) return;
  const body = Object.assign({ action: action }, extra || {});
  const fix = freshFix();
  if (fix) {
    body.lat = fix.lat;
    body.lon = fix.lon;
  }
  unlockAudio(false);
  pending.add(id);
  render();
  api(DISPATCHES_PATH + "/" + encodeURIComponent(id) + "/reply", { method: "POST", body: body })
    .then((response) =>
      response
        .json()
        .catch(() => null)
        .then((data) => {
          pending.delete(id);
          if (response.ok) {
            if (data && data.dispatch) applyDispatch(data.dispatch);
            else render();
            return;
          }
          render();
          if ([403, 404, 409].indexOf(response.status) !== -1) {
            toast(t().toast_conflict);
            refreshActive();
          } else {
            toast(t().toast_failed);
          }
        })
    )
    .catch((error) => {
      if (leaving) return;
      pending.delete(id);
      render();
      if (error && error.code === "no_answer") {
        toast(t().toast_no_answer); // it may have been done: the hub's list says
        refreshActive();
      } else {
        toast(t().toast_network);
      }
    });
}

// ---- decline ------------------------------------------------------------------------------------------

function openDecline(id) {
  declineFor = id;
  el.declineForm.reset();
  el.declineError.hidden = true;
  el.declineSheet.hidden = false;
  const first = el.declineForm.querySelector("input[name=reason]");
  if (first) first.focus();
  render();
}

function closeDecline() {
  if (declineFor === null) return;
  declineFor = null;
  el.declineSheet.hidden = true;
  render();
}

function confirmDecline(event) {
  event.preventDefault();
  const id = declineFor;
  if (!id) return;
  const checked = el.declineForm.querySelector("input[name=reason]:checked");
  const reason = checked ? t()["reason_" + checked.value] || "" : "";
  const detail = el.declineNote.value.trim();
  if (!reason && !detail) {
    el.declineError.hidden = false;
    return;
  }
  const note = reason && detail ? reason + " — " + detail : reason || detail;
  reply(id, "decline", { note: note }); // first: the alarm stays quiet while the answer travels
  closeDecline();
}

// ---- history ------------------------------------------------------------------------------------------

function loadHistory() {
  window.clearTimeout(historyTimer);
  historyTimer = window.setTimeout(() => {
    api(DISPATCHES_PATH + "?all=1")
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !Array.isArray(data.dispatches)) return;
        history = data.dispatches.filter((d) => d && !ACTIVE_STATES.has(d.state)).slice(0, HISTORY_SHOWN);
        renderHistory();
      })
      .catch(() => {});
  }, 250);
}

function renderHistory() {
  const s = t();
  el.historyList.textContent = "";
  history.forEach((d) => {
    const li = h("li", "history-item", { "data-testid": "history-item", "data-state": String(d.state || "") });
    const when = h("span", "history-when");
    when.textContent = whenText(timeMs(d.offered_at));
    const what = h("span", "history-what");
    const name = h("span", "history-site");
    name.textContent = siteName(d);
    const kind = h("span", "history-kind");
    kind.textContent = priorityText(d) + " · " + kindText(d.kind);
    what.appendChild(name);
    what.appendChild(kind);
    const outcome = h("span", "history-outcome");
    outcome.setAttribute("data-state", String(d.state || ""));
    outcome.textContent =
      d.state === "completed" && s.outcomes[d.incident_state] ? s.outcomes[d.incident_state] : stateText(d.state);
    li.appendChild(when);
    li.appendChild(what);
    li.appendChild(outcome);
    el.historyList.appendChild(li);
  });
  el.historyEmpty.hidden = history.length > 0;
}

// ---- duty and the status chips ------------------------------------------------------------------------

function dutyKey() {
  const user = session && session.user;
  return DUTY_KEY + String((user && (user.officer_id || user.username)) || "");
}

function toggleDuty() {
  if (dutyPending) return;
  const want = !onDuty;
  if (want) {
    // This tap is the user gesture browsers want before sound and permission prompts.
    unlockAudio(true);
    askNotifications();
  }
  setDuty(want, false);
}

function setDuty(want, quiet) {
  dutyPending = true;
  renderDuty();
  if (want) startLocation(true); // the permission prompt, from this tap
  return api(DUTY_PATH, { method: "POST", body: { on_duty: want } })
    .then((response) => {
      dutyPending = false;
      if (!response.ok) throw new Error("duty " + response.status);
      onDuty = want;
      store(dutyKey(), want ? "1" : "0");
      if (want) sendLocation(true);
      syncLocation();
      if (!quiet) toast(want ? t().toast_signed_on : t().toast_signed_off, TOAST_SHORT_MS);
      renderAll();
      return true;
    })
    .catch(() => {
      dutyPending = false;
      if (leaving) return false;
      syncLocation();
      toast(t().toast_duty_failed);
      renderAll();
      return false;
    });
}

function renderDuty() {
  const s = t();
  const state = dutyPending ? "pending" : onDuty ? "on" : "off";
  el.duty.setAttribute("data-state", state);
  el.duty.setAttribute("aria-checked", onDuty ? "true" : "false");
  el.duty.disabled = dutyPending || !session;
  const titleKey = onDuty ? "duty_on_title" : "duty_off_title";
  const subKey = dutyPending ? "duty_pending" : onDuty ? "duty_on_sub" : "duty_off_sub";
  el.dutyTitle.setAttribute("data-i18n", titleKey);
  el.dutySub.setAttribute("data-i18n", subKey);
  setText(el.dutyTitle, s[titleKey]);
  setText(el.dutySub, s[subKey]);
}

function renderChips() {
  const s = t();
  const sound = audioState();
  el.soundChip.setAttribute("data-state", sound);
  el.soundChipIcon.setAttribute("href", sound === "on" ? "#i-sound" : "#i-mute");
  setText(el.soundChipLabel, sound === "on" ? s.sound_on : sound === "none" ? s.sound_none : s.sound_locked);
  el.soundChip.disabled = sound !== "locked";

  const geoState = where.state;
  el.locationChip.setAttribute("data-state", geoState);
  const accuracy = where.fix ? Math.max(1, Math.round(where.fix.accuracy || 0)) : 0;
  const geoText = {
    off: s.location_off,
    waiting: s.location_waiting,
    ok: s.location_ok(accuracy),
    denied: s.location_denied,
    unavailable: s.location_unavailable,
    insecure: s.location_insecure,
    error: s.location_unavailable,
  }[geoState];
  setText(el.locationChipLabel, geoText);

  const notification = notificationState();
  el.notifyChip.hidden = notification === "none";
  el.notifyChip.setAttribute("data-state", notification);
  el.notifyChip.disabled = notification !== "default";
  setText(
    el.notifyChipLabel,
    notification === "granted" ? s.notify_granted : notification === "denied" ? s.notify_denied : s.notify_default
  );

  const notes = [];
  if (!window.isSecureContext) notes.push("note_insecure");
  if (geoState === "denied") notes.push("note_location_denied");
  else if (geoState === "error") notes.push("note_location_error");
  if (onDuty && sound === "locked") notes.push("note_sound");
  if (onDuty && notification === "denied") notes.push("note_notify_denied");
  if (!onDuty && !dutyPending) notes.push("note_setup");
  el.setupNote.textContent = "";
  notes.forEach((key) => {
    const p = h("p", key === "note_setup" ? "note-line note-hint" : "note-line", { "data-note": key });
    p.textContent = s[key];
    el.setupNote.appendChild(p);
  });
  el.setupNote.hidden = notes.length === 0;
}

// ---- session ------------------------------------------------------------------------------------------

function toLogin() {
  if (leaving) return;
  leaving = true;
  live.abandon();
  const here = window.location.pathname + window.location.search;
  window.location.replace("/login?next=" + encodeURIComponent(here));
}

// fetch() for the hub's API (hub-fetch.js), and the login page on 401.
function api(path, options) {
  return hubFetch(path, options, session && session.csrf_token, () => {
    toLogin();
    return new Error("not signed in");
  });
}

// Who is signed in (and the hub's clock, for honest countdowns); a 401 leads to the login page.
function loadSession() {
  return api(ME_PATH)
    .then((response) => {
      const date = Date.parse(response.headers.get("Date") || "");
      if (!Number.isNaN(date)) {
        const offset = date - Date.now();
        serverOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
      }
      return response.ok ? response.json() : null;
    })
    .then((data) => {
      if (data && data.user) {
        session = data;
        renderUser();
        renderDuty();
      }
    })
    .catch(() => {});
}

function renderUser() {
  const user = session && session.user;
  setText(el.officerName, user ? String(user.display_name || user.username || "") : "");
  el.officerName.title = user ? String(user.officer_id || user.username || "") : "";
  el.logout.hidden = !session || session.auth !== "session";
}

function logout() {
  if (onDuty) {
    el.logoutSheet.hidden = false;
    el.logoutConfirm.focus();
    return;
  }
  signOut();
}

function signOut() {
  el.logoutSheet.hidden = true;
  const off = onDuty ? setDuty(false, true) : Promise.resolve(true);
  off
    .then(() => api(LOGOUT_PATH, { method: "POST" }))
    .catch(() => {})
    .then(() => {
      leaving = true;
      updateAlarm(false);
      live.abandon();
      window.location.replace("/login?next=" + encodeURIComponent("/officer"));
    });
}

// ---- connection ---------------------------------------------------------------------------------------

function setConnection(state) {
  connection = state;
  renderConnection();
  render();
}

function renderConnection() {
  const s = t();
  el.status.setAttribute("data-state", connection);
  el.statusLabel.setAttribute("data-i18n", "status_" + connection);
  el.statusLabel.textContent = s["status_" + connection];
  el.banner.hidden = connection !== "disconnected";
  el.main.classList.toggle("stale", connection !== "live");
  health.render();
}

function handle(message) {
  switch (message.type) {
    case "snapshot": {
      live.synced();
      const wasLoaded = loaded;
      loaded = true;
      connection = "live";
      renderConnection();
      replaceActive(message.dispatches, wasLoaded);
      loadHistory();
      break;
    }
    case "dispatch":
      if (loaded) applyDispatch(message.dispatch);
      break;
    case "health":
      health.update(message);
      break;
    default:
      break; // pong
  }
}

// ---- start --------------------------------------------------------------------------------------------

function start() {
  const ids = {
    banner: "disconnected-banner",
    status: "connection-status",
    statusLabel: "connection-label",
    officerName: "officer-name",
    toggle: "lang-toggle",
    logout: "logout",
    duty: "duty-toggle",
    dutyTitle: "duty-title",
    dutySub: "duty-sub",
    soundChip: "sound-chip",
    soundChipIcon: "sound-chip-icon",
    soundChipLabel: "sound-chip-label",
    locationChip: "location-chip",
    locationChipLabel: "location-chip-label",
    notifyChip: "notify-chip",
    notifyChipLabel: "notify-chip-label",
    setupNote: "setup-note",
    activeList: "active-list",
    activeEmpty: "active-empty",
    historyList: "history-list",
    historyEmpty: "history-empty",
    alertLayer: "alert-layer",
    alertCards: "alert-cards",
    declineSheet: "decline-sheet",
    declineForm: "decline-form",
    declineNote: "decline-note",
    declineError: "decline-error",
    declineCancel: "decline-cancel",
    logoutSheet: "logout-sheet",
    logoutCancel: "logout-cancel",
    logoutConfirm: "logout-confirm",
    toasts: "toasts",
    announcer: "announcer",
  };
  Object.keys(ids).forEach((key) => {
    el[key] = document.getElementById(ids[key]);
  });
  el.main = document.querySelector("main");

  el.toggle.addEventListener("click", () => {
    switchLang();
    applyLang();
  });
  el.logout.addEventListener("click", logout);
  el.logoutCancel.addEventListener("click", () => {
    el.logoutSheet.hidden = true;
  });
  el.logoutConfirm.addEventListener("click", signOut);
  el.duty.addEventListener("click", toggleDuty);
  el.soundChip.addEventListener("click", () => unlockAudio(true));
  el.notifyChip.addEventListener("click", askNotifications);
  el.declineForm.addEventListener("submit", confirmDecline);
  el.declineCancel.addEventListener("click", closeDecline);
  el.declineForm.addEventListener("change", () => {
    el.declineError.hidden = true;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (!el.declineSheet.hidden) closeDecline();
    el.logoutSheet.hidden = true;
  });
  // Any tap may unlock the sound (the officer may never touch the sign-on switch after a reload).
  document.addEventListener("pointerdown", () => {
    if (audioState() === "locked") unlockAudio(false);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      holdWakeLock(active.size > 0);
      renderChips();
    }
  });

  onAudioChange(renderChips);
  configureLocation({
    wanted: () => onDuty || active.size > 0, // and while a dispatch is open, even after signing off
    send: (lat, lon) => api(LOCATION_PATH, { method: "POST", body: { lat: lat, lon: lon } }),
    onChange: () => {
      renderChips();
      if (active.size) renderSoon(); // distances and "sharing location" on the cards
    },
  });

  applyLang();
  tick();
  window.setInterval(tick, 1000);
  registerWorker();
  loadSession().then(() => {
    // Signed on before this page was (re)loaded: say so to the hub again, and share the location.
    if (session && stored(dutyKey()) === "1") {
      onDuty = true;
      setDuty(true, true);
    }
    renderAll();
    live.connect();
    loadMessages();
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
