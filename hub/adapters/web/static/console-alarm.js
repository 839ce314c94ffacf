// The audible alarm and the flashing tab title: both go on while any open, non-test incident is
// unacknowledged. The sound is generated with WebAudio (no files). Browsers allow sound only after
// a user gesture: until then the sound state is "locked" and a bar asks for a click.
//
// A lost link to the hub sounds its own alarm (a slow falling two-tone, unlike the rising alarm
// pulses): the board is stale, so an alarm may be waiting that the desk cannot see.
//
// The desk can silence the sound ("off"); a new incident turns it back on: silencing is for the
// alarm at hand, never for the next one.

import { t } from "./console-i18n.js";
import { isUnacknowledged, priorityOf, store } from "./console-state.js";

const REPEAT_URGENT_MS = 2000; // an unacknowledged P1
const REPEAT_MS = 4000; // anything else unacknowledged
const TITLE_FLASH_MS = 1000;
const REPEAT_LINK_MS = 3000; // the link to the hub is down
const PLAYED_KEPT = 20;

const el = {};
let ctx = null;
let unlocked = false;
let muted = false;
let sounding = false;
let nextAt = 0;
let titleBase = "";
let titleFlip = false;
let linkLost = false;
let nextLinkAt = 0;
const playedLog = []; // the last patterns played: {pattern, at} (for the browser tests and debugging)

export function initAlarm() {
  el.button = document.getElementById("sound-toggle");
  el.label = document.getElementById("sound-label");
  el.unlock = document.getElementById("sound-unlock");
  el.unlockButton = document.getElementById("sound-unlock-button");
  const Context = window.AudioContext || window.webkitAudioContext;
  if (Context) {
    try {
      ctx = new Context();
      ctx.onstatechange = () => {
        unlocked = ctx.state === "running";
        render();
      };
      unlocked = ctx.state === "running";
    } catch (e) {
      ctx = null;
    }
  }
  // Any click or key on the page is the gesture that lets the browser play sound.
  const unlock = () => {
    if (ctx && ctx.state !== "running") ctx.resume().catch(() => {});
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
  el.button.addEventListener("click", toggle);
  el.unlockButton.addEventListener("click", () => {
    muted = false;
    unlock();
  });
  window.setInterval(flashTitle, TITLE_FLASH_MS);
  window.setInterval(beat, 250);
  render();
}

export function soundState() {
  if (!ctx || !unlocked) return "locked";
  return muted ? "off" : "on";
}

function toggle() {
  if (!ctx) return;
  if (!unlocked) {
    muted = false;
    ctx.resume().catch(() => {});
    return;
  }
  muted = !muted;
  nextAt = 0;
  render();
}

// A new incident: silencing was for the previous alarm.
export function newIncident(incident) {
  if (incident && incident.test !== true && muted) {
    muted = false;
    nextAt = 0;
    render();
  }
}

function unacknowledged() {
  return Array.from(store.incidents.values()).filter(isUnacknowledged);
}

// Called whenever the incidents change, and every second.
export function update() {
  const waiting = unacknowledged();
  const was = sounding;
  sounding = waiting.length > 0;
  if (sounding && !was) nextAt = 0;
  render();
  setTitleAlarm(waiting.length);
}

function render() {
  if (!el.button) return;
  const s = t();
  const state = soundState();
  el.button.setAttribute("data-state", state);
  el.button.setAttribute("data-alarm", sounding ? (state === "on" ? "sounding" : "silenced") : "quiet");
  el.button.setAttribute("aria-pressed", state === "on" ? "true" : "false");
  el.label.textContent = state === "on" ? s.sound_on : state === "off" ? s.sound_off : s.sound_locked;
  const label = state === "on" ? s.sound_on_label : state === "off" ? s.sound_off_label : s.sound_locked_label;
  el.button.title = label;
  el.button.setAttribute("aria-label", label);
  el.unlock.hidden = state !== "locked" || !ctx;
}

// The link to the hub is down (true) or back (false). Not silenced by the alarm's mute: it is a
// different trouble, and the desk muted an alarm it had seen.
export function setLinkLost(lost) {
  if (lost && !linkLost) nextLinkAt = 0;
  linkLost = lost;
  if (el.button) el.button.setAttribute("data-link", lost ? "lost" : "ok");
}

export function played() {
  return playedLog.slice();
}

function beat() {
  if (!ctx || !unlocked) return;
  const now = Date.now();
  if (linkLost && now >= nextLinkAt) {
    nextLinkAt = now + REPEAT_LINK_MS;
    play(PATTERNS.link);
    return;
  }
  if (!sounding || soundState() !== "on" || now < nextAt) return;
  const urgent = unacknowledged().some((incident) => priorityOf(incident) === 1);
  nextAt = now + (urgent ? REPEAT_URGENT_MS : REPEAT_MS);
  play(urgent ? PATTERNS.urgent : PATTERNS.alarm);
}

// Urgent: three rising two-tone pulses; otherwise two softer beeps; the lost link: a slow falling pair.
const PATTERNS = {
  urgent: { name: "urgent", volume: 0.35, tones: [880, 1320, 880, 1320, 880, 1320], length: 0.13, gap: 0.03, wave: "square" },
  alarm: { name: "alarm", volume: 0.22, tones: [988, 988], length: 0.18, gap: 0.16, wave: "square" },
  link: { name: "link", volume: 0.3, tones: [660, 440], length: 0.45, gap: 0.1, wave: "sawtooth" },
};

function play(pattern) {
  if (!ctx) return;
  playedLog.push({ pattern: pattern.name, at: Date.now() });
  if (playedLog.length > PLAYED_KEPT) playedLog.shift();
  const start = ctx.currentTime + 0.02;
  const master = ctx.createGain();
  master.gain.value = pattern.volume;
  master.connect(ctx.destination);
  const { tones, length, gap } = pattern;
  tones.forEach((frequency, i) => {
    const at = start + i * (length + gap);
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = pattern.wave;
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(1, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain);
    gain.connect(master);
    osc.start(at);
    osc.stop(at + length + 0.02);
  });
}

// The tab title: the board sets the base; while anything is unacknowledged it alternates with an alarm.
export function setTitleBase(text) {
  titleBase = text;
  if (!sounding) document.title = titleBase;
}

let waitingCount = 0;

function setTitleAlarm(count) {
  waitingCount = count;
  if (count === 0) document.title = titleBase;
}

function flashTitle() {
  if (waitingCount === 0) {
    titleFlip = false;
    document.title = titleBase;
    return;
  }
  titleFlip = !titleFlip;
  document.title = titleFlip ? t().alarmTitle(waitingCount) : titleBase;
}
