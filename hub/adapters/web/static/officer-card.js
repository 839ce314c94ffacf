// The dispatch card: the site (names, address, contact, alarm, distance, snapshot, geo: navigation)
// and the officer's controls for the dispatch's state. A card is built once per dispatch and then
// filled again on every change, so a note being typed survives updates and language switches.

import { h, icon, iconText, setText } from "./officer-dom.js";
import {
  ageText,
  countText,
  currentLang,
  kindText,
  priorityOf,
  priorityText,
  siteAltName,
  siteName,
  siteOf,
  stateText,
  t,
  timeMs,
} from "./officer-i18n.js";
import { distanceM, where } from "./officer-location.js";
import { createSteps, fillSteps } from "./officer-steps.js";

export const STATE_RANK = { offered: 0, accepted: 1, en_route: 2, on_scene: 3 };
export const NEXT_ACTION = { accepted: "en_route", en_route: "on_scene" };
const STEPS = ["accepted", "en_route", "on_scene", "resolved"];
const DISPOSITIONS = ["genuine", "false_alarm", "test", "malicious", "other", "deterred"];
const URGENT_S = 15;
// The step button ("en route", then "on scene") is the same button in the same place: after a step
// it is held back for a moment, or the second tap of a double tap would report the next step too.
const STEP_ARM_MS = 700;

function coordinate(value) {
  const n = Number(value);
  return value !== null && value !== undefined && value !== "" && Number.isFinite(n) ? n : null;
}

function sitePoint(d) {
  const site = siteOf(d);
  const lat = coordinate(site.lat);
  const lon = coordinate(site.lon);
  return lat === null || lon === null ? null : { lat: lat, lon: lon };
}

function navigationUri(d) {
  const nav = siteOf(d).navigation;
  if (typeof nav === "string" && /^geo:-?[0-9.]+,-?[0-9.]+/.test(nav)) return nav;
  const point = sitePoint(d);
  return point ? "geo:" + point.lat + "," + point.lon + "?q=" + point.lat + "," + point.lon : null;
}

