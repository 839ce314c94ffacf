// The incident detail: a side panel beside the board with everything needed to act on one
// incident, in the order the desk needs it: the actions (acknowledge, dispatch, resolve, cancel,
// note) and response clocks, the site card with the contact's phone, the dispatch panel with the
// officers ranked by the routing rules, the loudspeaker warnings, then the media (the latest
// snapshot and clip; the rest behind one click), the alarm events and the timeline (who, when, why).
// Each section is one function; render() lists them in order (DETAIL_SECTIONS).
//
// It follows the live stream: any change of the incident or of one of its dispatches reloads it.

import { apiJson, post } from "./console-api.js";
import { clockChip, fillChip, measureAll } from "./console-clocks.js";
import { distanceText, parseTime, t, term, whenText } from "./console-i18n.js";
import { PRESS_KINDS, isOpen, priorityOf, store } from "./console-state.js";
import { clear, h, notify, priorityBadge, replace } from "./console-ui.js";
import { prepareResolveSteps, stepsSection } from "./console-steps.js";
import { isVerificationMedia, showsVerificationFirst, verificationSection } from "./console-verification.js";
import { createWarnPanel, speakersOf, warningList } from "./console-warn.js";
import { actorText, deviceName, deviceNameOf, gridName, officerName, zoneName } from "./console-names.js";
import { acksText, errorText, reasonText, storyLines } from "./console-story.js";

const RELOAD_DEBOUNCE_MS = 120;
// A click is a press and a release on one element: a live update drawn between the two replaced the
// element and the click was lost. While a pointer is pressed in the detail, drawing waits for its
// release (at most this long).
const HOLD_DRAWING_MS = 2000;

const el = {};
let incidentId = null; // the incident shown (string), or null when closed
let detail = null; // its last loaded detail
let candidates = null; // ranked officers, or null when not loaded / not dispatchable
let chosenOfficer = null; // the desk's choice in the dispatch panel (null: the recommended one)
let showAllCandidates = false;
let redispatching = false; // an officer is already on it: the desk asked to send someone else
const CANDIDATES_SHOWN = 5;
let reloadTimer = null;
let busy = false;
let lastError = "";
let handlers = { closed: () => {}, opened: () => {} };
let warnPanel = null; // the one-click loudspeaker warning for the shown incident's site
let pressedAt = 0; // when a pointer went down in the detail (0: none is down)
let drawingHeld = false;

export function initDetail(callbacks) {
  handlers = Object.assign(handlers, callbacks || {});
  el.panel = document.getElementById("detail");
  el.body = document.getElementById("detail-body");
  el.heading = document.getElementById("detail-heading");
  el.badge = document.getElementById("detail-priority");
  el.state = document.getElementById("detail-state");
  el.close = document.getElementById("detail-close");
  el.close.addEventListener("click", () => close());
  el.body.addEventListener("pointerdown", () => (pressedAt = Date.now()), true);
  ["pointerup", "pointercancel"].forEach((type) => window.addEventListener(type, released, true));
  warnPanel = createWarnPanel({ testid: "warn-panel", onSent: () => load() });
  el.resolveDialog = document.getElementById("dialog-resolve");
  el.resolveForm = document.getElementById("resolve-form");
  el.cancelDialog = document.getElementById("dialog-cancel");
  el.cancelForm = document.getElementById("cancel-form");
  el.resolveForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(el.resolveForm);
    el.resolveDialog.close();
    act("resolve", { disposition: String(data.get("disposition")), note: String(data.get("note") || ""), steps_reason: String(data.get("steps_reason") || "") });
  });
  el.cancelForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(el.cancelForm);
    el.cancelDialog.close();
    act("cancel", { note: String(data.get("note") || "") });
  });
  document.querySelectorAll("[data-dialog-close]").forEach((button) =>
    button.addEventListener("click", () => button.closest("dialog").close()),
  );
}

export function shownId() {
  return incidentId;
}

export function isShown() {
  return incidentId != null;
}

