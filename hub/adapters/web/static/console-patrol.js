// Video patrol (#/patrol): the district's tours with whether each is due (GET /api/v1/patrol/tours), and a
// round of one: each camera in turn for the tour's dwell time with a visible countdown (pause, previous, next),
// its live view relayed by the hub (an <img> on /api/v1/cameras/{id}/live, refreshing snapshots if that fails,
// a plain "no live view" when the camera has no MJPEG stream), and one click to log what the view showed:
// 正常 checked, 记录情况 an observation (with a note), 喊话 a loudspeaker warning at the camera's site (logged with
// the warnings' ids once sent), 立案 an incident opened (POST /api/v1/incidents, logged with its id). Finishing
// shows what the round covered. The round survives a reload of the page (sessionStorage).
//
// Keys while a round runs (not while typing): ← previous, → next, P pause/resume.

import { apiJson, post } from "./console-api.js";
import { clockText, joinList, parseTime, t, term, whenText } from "./console-i18n.js";
import { on } from "./console-state.js";
import { deviceNameOf } from "./console-names.js";
import { h, isTyping, noCameraIcon, notify, replace, speakerIcon } from "./console-ui.js";
import { createWarnPanel, speakersOf, warningList } from "./console-warn.js";

const REFRESH_MS = 30000;
const BACKGROUND_REFRESH_MS = 60000; // the nav's count of tours due, while another view is shown
const TICK_MS = 250;
const SNAPSHOT_EVERY_MS = 2000;
const SAVED_KEY = "sentinel.console.patrol";
const STATE_ORDER = { overdue: 0, due: 1, not_due: 2, on_demand: 3 };
const BLANK = "data:,"; // setting an <img> to this ends its MJPEG request

const el = {};
let visible = false;
let tours = null;
let loadError = "";
let refreshTimer = null;
let tickTimer = null;
let snapshotTimer = null;
let round = null; // the round under way: {run, tour, index, shownAt, remainingMs, paused, views, warnings, panel}
let summary = null; // the last finished round: {run, summary, tour}
let busy = false;
let warnPanel = null;
// 正常 logs the camera and moves to the next in the same place: it waits a second on each new camera,
// or the second click of a double click would log a camera nobody looked at.
const LOOK_FIRST_MS = 1000;
let lookTimer = null;
let openIncident = () => {};

export function initPatrol(handlers) {
  openIncident = handlers.open;
  el.root = document.getElementById("patrol-root");
  el.nav = document.querySelector('#nav a[data-view="patrol"]');
  el.due = document.getElementById("patrol-due");
  warnPanel = createWarnPanel({ testid: "patrol-warn-panel", onSent: (warnings) => warned(warnings) });
  on("warning", (warning) => {
    if (!round || !warning || warning.id == null) return;
    if (round.warnings.has(warning.id)) {
      round.warnings.set(warning.id, warning);
      renderSide();
    }
  });
  document.addEventListener("keydown", onKey);
}

export function show() {
  visible = true;
  render();
  refresh();
}

export function hide() {
  visible = false;
  stopTicking();
  stopStage(); // never keep a camera stream open for a page nobody looks at
}

export function render() {
  if (!visible) return;
  if (round) {
    renderRound();
    if (!tickTimer) startTicking();
  } else renderTours();
}

function refresh() {
  window.clearTimeout(refreshTimer);
  return apiJson("/api/v1/patrol/tours")
    .then((data) => {
      tours = (data && data.tours) || [];
      loadError = "";
      if (!round) resumeSaved();
    })
    .catch((error) => {
      loadError = error.message;
    })
    .then(() => {
      renderNav();
      if (visible && !round) renderTours();
      refreshTimer = window.setTimeout(refresh, visible ? REFRESH_MS : BACKGROUND_REFRESH_MS);
    });
}

// Keep the nav's count of tours due (red when one is overdue) and whether a round is under way.
export function watch() {
  if (!refreshTimer) refresh();
}

function renderNav() {
  if (!el.nav) return;
  const due = (tours || []).filter((x) => x.state === "due" || x.state === "overdue");
  const overdue = due.some((x) => x.state === "overdue");
  el.due.hidden = !due.length;
  el.due.textContent = String(due.length);
  el.due.setAttribute("data-overdue", overdue ? "true" : "false");
  el.due.title = t().patrol_nav_due(due.length);
  el.nav.toggleAttribute("data-running", Boolean(round));
}