function telUri(phone) {
  const digits = String(phone || "").replace(/[^0-9+*#]/g, "");
  return digits ? "tel:" + digits : null;
}

// A snapshot is shown only from this hub (or inline): the page's CSP allows nothing else anyway.
function snapshotUrl(d) {
  const raw = d.snapshot_url;
  if (typeof raw !== "string" || !raw) return null;
  if (/^data:image\/(jpeg|png|webp);base64,/.test(raw)) return raw;
  try {
    const url = new URL(raw, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search : null;
  } catch (e) {
    return null;
  }
}

function fact(list, testid) {
  const row = h("div", "fact", { "data-testid": testid });
  const dt = h("dt");
  const dd = h("dd");
  row.appendChild(dt);
  row.appendChild(dd);
  list.appendChild(row);
  return { row: row, dt: dt, dd: dd };
}

// A card for dispatch `id`. `actions`: reply(id, action, extra), decline(id), copied().
export function createCard(id, actions) {
  const c = { id: id, state: null, dispatch: null };
  c.root = h("article", "card", { "data-testid": "dispatch-card", "data-dispatch-id": id });

  // The alarm header, shown while the dispatch is offered.
  c.alertHead = h("div", "alert-head");
  const title = h("div", "alert-title", { "data-testid": "alert-title" });
  title.appendChild(icon("warning"));
  c.alertTitle = h("span");
  title.appendChild(c.alertTitle);
  c.alertCount = h("span", "alert-count");
  title.appendChild(c.alertCount);
  c.countdown = h("p", "countdown", { "data-testid": "countdown", role: "timer" });
  c.countdownBar = h("div", "countdown-bar", { "aria-hidden": "true" });
  c.countdownFill = h("div", "countdown-fill");
  c.countdownBar.appendChild(c.countdownFill);
  c.alertHead.appendChild(title);
  c.alertHead.appendChild(c.countdown);
  c.alertHead.appendChild(c.countdownBar);
  c.root.appendChild(c.alertHead);

  const body = h("div", "card-body");
  c.root.appendChild(body);

  const head = h("div", "card-head");
  c.badge = h("span", "badge", { "data-testid": "priority" });
  c.kind = h("span", "kind", { "data-testid": "kind" });
  c.stateChip = h("span", "state-chip", { "data-testid": "dispatch-state" });
  head.appendChild(c.badge);
  head.appendChild(c.kind);
  head.appendChild(c.stateChip);
  body.appendChild(head);

  c.siteName = h("h3", "site-name", { "data-testid": "site-name" });
  c.siteAlt = h("p", "site-alt", { lang: "en" });
  body.appendChild(c.siteName);
  body.appendChild(c.siteAlt);

  const facts = h("dl", "facts");
  c.address = fact(facts, "address");
  c.contact = fact(facts, "contact");
  c.alarm = fact(facts, "alarm");
  c.pressCount = h("span", "press-count", { "data-testid": "press-count" });
  c.alarmAge = h("span", "alarm-age", { "data-testid": "alarm-age" });
  c.alarm.dd.appendChild(c.pressCount);
  c.alarm.dd.appendChild(document.createTextNode(" · "));
  c.alarm.dd.appendChild(c.alarmAge);
  c.distance = fact(facts, "distance");
  c.rule = fact(facts, "rule");
  body.appendChild(facts);
  c.responseSteps = createSteps();
  body.appendChild(c.responseSteps);

  c.snapshot = h("figure", "snapshot", { "data-testid": "snapshot" });
  c.snapshot.hidden = true;
  c.snapshotImg = h("img", "", { decoding: "async" });
  c.snapshotImg.addEventListener("error", () => {
    c.snapshot.hidden = true;
    c.snapshotFailed = c.snapshotImg.getAttribute("src");
  });
  c.snapshot.appendChild(c.snapshotImg);
  body.appendChild(c.snapshot);

  [c.nav, c.navText] = iconText(h("a", "btn btn-nav", { "data-testid": "navigate" }), "navigate");
  body.appendChild(c.nav);


  c.coords = h("div", "coords");
  c.coordsLabel = h("span", "coords-label");
  c.coordsLink = h("a", "coords-link", { "data-testid": "coords" });
  c.copy = h("button", "icon-button copy", { type: "button", "data-testid": "copy-coords" });
  c.copy.appendChild(icon("copy"));
  c.copy.addEventListener("click", () => copyCoordinates(c, actions.copied));
  c.coords.appendChild(c.coordsLabel);
  c.coords.appendChild(c.coordsLink);
  c.coords.appendChild(c.copy);
  c.noCoords = h("p", "no-coords");
  body.appendChild(c.coords);
  body.appendChild(c.noCoords);

  [c.call, c.callText] = iconText(h("a", "btn btn-call", { "data-testid": "contact-call" }), "phone");
  body.appendChild(c.call);

  c.steps = h("ol", "steps", { "data-testid": "steps" });
  c.stepItems = STEPS.map((step) => {
    const li = h("li", "step", { "data-step": step });
    const dot = h("span", "step-dot", { "aria-hidden": "true" });
    dot.appendChild(icon("check"));
    const label = h("span", "step-label");
    li.appendChild(dot);
    li.appendChild(label);
    c.steps.appendChild(li);
    return { step: step, li: li, label: label };
  });
  body.appendChild(c.steps);

  [c.sharing, c.sharingText] = iconText(h("p", "sharing", { "data-testid": "sharing-location" }), "gps");
  body.appendChild(c.sharing);

  // What the officer can do now: one set of controls per state, all built once so that a note
  // being typed survives every update and language switch.
  c.actions = h("div", "actions");
  c.offered = h("div", "actions-offered");
  c.accept = h("button", "btn btn-accept", { type: "button", "data-testid": "accept" });
  c.accept.addEventListener("click", () => actions.reply(id, "accept"));
  c.decline = h("button", "btn btn-decline", { type: "button", "data-testid": "decline" });
  c.decline.addEventListener("click", () => actions.decline(id));
  c.offered.appendChild(c.accept);
  c.offered.appendChild(c.decline);
  c.next = h("button", "btn btn-primary btn-next", { type: "button" });
  c.rearm = () => actions.refresh();
  c.next.addEventListener("click", () => {
    const d = c.dispatch;
    if (d && NEXT_ACTION[d.state]) actions.reply(id, NEXT_ACTION[d.state]);
  });
  c.resolveForm = createResolveForm(c, id, actions);
  c.warn = createWarnPanel(c, id, actions);
  c.error = h("p", "card-error", { role: "alert" });
  c.error.hidden = true;
  c.actions.appendChild(c.offered);
  c.actions.appendChild(c.next);
  c.actions.appendChild(c.resolveForm);
  c.actions.appendChild(c.warn);
  c.actions.appendChild(c.error);
  c.root.appendChild(c.actions);
  return c;
}

// Speak a library message on the site's loudspeakers (an open dispatch only): one tap per message.
function createWarnPanel(c, id, actions) {
  const panel = h("details", "warn-panel", { "data-testid": "warn-panel" });
  c.warnSummary = h("summary", "warn-summary");
  panel.appendChild(c.warnSummary);
  c.warnList = h("div", "warn-list");
  panel.appendChild(c.warnList);
  panel.addEventListener("toggle", () => {
    if (!panel.open) return;
    c.warnList.textContent = "";
    for (const message of actions.messages()) {
      for (const lang of message.languages) {
        const text = (message.texts && message.texts[lang]) || message.id;
        const button = h("button", "btn btn-warn", { type: "button", "data-testid": "warn-message", lang: lang });
        button.textContent = text;
        button.addEventListener("click", () => actions.warn(id, message.id, lang));
        c.warnList.appendChild(button);
      }
    }
  });
  return panel;
}

function createResolveForm(c, id, actions) {
  const form = h("form", "resolve-form", { novalidate: "" });
  c.dispositionLabel = h("label", "field-label", { for: "disposition-" + id });
  c.disposition = h("select", "select", { id: "disposition-" + id, "data-testid": "disposition", required: "" });
  c.dispositionChoose = h("option", "", { value: "" });
  c.disposition.appendChild(c.dispositionChoose);
  c.dispositionOptions = DISPOSITIONS.map((value) => {
    const option = h("option", "", { value: value });
    c.disposition.appendChild(option);
    return option;
  });
  c.noteLabel = h("label", "field-label", { for: "resolve-note-" + id });
  c.note = h("textarea", "textarea", {
    id: "resolve-note-" + id,
    "data-testid": "resolve-note",
    rows: "3",
    maxlength: "2000",
  });
  c.resolve = h("button", "btn btn-accept", { type: "submit", "data-testid": "resolve" });
  form.appendChild(c.dispositionLabel);
  form.appendChild(c.disposition);
  form.appendChild(c.noteLabel);
  form.appendChild(c.note);
  form.appendChild(c.resolve);
  c.disposition.addEventListener("change", () => {
    c.disposition.removeAttribute("aria-invalid");
    if (c.errorKey === "resolve_missing") showCardError(c, null);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!c.disposition.value) {
      c.disposition.setAttribute("aria-invalid", "true");
      showCardError(c, "resolve_missing");
      c.disposition.focus();
      return;
    }
    actions.reply(id, "resolved", { disposition: c.disposition.value, note: c.note.value.trim() });
  });
  return form;
}

export function showCardError(c, key) {
  c.errorKey = key;
  c.error.hidden = !key;
  c.error.textContent = key ? t()[key] : "";
}

// Show dispatch `d` on card `c` as of `at` (ms). `view`: index and offeredCount (for "1 of 2"
// on the alarm screen), busy (a reply is on its way).
export function fillCard(c, d, at, view) {
  const s = t();
  const state = String(d.state || "");
  const p = priorityOf(d);
  const busy = view.busy;
  const index = view.index;
  const offeredCount = view.offeredCount;
  const fix = where.fix;
  c.dispatch = d;
  fillSteps(c.responseSteps, d);
  c.root.setAttribute("data-state", state);
  c.root.setAttribute("data-priority", String(p || ""));
  c.root.setAttribute("data-incident-id", String(d.incident_id == null ? "" : d.incident_id));
  c.root.classList.toggle("busy", busy);

  const offered = state === "offered";
  c.alertHead.hidden = !offered;
  c.warn.hidden = offered || !["accepted", "en_route", "on_scene"].includes(state);
  setText(c.warnSummary, s.warn_on_site);
  if (offered) {
    setText(c.alertTitle, s.alert_title);
    setText(c.alertCount, offeredCount > 1 ? s.alert_count(index + 1, offeredCount) : "");
    fillCountdown(c, d, at);
  }

  c.badge.className = "badge badge-p" + (p || 4);
  setText(c.badge, priorityText(d));
  setText(c.kind, kindText(d.kind));
  setText(c.stateChip, stateText(state));
  c.stateChip.setAttribute("data-state", state);

  setText(c.siteName, siteName(d));
  const alt = siteAltName(d);
  setText(c.siteAlt, alt);
  c.siteAlt.hidden = !alt;
  c.siteAlt.setAttribute("lang", currentLang() === "en" ? "zh-CN" : "en");

  const site = siteOf(d);
  c.address.dt.textContent = s.label_address;
  setText(c.address.dd, String(site.address || ""));
  c.address.row.hidden = !site.address;

  c.contact.dt.textContent = s.label_contact;
  const contact = [site.contact_name, site.contact_phone].filter((x) => x).join("  ");
  setText(c.contact.dd, String(contact));
  c.contact.row.hidden = !contact;
  const tel = telUri(site.contact_phone);
  if (tel) {
    c.call.setAttribute("href", tel);
    setText(c.callText, s.call(String(site.contact_name || site.contact_phone)));
  }
  c.call.hidden = !tel;

  c.alarm.dt.textContent = s.label_alarm;
  setText(c.pressCount, countText(d));
  setText(c.alarmAge, ageText(timeMs(d.incident_created_at), at));

  const point = sitePoint(d);
  c.distance.dt.textContent = s.label_distance;
  const near = point && fix ? distanceM(fix, point) : null;
  setText(c.distance.dd, near === null ? "" : s.distance_m(near));
  c.distance.row.hidden = near === null;

  c.rule.dt.textContent = s.label_rule;
  setText(c.rule.dd, s.rules[d.rule] || String(d.rule || ""));
  c.rule.row.hidden = !d.rule;

  const image = snapshotUrl(d);
  if (image && image !== c.snapshotFailed) {
    if (c.snapshotImg.getAttribute("src") !== image) c.snapshotImg.setAttribute("src", image);
    c.snapshotImg.alt = s.snapshot_alt;
    c.snapshot.hidden = false;
  } else {
    c.snapshot.hidden = true;
    if (!image) c.snapshotImg.removeAttribute("src");
  }

  const nav = navigationUri(d);
  c.nav.hidden = !nav;
  c.coords.hidden = !nav;
  c.noCoords.hidden = !!nav;
  setText(c.noCoords, s.no_coordinates);
  if (nav) {
    c.nav.setAttribute("href", nav);
    setText(c.navText, s.navigate);
    const text = point ? point.lat.toFixed(6) + ", " + point.lon.toFixed(6) : nav.slice(4).split("?")[0];
    setText(c.coordsLabel, s.label_coords);
    setText(c.coordsLink, text);
    c.coordsLink.setAttribute("href", point ? "geo:" + point.lat + "," + point.lon : nav);
    c.copy.setAttribute("aria-label", s.copy);
    c.copy.title = s.copy;
    c.copy.hidden = !(navigator.clipboard && window.isSecureContext);
  }

  c.steps.hidden = offered;
  const reached = STATE_RANK[state] || 0;
  c.stepItems.forEach((item, i) => {
    setText(item.label, s.steps[item.step]);
    const done = i < reached;
    item.li.classList.toggle("done", done);
    item.li.classList.toggle("current", i === reached);
  });

  c.sharing.hidden = offered;
  c.sharing.setAttribute("data-state", where.state === "ok" ? "on" : "off");
  setText(c.sharingText, where.state === "ok" ? s.sharing : s.sharing_off);

  // Controls for this state; focus moves along as the officer goes through the steps.
  c.offered.hidden = !offered;
  setText(c.accept, busy && offered ? s.sending : s.accept);
  setText(c.decline, s.decline);
  c.accept.disabled = busy;
  c.decline.disabled = busy;
  const next = NEXT_ACTION[state];
  c.next.hidden = !next;
  if (next) {
    if (c.state !== state) c.nextArmsAt = Date.now() + STEP_ARM_MS;
    const arming = c.nextArmsAt - Date.now();
    if (arming > 0 && !c.armTimer) {
      c.armTimer = window.setTimeout(() => {
        c.armTimer = null;
        c.rearm();
      }, arming);
    }
    c.next.setAttribute("data-testid", next === "en_route" ? "en-route" : "on-scene");
    setText(c.next, busy ? s.sending : s[next]);
    c.next.disabled = busy || arming > 0;
  }
  c.resolveForm.hidden = state !== "on_scene";
  c.actions.setAttribute("data-mode", offered ? "offered" : next ? "next" : state === "on_scene" ? "resolve" : "");
  setText(c.dispositionLabel, s.disposition_label);
  setText(c.dispositionChoose, s.disposition_choose);
  c.dispositionOptions.forEach((option) => setText(option, s.dispositions[option.value]));
  setText(c.noteLabel, s.resolve_note_label);
  c.note.placeholder = s.resolve_note_placeholder;
  setText(c.resolve, busy && state === "on_scene" ? s.sending : s.resolve);
  c.resolve.disabled = busy;
  if (c.errorKey) c.error.textContent = s[c.errorKey];
  if (c.state !== state) {
    if (c.state !== null) showCardError(c, null);
    c.state = state;
  }
}

export function fillCountdown(c, d, at) {
  const s = t();
  const deadline = timeMs(d.accept_by);
  const offeredAt = timeMs(d.offered_at);
  if (!deadline) {
    c.countdown.hidden = true;
    c.countdownBar.hidden = true;
    return;
  }
  c.countdown.hidden = false;
  c.countdownBar.hidden = false;
  const left = Math.ceil((deadline - at) / 1000);
  setText(c.countdown, left > 0 ? s.accept_within(left) : s.accept_overdue);
  c.countdown.classList.toggle("urgent", left <= URGENT_S);
  const total = offeredAt && deadline > offeredAt ? deadline - offeredAt : 60000;
  const fraction = Math.max(0, Math.min(1, (deadline - at) / total));
  c.countdownFill.style.transform = "scaleX(" + fraction.toFixed(3) + ")";
}

function copyCoordinates(c, copied) {
  const text = c.coordsLink.textContent;
  if (!navigator.clipboard) return;
  navigator.clipboard.writeText(text).then(
    () => copied(),
    () => {}
  );
}