export function open(id) {
  const next = String(id);
  if (next !== incidentId) {
    incidentId = next;
    detail = null;
    candidates = null;
    chosenOfficer = null;
    showAllCandidates = false;
    showAllMedia = false;
    redispatching = false;
    lastError = "";
    el.heading.textContent = t().detail_incident(next);
    el.badge.hidden = true;
    el.state.textContent = "";
    replace(el.body, h("p", { class: "detail-loading" }, t().detail_loading));
  }
  el.panel.hidden = false;
  el.panel.setAttribute("data-incident-id", next);
  handlers.opened(next);
  return load();
}

export function close() {
  if (incidentId == null) return;
  incidentId = null;
  detail = null;
  candidates = null;
  el.panel.hidden = true;
  el.panel.removeAttribute("data-incident-id");
  handlers.closed();
}

// The stream says the incident (or one of its dispatches) changed: reload, coalescing bursts.
export function changed(id) {
  if (incidentId == null || String(id) !== incidentId) return;
  window.clearTimeout(reloadTimer);
  reloadTimer = window.setTimeout(load, RELOAD_DEBOUNCE_MS);
}

// One load at a time, and at most one queued behind it: during a storm of changes each load finishes and is
// shown (a newer one used to discard the one in flight, so a busy incident's detail could never appear).
let loading = null;
let queued = null;

function load() {
  if (!loading) {
    loading = loadOnce().finally(() => {
      loading = null;
    });
    return loading;
  }
  if (!queued) {
    queued = loading.then(() => {
      queued = null;
      return load();
    });
  }
  return queued;
}

function loadOnce() {
  const id = incidentId;
  if (id == null) return Promise.resolve();
  return apiJson("/api/v1/incidents/" + encodeURIComponent(id))
    .then((data) => {
      if (id !== incidentId) return null;
      detail = data;
      const wantsCandidates = isOpen(data) && data.test !== true;
      if (!wantsCandidates) {
        candidates = null;
        return null;
      }
      return apiJson("/api/v1/incidents/" + encodeURIComponent(id) + "/candidates")
        .then((ranked) => {
          if (id === incidentId) candidates = (ranked && ranked.candidates) || [];
        })
        .catch(() => {
          if (id === incidentId) candidates = [];
        });
    })
    .then(() => {
      if (id === incidentId && detail) render();
    })
    .catch((error) => {
      if (id !== incidentId) return;
      if (!detail) replace(el.body, h("p", { class: "detail-error", role: "alert" }, t().detail_failed + " (" + error.message + ")"));
    });
}

// ---- actions --------------------------------------------------------------------------------

export function acknowledge(id) {
  return post("/api/v1/incidents/" + encodeURIComponent(id) + "/ack").then(
    (data) => {
      if (String(id) === incidentId) {
        detail = data;
        render();
      }
      return data;
    },
    (error) => {
      notify(errorText(error), "error");
      throw error;
    },
  );
}

function act(action, body) {
  const id = incidentId;
  if (id == null || busy) return Promise.resolve();
  busy = true;
  lastError = "";
  render();
  const path = "/api/v1/incidents/" + encodeURIComponent(id) + "/" + action;
  return post(path, body)
    .then((data) => {
      if (id !== incidentId) return;
      detail = data;
      if (action === "dispatch") {
        chosenOfficer = null;
        redispatching = false;
      }
    })
    .catch((error) => {
      lastError = errorText(error);
      notify(lastError, "error");
    })
    .then(() => {
      busy = false;
      if (id === incidentId) load();
    });
}

function openResolve() {
  el.resolveForm.reset();
  prepareResolveSteps(el.resolveForm, detail);
  el.resolveDialog.showModal();
}

function openCancel() {
  el.cancelForm.reset();
  el.cancelDialog.showModal();
}

// ---- rendering ------------------------------------------------------------------------------

function siteOf(incident) {
  return store.sites.get(incident.site_id) || null;
}

function siteName(site, incident) {
  if (!site) return incident.site_name || incident.site_id;
  return t().htmlLang === "en" ? site.name_en || site.name : site.name;
}

function activeDispatch(incident) {
  return (incident.dispatches || []).find((d) => ["offered", "accepted", "en_route", "on_scene"].includes(d.state)) || null;
}

function released() {
  pressedAt = 0;
  if (!drawingHeld) return;
  drawingHeld = false;
  window.setTimeout(render, 0); // after the click this release completes
}