// ---- words --------------------------------------------------------------------------------------

function tourName(tour) {
  return t().htmlLang === "en" ? tour.name_en || tour.name : tour.name;
}

function siteName(camera) {
  return t().htmlLang === "en" ? camera.site_name_en || camera.site_name || camera.site_id : camera.site_name || camera.site_id;
}

function cameraName(camera) {
  return deviceNameOf(camera.id) || camera.label || camera.id;
}

function scheduleText(tour) {
  const s = t();
  const parts = (tour.schedule || []).map((w) => s.patrol_window(w.days.length === 7 ? s.patrol_every_day : w.days.map((d) => s.days[["mon", "tue", "wed", "thu", "fri", "sat", "sun"].indexOf(d)]).join(""), w.from, w.to));
  if (tour.every_s) parts.push(s.patrol_every(Math.round(tour.every_s / 60)));
  return parts.length ? parts.join(" · ") : s.patrol_on_demand;
}

function dueText(tour) {
  const s = t();
  const at = (value) => whenText(parseTime(value));
  if (tour.state === "overdue") return s.patrol_overdue_since(tour.due_at ? at(tour.due_at) : null);
  if (tour.state === "due") return s.patrol_due_since(tour.due_at ? at(tour.due_at) : null);
  if (tour.state === "not_due" && tour.next_due_at) return s.patrol_next_due(at(tour.next_due_at));
  return s.patrol_on_demand;
}

// ---- the tours ----------------------------------------------------------------------------------

function renderTours() {
  const s = t();
  stopTicking();
  stopStage();
  const head = h("div", { class: "page-head" }, h("h2", null, s.patrol_title), h("span", { class: "muted" }, s.patrol_hint));
  const finished = summary ? summaryCard() : null;
  if (!tours) {
    replace(el.root, head, finished, h("p", { class: loadError ? "detail-error" : "muted" }, loadError || s.detail_loading));
    return;
  }
  if (!tours.length) {
    replace(el.root, head, finished, h("p", { class: "notice", testid: "patrol-no-tours" }, s.patrol_no_tours));
    return;
  }
  const ordered = tours.slice().sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9));
  replace(
    el.root,
    head,
    finished,
    loadError ? h("p", { class: "detail-error", role: "alert" }, s.patrol_load_failed + loadError) : null,
    h("div", { class: "tour-grid", testid: "patrol-tours" }, ordered.map(tourCard)),
  );
}

function tourCard(tour) {
  const s = t();
  const last = tour.last_run;
  const running = (tour.open_runs || [])[0];
  const lines = [
    h("p", { class: "tour-facts" }, s.patrol_facts(tour.cameras.length, tour.dwell_s, Math.ceil(tour.round_s / 60)), " · ", scheduleText(tour)),
    h("p", { class: "tour-due tour-due-" + tour.state, testid: "tour-due" }, dueText(tour)),
    h(
      "p",
      { class: "muted tour-last" },
      last ? s.patrol_last(whenText(parseTime(last.started_at)), actorName(last.started_by), last.views, last.cameras.length, Boolean(last.finished_at)) : s.patrol_never,
    ),
    running ? h("p", { class: "tour-running" }, s.patrol_under_way(actorName(running.started_by), clockText(parseTime(running.started_at)))) : null,
  ];
  const chips = h(
    "ul",
    { class: "camera-chips", "aria-label": s.patrol_cameras_label },
    tour.cameras.map((camera) =>
      h(
        "li",
        { class: "camera-chip" + (camera.live === "mjpeg" ? " has-live" : ""), title: camera.live === "mjpeg" ? s.patrol_has_live : s.patrol_no_live_short },
        h("span", { class: "chip-dot", "aria-hidden": "true" }),
        cameraName(camera),
        h("span", { class: "muted" }, " · " + siteName(camera)),
      ),
    ),
  );
  return h(
    "article",
    { class: "tour-card tour-" + tour.state, testid: "tour-card", "data-tour-id": tour.id, "data-state": tour.state, "aria-labelledby": "tour-" + tour.id },
    h(
      "header",
      { class: "tour-head" },
      h("h3", { id: "tour-" + tour.id }, tourName(tour)),
      h("span", { class: "tour-state tour-state-" + tour.state, testid: "tour-state" }, term("tourStates", tour.state)),
    ),
    lines,
    chips,
    h(
      "div",
      { class: "tour-actions" },
      h("button", { type: "button", class: "btn " + (tour.state === "due" || tour.state === "overdue" ? "btn-primary" : ""), testid: "tour-start", disabled: busy, onclick: () => start(tour) }, "▶ " + s.patrol_start),
    ),
  );
}

