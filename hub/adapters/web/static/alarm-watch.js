// The desk's alarms on a desk page that is not the console (the reports): a supervisor or duty
// officer reading figures must not miss a panic press. The page keeps the open incidents live from
// the hub's stream and shows what the console shows with them — the alarm bar, the alarm sound, the
// flashing tab title, the lost-link banner and its own sound; `A` acknowledges the newest alarm and a
// click on the bar opens the incident in the console.

import { apiJson, isLeaving, onLeave, post } from "./console-api.js";
import * as alarm from "./console-alarm.js";
import { mountAlarmChrome } from "./console-alarm-chrome.js";
import * as overlay from "./console-alarm-overlay.js";
import { setLang, t } from "./console-i18n.js";
import { store, takeIncident, takeSnapshot } from "./console-state.js";
import { errorText } from "./console-story.js";
import { isTyping, notify } from "./console-ui.js";
import { applyPageText } from "./i18n-core.js";
import { liveSocket } from "./live-socket.js";

const STREAM_PATH = "/api/v1/stream";
const ME_PATH = "/api/v1/auth/me";

let chrome = [];

function render() {
  alarm.update();
  overlay.render();
}

function setLinkLost(lost) {
  document.getElementById("disconnected-banner").hidden = !lost;
  alarm.setLinkLost(lost);
}

function sendAck(id) {
  return post("/api/v1/incidents/" + encodeURIComponent(id) + "/ack").catch((error) => {
    notify(errorText(error), "error");
    throw error;
  });
}

function acknowledgeNewest() {
  overlay.acknowledgeAlarm(overlay.newestWaitingId(), sendAck, render);
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target)) return;
  if (event.key !== "a" && event.key !== "A") return;
  event.preventDefault();
  if (!event.repeat) acknowledgeNewest(); // a held key repeats: one press, one acknowledgement
}

// Starts the watch: the alarm's elements go before `topbar` (the sound button before `soundBefore`).
// The session (for the acknowledgement's CSRF token) comes first, then the stream. Answers the
// session's user, or null.
export function watchAlarms(topbar, soundBefore) {
  chrome = mountAlarmChrome(topbar, soundBefore);
  alarm.initAlarm();
  overlay.initOverlay({ acknowledge: (id) => overlay.acknowledgeAlarm(id, sendAck, render), open: (id) => window.location.assign("/#/incident/" + id) });
  const live = liveSocket(STREAM_PATH, {
    isLeaving: isLeaving,
    onMessage: (message) => {
      if (message.type === "snapshot") {
        live.synced();
        takeSnapshot(message.incidents).forEach((id) => alarm.newIncident(store.incidents.get(id)));
        setLinkLost(false);
        render();
      } else if (message.type === "incident" && store.loaded) {
        if (takeIncident(message.incident) === "new") alarm.newIncident(message.incident);
        render();
      }
    },
    onDown: () => {
      apiJson(ME_PATH).catch(() => {}); // a stream closed because the session ended: off to the login page
      setLinkLost(true);
    },
    onResync: () => {},
  });
  onLeave(live.abandon);
  document.addEventListener("keydown", onKey);
  window.setInterval(() => {
    alarm.update();
    live.watchdog(Date.now());
  }, 1000);
  return apiJson(ME_PATH)
    .then((session) => {
      store.session = session;
      live.connect();
      return session && session.user ? session.user : null;
    })
    .catch(() => null);
}

// The page switched language (`code`: "zh" or "en"); `title` is its tab title in that language.
export function alarmLanguage(code, title) {
  setLang(code);
  chrome.forEach((node) => applyPageText(t(), node));
  alarm.setTitleBase(title);
  render();
}