function render() {
  if (!detail || incidentId == null) return;
  if (pressedAt && Date.now() - pressedAt < HOLD_DRAWING_MS) {
    if (!drawingHeld) window.setTimeout(render, HOLD_DRAWING_MS);
    drawingHeld = true;
    return;
  }
  drawingHeld = false;
  const incident = detail;
  const p = priorityOf(incident);
  el.badge.hidden = false;
  el.badge.className = "badge badge-p" + (p || 4);
  el.badge.textContent = p ? "P" + p : "P?";
  const site = siteOf(incident);
  el.heading.textContent = term("kinds", incident.kind) + " · " + siteName(site, incident);
  el.state.textContent = term("states", incident.state);
  el.state.className = "detail-state state state-" + String(incident.state || "").replace(/[^a-z_]/g, "");
  el.state.setAttribute("data-state", String(incident.state || ""));
  el.panel.setAttribute("data-state", String(incident.state || ""));

  const focusKey = document.activeElement && el.body.contains(document.activeElement) ? document.activeElement.getAttribute("data-focus") : null;
  const note = el.body.querySelector("#note-text");
  const noteDraft = note ? note.value : "";

  replace(el.body, DETAIL_SECTIONS.map((build) => build(incident, site)));
  const draft = el.body.querySelector("#note-text");
  if (draft) draft.value = noteDraft;
  if (focusKey) {
    const again = el.body.querySelector('[data-focus="' + focusKey + '"]');
    if (again && !again.disabled) again.focus({ preventScroll: true });
  }
}

// The detail's sections, top to bottom: what to do first, then who to call and send, then the rest.
const DETAIL_SECTIONS = [
  cancelRequestSection,
  noticeSection,
  actionsSection,
  () => (lastError ? h("p", { class: "detail-error", role: "alert", testid: "detail-error" }, lastError) : null),
  (incident) => (showsVerificationFirst(incident) ? verificationSection(incident, section) : null),
  clocksSection,
  (incident) => stepsSection(incident, section, actorText, load),
  siteSection,
  dispatchSection,
  warningsSection,
  mediaSection,
  eventsSection,
  timelineSection,
];

// The clocks of the open panel tick with the board.
export function tick() {
  if (!detail || !el.body) return;
  const chips = el.body.querySelectorAll(".detail-clocks .clock-chip");
  if (chips.length !== 3) return;
  measureAll(detail, Date.now()).forEach((clock, i) => fillChip(chips[i], clock));
}

function section(title, testid, ...children) {
  return h("section", { class: "detail-section", testid: testid, "aria-label": title }, h("h3", null, title), ...children);
}

function cancelRequestSection(incident) {
  if (!incident.cancel_requested_at || !isOpen(incident)) return null;
  const s = t();
  return h(
    "div",
    { class: "cancel-request", role: "alert", testid: "cancel-request" },
    h("strong", null, "⚑ " + s.cancel_request_title),
    h("p", null, s.cancel_request_text(whenText(parseTime(incident.cancel_requested_at)))),
    h("button", { type: "button", class: "btn btn-warn", testid: "confirm-cancel", "data-focus": "confirm-cancel", onclick: openCancel }, s.act_confirm_cancel),
  );
}

function noticeSection(incident) {
  const s = t();
  if (!isOpen(incident)) {
    const at = parseTime(incident.resolved_at) || parseTime(incident.cancelled_at);
    const disposition = incident.disposition ? " " + term("dispositions", incident.disposition) : "";
    return h("p", { class: "notice", testid: "closed-notice" }, s.closed_notice(term("states", incident.state), whenText(at)) + disposition, incident.resolution_note ? " — " + incident.resolution_note : "");
  }
  if (incident.test === true) return h("p", { class: "notice notice-test" }, s.test_notice);
  return null;
}