function actorName(actor) {
  const value = String(actor || "");
  return value.includes(":") ? value.slice(value.indexOf(":") + 1) : value;
}

function summaryCard() {
  const s = t();
  const { run, summary: sum, tour } = summary;
  const cameras = new Map(((tour && tour.cameras) || []).map((c) => [c.id, c]));
  const name = (id) => (cameras.has(id) ? cameraName(cameras.get(id)) : id);
  return h(
    "section",
    { class: "panel patrol-summary", testid: "patrol-summary", "aria-live": "polite" },
    h("h3", null, "✔ " + s.patrol_summary_title(tour ? tourName(tour) : run.tour_name)),
    h("p", null, s.patrol_summary_text(sum.cameras_viewed.length, sum.cameras, sum.views, clockText(parseTime(run.started_at)), clockText(parseTime(run.finished_at)))),
    h(
      "ul",
      { class: "outcome-counts", testid: "patrol-summary-outcomes" },
      Object.entries(sum.by_outcome).map(([outcome, n]) => h("li", { class: "outcome-" + outcome, "data-outcome": outcome }, term("outcomes", outcome), h("strong", null, String(n)))),
    ),
    sum.cameras_missed.length ? h("p", { class: "notice notice-warn", testid: "patrol-missed" }, s.patrol_missed + joinList(sum.cameras_missed.map(name))) : h("p", { class: "ok-text" }, s.patrol_all_viewed),
    h("button", { type: "button", class: "btn btn-quiet", testid: "patrol-summary-close", onclick: () => { summary = null; renderTours(); } }, s.patrol_summary_close),
  );
}

// ---- a round ------------------------------------------------------------------------------------

function start(tour) {
  if (busy) return;
  busy = true;
  post("/api/v1/patrol/runs", { tour_id: tour.id })
    .then((data) => {
      summary = null;
      beginRound(data.run, tour, 0, []);
      refresh(); // the tour is no longer due: the nav's count follows
    })
    .catch((error) => notify(t().patrol_failed + error.message, "error"))
    .then(() => {
      busy = false;
      if (round) renderSide();
      else renderTours();
    });
}

function beginRound(run, tour, index, views) {
  const cameras = new Map(tour.cameras.map((c) => [c.id, c]));
  round = {
    run: run,
    tour: tour,
    cameras: run.cameras.map((id) => cameras.get(id) || { id: id, label: id, live: "none", speakers: [] }),
    index: Math.min(index, run.cameras.length - 1),
    remainingMs: run.dwell_s * 1000,
    paused: false,
    views: views,
    warnings: new Map(),
    panel: null, // "warn" | "incident"
    stageFor: null,
  };
  shown();
  save();
  renderRound();
  startTicking();
}

function save() {
  renderNav();
  try {
    if (!round) window.sessionStorage.removeItem(SAVED_KEY);
    else window.sessionStorage.setItem(SAVED_KEY, JSON.stringify({ run: round.run, tour_id: round.tour.id, index: round.index, views: round.views }));
  } catch (e) {
    // storage disabled: a reload loses the round's place, not its log (that is in the hub)
  }
}

function resumeSaved() {
  let saved = null;
  try {
    saved = JSON.parse(window.sessionStorage.getItem(SAVED_KEY) || "null");
  } catch (e) {
    saved = null;
  }
  if (!saved || !saved.run) return;
  const tour = tours.find((x) => x.id === saved.tour_id);
  const stillOpen = tour && (tour.open_runs || []).some((r) => r.id === saved.run.id);
  if (!stillOpen) {
    round = null;
    save();
    return;
  }
  beginRound(saved.run, tour, saved.index || 0, saved.views || []);
}

function current() {
  return round.cameras[round.index];
}

