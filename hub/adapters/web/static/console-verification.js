// Video verification of a press: the clip and snapshot each site camera saved from its pre-event buffer
// around the press (camera events of type "verification"), shown first in the detail of a panic or duress,
// with the camera's live view one click away (/api/v1/cameras/{id}/live, relayed by the hub).

import { parseTime, t, whenText } from "./console-i18n.js";
import { PRESS_KINDS, store } from "./console-state.js";
import { h } from "./console-ui.js";

const VERIFICATION = "verification";
const liveOpen = new Set(); // "incident:camera" whose live view the desk opened (kept across re-renders)

export function isVerificationMedia(media) {
  return media && media.event_type === VERIFICATION;
}

// Whether the verification media of this incident get their own section at the top of the detail.
export function showsVerificationFirst(incident) {
  return PRESS_KINDS.has(String(incident.kind));
}

// The press: the incident's first event, at the device's own time unless it claims one after its arrival.
function pressTime(incident) {
  const events = Array.isArray(incident.events) ? incident.events : [];
  if (!events.length) return parseTime(incident.created_at);
  const first = events[0];
  const occurred = parseTime(first.occurred_at);
  const received = parseTime(first.received_at);
  return occurred && received ? Math.min(occurred, received) : occurred || received || parseTime(incident.created_at);
}

function seconds(ms) {
  return (ms / 1000).toFixed(1);
}

function cameraName(id) {
  const device = store.devices.get(id);
  return device && device.label ? device.label : id;
}

// One camera's evidence: clip and snapshot side by side, the span they cover, and the live-view button.
function cameraFigure(incident, cameraId, items, press) {
  const s = t();
  const clip = items.find((m) => m.kind === "clip");
  const snapshot = items.find((m) => m.kind === "snapshot");
  const start = clip ? parseTime(clip.clip_start) : 0;
  const end = clip ? parseTime(clip.clip_end) : 0;
  const media = [];
  if (clip && clip.url)
    media.push(h("video", { src: clip.url, controls: true, preload: "metadata", muted: true, testid: "verification-clip", "aria-label": s.verification_clip(cameraName(cameraId)) }));
  else if (clip) media.push(h("div", { class: "media-missing", testid: "verification-pending" }, s.verification_pending));
  if (snapshot && snapshot.url)
    media.push(h("a", { href: snapshot.url, target: "_blank", rel: "noopener" }, h("img", { src: snapshot.url, alt: s.verification_snapshot(cameraName(cameraId)), testid: "verification-snapshot" })));
  const span = start && end && press ? s.verification_span(seconds(press - start), seconds(end - press)) : "";
  const key = incident.id + ":" + cameraId;
  const live = liveOpen.has(key)
    ? h("img", { class: "verification-live", src: "/api/v1/cameras/" + encodeURIComponent(cameraId) + "/live", alt: s.patrol_live_alt(cameraName(cameraId)), testid: "verification-live" })
    : null;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "btn",
      testid: "verification-live-toggle",
      "data-focus": "live-" + cameraId,
      onclick: (e) => {
        if (liveOpen.has(key)) liveOpen.delete(key);
        else liveOpen.add(key);
        const figure = e.target.closest("figure");
        if (figure) figure.replaceWith(cameraFigure(incident, cameraId, items, press));
      },
    },
    liveOpen.has(key) ? s.verification_live_close : s.verification_live_open,
  );
  return h(
    "figure",
    { class: "verification-item", testid: "verification-camera", "data-camera-id": cameraId, "data-before-s": start && press ? seconds(press - start) : "" },
    h("div", { class: "media-grid" }, media),
    live,
    h("figcaption", null, cameraName(cameraId) + (span ? " · " + span : "") + (clip ? " · " + whenText(parseTime(clip.created_at)) : ""), " ", toggle),
  );
}

// The section, or null when the incident has no verification media (nothing asked, or not arrived yet).
export function verificationSection(incident, section) {
  const media = (Array.isArray(incident.media) ? incident.media : []).filter(isVerificationMedia);
  if (!media.length) return null;
  const byCamera = new Map();
  media.forEach((m) => {
    if (!byCamera.has(m.device_id)) byCamera.set(m.device_id, []);
    byCamera.get(m.device_id).push(m);
  });
  const press = pressTime(incident);
  const figures = [...byCamera.entries()].map(([cameraId, items]) => cameraFigure(incident, cameraId, items, press));
  return section(t().verification_title, "verification", figures);
}