function actionsSection(incident) {
  const s = t();
  const open = isOpen(incident);
  const buttons = [];
  if (open && !incident.acknowledged_at) {
    buttons.push(h("button", { type: "button", class: "btn btn-primary btn-ack", testid: "ack-button", "data-focus": "ack", disabled: busy, onclick: () => act("ack") }, s.act_ack));
  } else if (open) {
    // An inert mark keeps the acknowledge button's place: the second click of a double click, or a
    // click as someone else acknowledges, must not land on the dispatch button moving in.
    buttons.push(h("span", { class: "btn btn-acked", testid: "acked-mark" }, "✓ " + s.acked_mark));
  }
  if (open && incident.test !== true && (!activeDispatch(incident) || redispatching)) buttons.push(dispatchButton(incident));
  if (open) {
    buttons.push(h("button", { type: "button", class: "btn btn-resolve", testid: "resolve-button", "data-focus": "resolve", disabled: busy, onclick: openResolve }, s.act_resolve));
    buttons.push(h("button", { type: "button", class: "btn btn-danger-outline", testid: "cancel-button", "data-focus": "cancel", disabled: busy, onclick: openCancel }, s.act_cancel));
  }
  buttons.push(h("a", { class: "btn btn-quiet", href: "#note-text", testid: "note-jump", onclick: (event) => { event.preventDefault(); const box = el.body.querySelector("#note-text"); if (box) { box.scrollIntoView({ block: "center" }); box.focus(); } } }, s.act_note));
  return h("div", { class: "detail-actions", testid: "detail-actions" }, buttons);
}

function clocksSection(incident) {
  const chips = [clockChip("detail-clock-ack"), clockChip("detail-clock-accept"), clockChip("detail-clock-arrival")];
  measureAll(incident, Date.now()).forEach((clock, i) => fillChip(chips[i], clock));
  return h("div", { class: "detail-clocks", testid: "detail-clocks", "aria-label": t().clocks_title }, chips);
}

function siteSection(incident, site) {
  const s = t();
  if (!site) return section(s.site_title, "site-card", h("p", null, incident.site_id));
  const grid = store.grids.get(site.grid_id);
  const responsible = grid && grid.officer_id ? store.officers.get(grid.officer_id) : null;
  const phone = site.contact_phone ? h("a", { href: "tel:" + site.contact_phone.replace(/[^0-9+]/g, ""), class: "phone" }, site.contact_phone) : "—";
  const rows = [
    [s.site_kind, term("siteKinds", site.kind) + (site.test_mode ? " · " + s.site_test_mode : "")],
    [s.site_address, site.address || "—"],
    [s.site_contact, site.contact_name || "—"],
    [s.site_phone, phone],
    [s.site_grid, grid ? gridName(grid) : site.grid_id],
    [
      s.site_officer,
      responsible
        ? [officerName(responsible.id) + " ", responsible.phone ? h("a", { href: "tel:" + responsible.phone.replace(/[^0-9+]/g, ""), class: "phone" }, responsible.phone) : ""]
        : "—",
    ],
  ];
  return section(
    s.site_title,
    "site-card",
    h("p", { class: "site-card-name" }, siteName(site, incident)),
    h("dl", { class: "facts" }, rows.map(([term_, value]) => [h("dt", null, term_), h("dd", null, value)])),
  );
}

function dispatchSection(incident) {
  const s = t();
  const content = [];
  if (!isOpen(incident)) content.push(h("p", { class: "muted" }, s.dispatch_closed));
  else if (incident.test === true) content.push(h("p", { class: "muted" }, s.dispatch_test));
  else if (candidates == null) content.push(h("p", { class: "muted" }, s.detail_loading));
  else if (activeDispatch(incident) && !redispatching) content.push(assignedLine(incident));
  else content.push(candidatesList());
  content.push(h("h4", null, s.dispatch_history), historyTable(incident));
  return section(s.dispatch_title, "dispatch-panel", content);
}

function recommendedCandidate() {
  return (candidates || []).find((c) => c.available) || null;
}

function chosenCandidate() {
  if (!candidates || !candidates.length) return null;
  return candidates.find((c) => c.officer_id === chosenOfficer) || recommendedCandidate() || candidates[0];
}