function go(index) {
  if (!round || index < 0 || index >= round.cameras.length) return;
  round.index = index;
  shown();
  round.remainingMs = round.run.dwell_s * 1000;
  round.panel = null;
  if (el.note) el.note.value = "";
  save();
  renderRound();
}

function togglePause() {
  if (!round) return;
  round.paused = !round.paused;
  renderControls();
  renderCountdown();
}

function startTicking() {
  stopTicking();
  let last = Date.now();
  tickTimer = window.setInterval(() => {
    const now = Date.now();
    const elapsed = now - last;
    last = now;
    if (!round || round.paused || !visible) return;
    round.remainingMs = Math.max(0, round.remainingMs - elapsed);
    if (round.remainingMs === 0 && round.index < round.cameras.length - 1 && !round.panel) {
      go(round.index + 1);
      return;
    }
    renderCountdown();
  }, TICK_MS);
}

function stopTicking() {
  window.clearInterval(tickTimer);
  tickTimer = null;
}

function renderRound() {
  const s = t();
  if (!el.run || !el.root.contains(el.run) || el.run.getAttribute("lang") !== s.htmlLang) {
    stopStage();
    buildRound();
  }
  const camera = current();
  el.title.textContent = tourName(round.tour);
  el.position.textContent = s.patrol_position(round.index + 1, round.cameras.length);
  el.caption.replaceChildren(h("strong", { testid: "patrol-camera-name" }, cameraName(camera)), h("span", { class: "muted" }, " · " + siteName(camera)));
  el.run.setAttribute("data-camera-id", camera.id);
  if (round.stageFor !== camera.id) showStage(camera);
  renderSteps();
  renderControls();
  renderCountdown();
  renderSide();
}

function buildRound() {
  const s = t();
  el.title = h("h2", { testid: "patrol-tour-name" });
  el.position = h("span", { class: "muted patrol-position", testid: "patrol-position" });
  el.caption = h("p", { class: "patrol-caption" });
  el.stage = h("div", { class: "patrol-stage", testid: "patrol-stage" });
  el.steps = h("ol", { class: "patrol-steps", testid: "patrol-steps", "aria-label": s.patrol_cameras_label });
  el.countdownText = h("span", { class: "countdown-text", testid: "patrol-countdown", role: "timer", "aria-live": "off" });
  el.countdownBar = h("span", { class: "countdown-fill" });
  el.controls = h("div", { class: "patrol-controls", role: "group", "aria-label": s.patrol_controls });
  el.note = h("textarea", { id: "patrol-note", rows: "2", maxlength: "2000", testid: "patrol-note", placeholder: s.patrol_note_placeholder });
  el.outcomes = h("div", { class: "outcome-buttons", role: "group", "aria-label": s.patrol_log_label });
  el.sideRest = h("div", { class: "patrol-side-rest" });
  el.side = h(
    "div",
    { class: "patrol-side", testid: "patrol-log-panel" },
    h("label", { for: "patrol-note", class: "side-label" }, s.patrol_note_label),
    el.note,
    el.outcomes,
    el.sideRest,
  );
  el.run = h(
    "div",
    { class: "patrol-run", testid: "patrol-run", lang: s.htmlLang },
    h(
      "section",
      { class: "patrol-main", "aria-label": s.patrol_live },
      h("div", { class: "patrol-head" }, el.title, el.position, el.caption),
      el.stage,
      h("div", { class: "countdown" }, h("span", { class: "countdown-bar", "aria-hidden": "true" }, el.countdownBar), el.countdownText, el.controls),
      el.steps,
    ),
    el.side,
  );
  replace(el.root, el.run);
}

function renderSteps() {
  const logged = new Map();
  round.views.forEach((v) => logged.set(v.camera_id, v.outcome));
  replace(
    el.steps,
    round.cameras.map((camera, i) =>
      h(
        "li",
        { class: "patrol-step" + (i === round.index ? " current" : "") + (logged.has(camera.id) ? " logged outcome-" + logged.get(camera.id) : ""), testid: "patrol-step", "data-camera-id": camera.id, "data-outcome": logged.get(camera.id) || null },
        h(
          "button",
          { type: "button", "aria-current": i === round.index ? "step" : null, onclick: () => go(i) },
          h("span", { class: "step-mark", "aria-hidden": "true" }, logged.has(camera.id) ? "✓" : String(i + 1)),
          h("span", { class: "step-name" }, cameraName(camera)),
        ),
      ),
    ),
  );
}