// One click sends the officer chosen below: the routing rules' recommendation unless the desk picks another.
function dispatchButton(incident) {
  const s = t();
  const chosen = chosenCandidate();
  const again = activeDispatch(incident) ? "↻ " : "➜ ";
  const label = activeDispatch(incident) ? s.act_redispatch_to : s.act_dispatch_to;
  return h(
    "button",
    {
      type: "button",
      class: "btn btn-primary btn-dispatch",
      testid: "dispatch-button",
      "data-focus": "dispatch",
      disabled: busy || !chosen,
      "data-officer-id": chosen ? chosen.officer_id : "",
      onclick: () => chosen && act("dispatch", { officer_id: chosen.officer_id }),
    },
    again + (chosen ? label(officerName(chosen.officer_id) || chosen.name) : s.act_dispatch),
  );
}

// Someone is on it: say who, and offer to send someone else only on request.
function assignedLine(incident) {
  const s = t();
  const active = activeDispatch(incident);
  return h(
    "div",
    { class: "assigned", testid: "assigned" },
    h("span", { class: "dispatch-state dispatch-state-" + String(active.state).replace(/[^a-z_]/g, "") }, term("dispatchStates", active.state)),
    h("strong", null, officerName(active.officer_id) || active.officer_name),
    h(
      "button",
      {
        type: "button",
        class: "btn btn-quiet",
        testid: "redispatch",
        "data-focus": "redispatch",
        onclick: () => {
          redispatching = true;
          render();
        },
      },
      s.act_redispatch,
    ),
  );
}

function candidatesList() {
  const s = t();
  if (!candidates.length) return h("p", { class: "muted" }, s.dispatch_none);
  const recommended = recommendedCandidate();
  const chosen = chosenCandidate();
  const list = h("div", { class: "candidates", role: "radiogroup", "aria-label": s.dispatch_choose, testid: "candidates" });
  const chosenIndex = candidates.indexOf(chosen);
  const limit = showAllCandidates ? candidates.length : Math.max(CANDIDATES_SHOWN, chosenIndex + 1);
  candidates.slice(0, limit).forEach((c, index) => {
    const reason = c.available ? "available" : c.why_not || "busy";
    const input = h("input", {
      type: "radio",
      name: "dispatch-officer",
      value: c.officer_id,
      checked: c === chosen,
      "data-focus": "candidate-" + c.officer_id,
      onchange: () => {
        chosenOfficer = c.officer_id;
        render();
      },
    });
    list.appendChild(
      h(
        "label",
        { class: "candidate" + (c.available ? "" : " unavailable") + (c === chosen ? " chosen" : ""), testid: "candidate", "data-officer-id": c.officer_id, "data-available": c.available ? "true" : "false" },
        input,
        h("span", { class: "candidate-rank" }, String(index + 1)),
        h("span", { class: "candidate-name" }, officerName(c.officer_id) || c.name, c === recommended ? h("span", { class: "tag tag-recommended", testid: "recommended" }, s.dispatch_recommended) : null),
        h("span", { class: "candidate-rule" }, term("rules", c.rule)),
        h("span", { class: "availability availability-" + reason, testid: "availability" }, term("availability", reason)),
        h("span", { class: "candidate-distance" }, distanceText(c.distance_m)),
      ),
    );
  });
  if (candidates.length > limit || showAllCandidates) {
    const label = showAllCandidates ? s.dispatch_fewer : s.dispatch_all(candidates.length);
    list.appendChild(
      foldToggle("candidates-toggle", "btn-more", showAllCandidates, label, () => {
        showAllCandidates = !showAllCandidates;
      }),
    );
  }
  return list;
}

function historyTable(incident) {
  const s = t();
  const dispatches = incident.dispatches || [];
  if (!dispatches.length) return h("p", { class: "muted", testid: "dispatch-history-empty" }, s.dispatch_history_empty);
  return h(
    "ol",
    { class: "dispatch-history", testid: "dispatch-history" },
    dispatches
      .slice()
      .reverse()
      .map((d) =>
        h(
          "li",
          { class: "dispatch-item", testid: "dispatch-item", "data-state": d.state, "data-officer-id": d.officer_id },
          h("span", { class: "dispatch-state dispatch-state-" + String(d.state).replace(/[^a-z_]/g, ""), testid: "dispatch-state" }, term("dispatchStates", d.state)),
          h("span", { class: "dispatch-officer" }, officerName(d.officer_id) || d.officer_name),
          h("span", { class: "muted" }, term("rules", d.rule)),
          h("span", { class: "muted time" }, s.offered_at + " " + whenText(parseTime(d.offered_at)) + (d.answered_at ? " · " + s.answered_at + " " + whenText(parseTime(d.answered_at)) : "")),
          d.note ? h("span", { class: "dispatch-note" }, d.note) : null,
        ),
      ),
  );
}

// Snapshots and clips of the incident's camera events (GET /api/v1/media/{id}), folded: the latest
// snapshot and the latest clip first, the rest behind one click. Pending or failed ones say why,
// and a clip the browser cannot play says so instead of spinning.
let showAllMedia = false;
const MEDIA_PENDING_GIVE_UP_MS = 120000;

function latestFirst(media) {
  return media.slice().sort((a, b) => parseTime(b.created_at) - parseTime(a.created_at) || Number(b.id) - Number(a.id));
}

function foldedMedia(media) {
  const ordered = latestFirst(media);
  const isClip = (m) => ["clip", "video"].includes(String(m.kind || m.type || ""));
  const leading = [ordered.find((m) => !isClip(m) && m.url), ordered.find((m) => isClip(m) && m.url)].filter(Boolean);
  if (!leading.length && ordered.length) leading.push(ordered[0]);
  return { leading, rest: ordered.filter((m) => !leading.includes(m)) };
}

function mediaMissingText(m) {
  const s = t();
  const state = String(m.state || "pending");
  if (state === "failed") return m.error ? s.media_failed_because(String(m.error)) : term("mediaStates", "failed");
  const since = parseTime(m.created_at);
  if (since && Date.now() - since > MEDIA_PENDING_GIVE_UP_MS) return s.media_given_up;
  return since ? s.media_pending_since(whenText(since)) : term("mediaStates", state);
}

function mediaItem(m) {
  const s = t();
  const kind = String(m.kind || m.type || "");
  const url = m.url ? String(m.url) : "";
  const device = store.devices.get(m.device_id);
  const where = device ? deviceName(device) : m.device_id;
  const zone = m.zone ? zoneName(m.device_id, m.zone) : "";
  const caption = [where, zone && zone !== where ? zone : "", whenText(parseTime(m.created_at || m.at))].filter(Boolean).join(" · ");
  let element;
  if (!url) element = h("div", { class: "media-missing", testid: "media-missing", "data-state": String(m.state || "pending") }, mediaMissingText(m));
  else if (kind === "clip" || kind === "video") {
    element = h("video", { src: url, controls: true, preload: "metadata", muted: true, testid: "media-clip", "aria-label": caption });
    element.addEventListener("error", () => element.replaceWith(h("div", { class: "media-error", testid: "media-clip-error" }, s.media_clip_error)));
  } else element = h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt: caption || kind, loading: "lazy", testid: "media-snapshot" }));
  return h("figure", { class: "media-item", "data-kind": kind }, element, h("figcaption", null, term("mediaKinds", kind) + (caption ? " · " + caption : "")));
}

// The button that unfolds a folded list or folds it again (`testid` also keeps focus over the re-render).
function foldToggle(testid, className, expanded, label, flip) {
  const onclick = () => {
    flip();
    render();
  };
  const attrs = { type: "button", class: "btn btn-quiet " + className, testid, "data-focus": testid, onclick };
  return h("button", { ...attrs, "aria-expanded": expanded ? "true" : "false" }, label);
}

function mediaSection(incident) {
  const s = t();
  const all = Array.isArray(incident.media) ? incident.media : [];
  // A press's verification clips have their own section at the top (console-verification.js).
  const media = showsVerificationFirst(incident) ? all.filter((m) => !isVerificationMedia(m)) : all;
  if (!media.length) return null;
  const { leading, rest } = foldedMedia(media);
  const shown = showAllMedia ? leading.concat(rest) : leading;
  const label = showAllMedia ? s.media_less : s.media_more(rest.length);
  const toggle = rest.length
    ? foldToggle("media-more", "media-more", showAllMedia, label, () => {
        showAllMedia = !showAllMedia;
      })
    : null;
  return section(s.media_title, "media", h("div", { class: "media-grid" }, shown.map(mediaItem)), toggle);
}