function renderControls() {
  const s = t();
  const last = round.index >= round.cameras.length - 1;
  replace(
    el.controls,
    h("button", { type: "button", class: "btn", testid: "patrol-prev", disabled: round.index === 0, onclick: () => go(round.index - 1), title: s.patrol_key_prev }, "◀ " + s.patrol_prev),
    h("button", { type: "button", class: "btn", testid: "patrol-pause", "aria-pressed": round.paused ? "true" : "false", onclick: togglePause, title: s.patrol_key_pause }, round.paused ? "▶ " + s.patrol_resume : "❚❚ " + s.patrol_pause),
    h("button", { type: "button", class: "btn", testid: "patrol-next", disabled: last, onclick: () => go(round.index + 1), title: s.patrol_key_next }, s.patrol_next + " ▶"),
  );
}

function renderCountdown() {
  const s = t();
  const total = round.run.dwell_s * 1000;
  const seconds = Math.ceil(round.remainingMs / 1000);
  el.countdownText.textContent = round.paused ? s.patrol_paused(seconds) : s.patrol_seconds(seconds);
  el.countdownText.setAttribute("data-seconds", String(seconds));
  el.countdownBar.style.width = Math.max(0, Math.min(100, (100 * round.remainingMs) / total)) + "%";
  el.run.classList.toggle("is-paused", round.paused);
  el.run.classList.toggle("is-done", round.remainingMs === 0);
}

// ---- the live view --------------------------------------------------------------------------------

function stopStage() {
  window.clearInterval(snapshotTimer);
  snapshotTimer = null;
  if (el.stage) {
    el.stage.querySelectorAll("img").forEach((img) => {
      img.onerror = null;
      img.onload = null;
      img.src = BLANK;
    });
  }
  if (round) round.stageFor = null;
}

function showStage(camera) {
  const s = t();
  stopStage();
  round.stageFor = camera.id;
  if (camera.live !== "mjpeg" || !camera.live_url) {
    const why = { rtsp: s.patrol_no_live_rtsp, file: s.patrol_no_live_file }[camera.live] || s.patrol_no_live;
    replace(el.stage, h("div", { class: "stage-message", testid: "patrol-no-live", "data-live": camera.live }, noCameraIcon(), why));
    el.stage.setAttribute("data-mode", "none");
    return;
  }
  const img = h("img", { src: camera.live_url, alt: s.patrol_live_alt(cameraName(camera)), testid: "patrol-live" });
  img.onerror = () => showSnapshots(camera);
  replace(el.stage, img, h("span", { class: "live-badge", testid: "patrol-live-badge" }, "● " + s.patrol_live));
  el.stage.setAttribute("data-mode", "live");
}

// The live stream failed (the hub answers 502 or 503): a snapshot every two seconds instead, while it lasts.
function showSnapshots(camera) {
  const s = t();
  stopStage();
  round.stageFor = camera.id;
  const img = h("img", { alt: s.patrol_live_alt(cameraName(camera)), testid: "patrol-snapshot" });
  const badge = h("span", { class: "live-badge snapshot-badge" }, s.patrol_snapshot_mode);
  img.onload = () => {
    badge.textContent = s.patrol_snapshot_mode;
  };
  img.onerror = () => {
    badge.textContent = s.patrol_camera_unreachable;
  };
  const refresh = () => {
    img.src = camera.snapshot_url + "?t=" + Date.now();
  };
  refresh();
  snapshotTimer = window.setInterval(refresh, SNAPSHOT_EVERY_MS);
  replace(el.stage, img, badge);
  el.stage.setAttribute("data-mode", "snapshot");
}

// ---- logging ------------------------------------------------------------------------------------