// Warn on site ("喊话"): the one-click warning to the site's loudspeakers while the incident is open, and the
// warnings played for it with each speaker's answer (live: the stream's warning changes reload the detail).
// Hidden when the site has no loudspeaker and nothing was played.
function warningsSection(incident) {
  const s = t();
  const warnings = Array.isArray(incident.warnings) ? incident.warnings : [];
  const canWarn = isOpen(incident) && speakersOf(incident.site_id).length > 0;
  if (!canWarn && !warnings.length) return null;
  const content = [];
  if (canWarn) content.push(warnPanel.update({ siteId: incident.site_id, incidentId: incident.id }).render());
  content.push(h("h4", null, s.warnings_title), warningList(warnings, "warnings-list"));
  return section(canWarn ? s.warn_title : s.warnings_title, "warnings", content);
}

function eventsSection(incident) {
  const s = t();
  const events = Array.isArray(incident.events) ? incident.events : [];
  const n = Number(incident.event_count) || events.length;
  const count = PRESS_KINDS.has(incident.kind) ? s.presses(n) : s.events(n);
  const shown = events.slice(-8).reverse();
  return section(
    s.events_title,
    "events",
    h("p", { class: "press-count", testid: "press-count" }, count),
    h(
      "ul",
      { class: "plain-list events" },
      shown.map((e) => {
        return h(
          "li",
          null,
          h("span", { class: "time" }, whenText(parseTime(e.received_at))),
          h("span", { class: "event-type" }, term("eventTypes", e.type)),
          h("span", { class: "muted" }, deviceNameOf(e.device_id)),
        );
      }),
    ),
  );
}

// One line of the story: when, what, who, the state change, why; a warning's line carries the
// loudspeaker's answers.
function timelineLine(line) {
  const entry = line.entry;
  const change = entry.from_state && entry.from_state !== entry.to_state ? term("states", entry.from_state) + " → " + term("states", entry.to_state) : "";
  const reason = reasonText(entry);
  return h(
    "li",
    { class: "timeline-entry", testid: "timeline-entry", "data-action": entry.action },
    h("span", { class: "time" }, whenText(parseTime(entry.at))),
    h(
      "span",
      { class: "timeline-what" },
      h("strong", null, term("actions", entry.action)),
      h("span", { class: "timeline-actor" }, actorText(entry.actor, entry.actor_name)),
      change ? h("span", { class: "muted" }, change) : null,
    ),
    reason ? h("span", { class: "timeline-reason" }, reason) : null,
    line.acks.length ? h("span", { class: "timeline-acks muted", testid: "timeline-acks" }, acksText(line.acks)) : null,
  );
}

function timelineSection(incident) {
  const s = t();
  const entries = Array.isArray(incident.timeline) ? incident.timeline : [];
  const list = h("ol", { class: "timeline", testid: "timeline" });
  if (!entries.length) list.appendChild(h("li", { class: "muted" }, s.timeline_empty));
  storyLines(entries)
    .reverse()
    .forEach((line) => list.appendChild(timelineLine(line)));
  const form = h(
    "form",
    {
      class: "note-form",
      testid: "note-form",
      onsubmit: (event) => {
        event.preventDefault();
        const box = form.querySelector("textarea");
        const text = box.value.trim();
        if (!text) {
          box.focus();
          return;
        }
        act("notes", { text }).then(() => {
          if (!lastError) {
            const again = el.body.querySelector("#note-text");
            if (again) again.value = "";
          }
        });
      },
    },
    h("label", { for: "note-text", class: "visually-hidden" }, s.note_label),
    h("textarea", { id: "note-text", name: "text", rows: "2", maxlength: "2000", placeholder: s.note_placeholder, testid: "note-text", "data-focus": "note-text" }),
    h("button", { type: "submit", class: "btn", testid: "note-submit", disabled: busy }, s.note_add),
  );
  return section(s.timeline_title, "timeline-section", form, list);
}

export function focusPanel() {
  if (el.close) el.close.focus();
}

export function clearPanel() {
  clear(el.body);
}