function renderSide() {
  if (!round || !el.side) return;
  const s = t();
  const camera = current();
  const hasSpeaker = speakersOf(camera.site_id).length > 0;
  const focused = document.activeElement && el.side.contains(document.activeElement) ? document.activeElement.getAttribute("data-focus") : null;
  const outcome = (name, label, cls, handler, extra) =>
    h("button", Object.assign({ type: "button", class: "btn btn-outcome " + cls, testid: "log-" + name, "data-focus": "log-" + name, disabled: busy, onclick: handler }, extra || {}), label);
  replace(
    el.outcomes,
    outcome("checked", "✓ " + s.log_checked, "btn-resolve", () => log("checked"), { disabled: busy || tooSoonToCheck() }),
    outcome("observation", "✎ " + s.log_observation, "", () => log("observation")),
    outcome("warn", [speakerIcon(), s.log_warn], round.panel === "warn" ? "btn-warn" : "", () => togglePanel("warn"), {
      disabled: busy || !hasSpeaker,
      title: hasSpeaker ? null : s.warn_no_speaker,
      "aria-expanded": round.panel === "warn" ? "true" : "false",
    }),
    outcome("incident", "⚑ " + s.log_incident, round.panel === "incident" ? "btn-danger" : "btn-danger-outline", () => togglePanel("incident"), {
      "aria-expanded": round.panel === "incident" ? "true" : "false",
    }),
  );
  const here = round.views.filter((v) => v.camera_id === camera.id);
  const warningIds = here.flatMap((v) => v.warning_ids || []);
  const panelContent =
    round.panel === "warn"
      ? h(
          "section",
          { class: "patrol-panel", "aria-label": s.warn_title },
          h("h3", null, s.warn_title + " · " + siteName(camera)),
          warnPanel.update({ siteId: camera.site_id, incidentId: null }).render(),
        )
      : round.panel === "incident"
        ? incidentForm(camera)
        : null;
  replace(
    el.sideRest,
    panelContent,
    warningIds.length
      ? h("section", { class: "patrol-panel" }, h("h3", null, s.warnings_title), warningList(warningIds.map((id) => round.warnings.get(id) || { id: id, state: "sent" }), "patrol-warnings"))
      : null,
    h("h3", { class: "side-title" }, s.patrol_round_log(round.views.length)),
    roundLog(),
    h("div", { class: "finish-row" }, h("button", { type: "button", class: "btn btn-primary", testid: "patrol-finish", "data-focus": "finish", disabled: busy, onclick: finish }, "■ " + s.patrol_finish)),
  );
  if (focused) {
    const again = el.side.querySelector('[data-focus="' + focused + '"]');
    if (again && !again.disabled) again.focus({ preventScroll: true });
  }
}

function roundLog() {
  const s = t();
  if (!round.views.length) return h("p", { class: "muted", testid: "patrol-log-empty" }, s.patrol_log_empty);
  const names = new Map(round.cameras.map((c) => [c.id, cameraName(c)]));
  return h(
    "ol",
    { class: "plain-list round-log", testid: "patrol-log" },
    round.views
      .slice()
      .reverse()
      .map((v) =>
        h(
          "li",
          { class: "round-log-entry", testid: "patrol-log-entry", "data-outcome": v.outcome, "data-camera-id": v.camera_id },
          h("span", { class: "time" }, clockText(parseTime(v.viewed_at))),
          h("span", { class: "tag outcome-tag outcome-" + v.outcome }, term("outcomes", v.outcome)),
          h("span", { class: "round-log-camera" }, names.get(v.camera_id) || v.camera_id),
          v.incident_id
            ? h("a", { href: "#/incident/" + v.incident_id, class: "round-log-link", onclick: (event) => { event.preventDefault(); openIncident(v.incident_id); } }, "#" + v.incident_id)
            : null,
          v.note ? h("span", { class: "round-log-note" }, v.note) : null,
        ),
      ),
  );
}

function togglePanel(name) {
  round.panel = round.panel === name ? null : name;
  renderSide();
  const target = el.side.querySelector(name === "warn" ? '.warn-panel input[type="radio"]:checked' : "#patrol-incident-priority");
  if (round.panel && target) target.focus();
}

function incidentForm(camera) {
  const s = t();
  const priority = h(
    "select",
    { id: "patrol-incident-priority", testid: "patrol-incident-priority", "data-focus": "incident-priority" },
    [1, 2, 3, 4].map((p) => h("option", { value: String(p), selected: p === 3 }, "P" + p + " · " + s.priorities[p])),
  );
  return h(
    "form",
    {
      class: "patrol-panel incident-form",
      testid: "patrol-incident-form",
      onsubmit: (event) => {
        event.preventDefault();
        openHere(camera, Number(priority.value));
      },
    },
    h("h3", null, s.patrol_incident_title + " · " + siteName(camera)),
    h("p", { class: "muted" }, s.patrol_incident_hint),
    h("label", { class: "warn-field" }, h("span", null, s.patrol_incident_priority), priority),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "btn btn-danger", testid: "patrol-incident-confirm", "data-focus": "incident-confirm", disabled: busy }, s.patrol_incident_confirm),
      h("button", { type: "button", class: "btn btn-quiet", onclick: () => togglePanel("incident") }, s.dialog_back),
    ),
  );
}

// A camera has just come on screen: 正常 waits its second.
function shown() {
  round.shownAt = Date.now();
  window.clearTimeout(lookTimer);
  lookTimer = window.setTimeout(renderSide, LOOK_FIRST_MS);
}

function tooSoonToCheck() {
  return Date.now() - (round.shownAt || 0) < LOOK_FIRST_MS;
}

function log(outcome, extra) {
  const s = t();
  if (!round || busy || (outcome === "checked" && tooSoonToCheck())) return Promise.resolve(null);
  const camera = current();
  const note = el.note.value.trim();
  if (outcome === "observation" && !note) {
    notify(s.patrol_note_needed, "error");
    el.note.focus();
    return Promise.resolve(null);
  }
  busy = true;
  renderSide();
  const body = Object.assign({ camera_id: camera.id, outcome: outcome, note: note }, extra || {});
  return post("/api/v1/patrol/runs/" + round.run.id + "/views", body)
    .then((data) => {
      round.views.push(data.view);
      el.note.value = "";
      round.panel = null;
      save();
      announce(s.patrol_logged(term("outcomes", outcome), cameraName(camera)));
      return data.view;
    })
    .catch((error) => {
      notify(s.patrol_failed + error.message, "error");
      return null;
    })
    .then((view) => {
      busy = false;
      if (!round) return view;
      if (view && outcome === "checked" && round.index < round.cameras.length - 1) go(round.index + 1);
      else {
        renderSteps();
        renderSide();
      }
      return view;
    });
}

// The warning panel sent warnings at the camera's site: log them with this view.
function warned(warnings) {
  if (!round) return;
  warnings.forEach((w) => round.warnings.set(w.id, w));
  log("warning_issued", { warning_ids: warnings.map((w) => w.id) });
}

function openHere(camera, priority) {
  const s = t();
  if (busy) return;
  busy = true;
  renderSide();
  const note = el.note.value.trim();
  post("/api/v1/incidents", { site_id: camera.site_id, priority: priority, note: note || s.patrol_incident_default_note(cameraName(camera)) })
    .then((data) => {
      const incident = data.incident;
      notify(data.created ? s.patrol_incident_opened(incident.id) : s.patrol_incident_joined(incident.id), data.created ? "info" : "error");
      busy = false;
      return log("incident_opened", { incident_id: incident.id });
    })
    .catch((error) => {
      notify(s.patrol_failed + error.message, "error");
    })
    .then(() => {
      busy = false;
      if (round) renderSide();
    });
}

function finish() {
  const s = t();
  if (!round || busy) return;
  busy = true;
  renderSide();
  post("/api/v1/patrol/runs/" + round.run.id + "/finish")
    .then((data) => {
      summary = { run: data.run, summary: data.summary, tour: round.tour };
      stopStage();
      round = null;
      save();
    })
    .catch((error) => notify(s.patrol_failed + error.message, "error"))
    .then(() => {
      busy = false;
      if (round) renderSide();
      else refresh();
    });
}

// Said to screen readers (the round's log shows it to everyone else): no toast over the log for every view.
function announce(text) {
  const box = document.getElementById("announcer");
  if (box) box.textContent = text;
}

function onKey(event) {
  if (!visible || !round || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
  if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
  const onControl = event.target && event.target.closest && event.target.closest("button, a, select, input");
  if (event.key === "ArrowRight" && !onControl) {
    event.preventDefault();
    go(round.index + 1);
  } else if (event.key === "ArrowLeft" && !onControl) {
    event.preventDefault();
    go(round.index - 1);
  } else if (event.key === "p" || event.key === "P") {
    event.preventDefault();
    togglePause();
  }
}
