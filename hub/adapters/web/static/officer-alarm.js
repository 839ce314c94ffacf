// Making sure a new dispatch is noticed: a siren generated with WebAudio (no sound file), vibration,
// a notification (through the service worker: phones allow no other way) and the screen kept on.
// Browsers play sound only after a tap: unlockAudio() is called from taps.

const WORKER_PATH = "/static/officer-sw.js";
const SIREN_EVERY_MS = 2600;
const VIBRATION = [700, 250, 700, 250, 700];

const AudioCtor = window.AudioContext || window.webkitAudioContext || null;
let audioCtx = null;
let alarmTimer = null;
let voices = [];
let audioChanged = () => {};
let worker = null; // the service worker registration that shows notifications on phones
const plainNotifications = new Map();
let wakeLock = null;

// `callback` runs when the sound or notification permission changes (the page shows both).
export function onAudioChange(callback) {
  audioChanged = callback;
}

export function audioState() {
  if (!AudioCtor) return "none";
  return audioCtx && audioCtx.state === "running" ? "on" : "locked";
}

// Called from taps only: browsers start audio from a user gesture. `confirm` plays a short chirp so
// that the officer hears that the phone will sound.
export function unlockAudio(confirm) {
  if (!AudioCtor) return;
  try {
    if (!audioCtx) {
      audioCtx = new AudioCtor();
      audioCtx.onstatechange = () => {
        audioChanged();
        if (audioCtx.state === "running" && alarmTimer) siren();
      };
    }
    if (audioCtx.state !== "running") {
      const resumed = audioCtx.resume();
      if (resumed && resumed.then) {
        resumed.then(() => {
          audioChanged();
          if (confirm && !alarmTimer) chirp();
        }, () => {});
      }
    } else if (confirm && !alarmTimer) {
      chirp();
    }
  } catch (e) {
    // no audio on this device: the chip says so
  }
  audioChanged();
}

function tone(frequency, start, duration, volume) {
  const osc = audioCtx.createOscillator();
  const gain = audioCtx.createGain();
  osc.type = "square";
  osc.frequency.setValueAtTime(frequency, start);
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(volume, start + 0.012);
  gain.gain.setValueAtTime(volume, start + duration - 0.025);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  osc.connect(gain);
  gain.connect(audioCtx.destination);
  osc.start(start);
  osc.stop(start + duration + 0.01);
  voices.push(osc);
  osc.onended = () => {
    voices = voices.filter((v) => v !== osc);
    gain.disconnect();
  };
}

// The siren: a two-tone "hi-lo" of six notes, then a breath. Repeats until nothing is offered.
function siren() {
  if (audioState() !== "on") return;
  const start = audioCtx.currentTime + 0.02;
  for (let i = 0; i < 6; i += 1) tone(i % 2 ? 740 : 988, start + i * 0.3, 0.27, 0.22);
}

function chirp() {
  if (audioState() !== "on") return;
  const start = audioCtx.currentTime + 0.02;
  tone(880, start, 0.09, 0.15);
  tone(1320, start + 0.13, 0.12, 0.15);
}

function silence() {
  voices.forEach((osc) => {
    try {
      osc.stop();
    } catch (e) {
      // already stopped
    }
  });
  voices = [];
}

function vibrate(pattern) {
  if (typeof navigator.vibrate !== "function") return;
  try {
    navigator.vibrate(pattern);
  } catch (e) {
    // not allowed before a tap
  }
}

function alarmCycle() {
  siren();
  vibrate(VIBRATION);
}

// The siren and vibration repeat while `on`.
export function updateAlarm(on) {
  if (on && !alarmTimer) {
    alarmTimer = window.setInterval(alarmCycle, SIREN_EVERY_MS);
    alarmCycle();
  } else if (!on && alarmTimer) {
    window.clearInterval(alarmTimer);
    alarmTimer = null;
    silence();
    vibrate(0);
  }
  document.body.setAttribute("data-alarm", on ? "sounding" : "off");
}

export function notificationState() {
  if (!("Notification" in window)) return "none";
  return Notification.permission; // granted | denied | default
}

export function askNotifications() {
  if (notificationState() !== "default") return;
  try {
    const asked = Notification.requestPermission(() => audioChanged());
    if (asked && asked.then) asked.then(() => audioChanged(), () => {});
  } catch (e) {
    // an old browser
  }
}

export function registerWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker
    .register(WORKER_PATH)
    .then((registration) => {
      worker = registration;
    })
    .catch(() => {});
}

// A notification for dispatch `id` that stays until answered (closeNotification), when allowed.
export function notify(id, title, body, lang) {
  if (notificationState() !== "granted") return;
  const options = {
    body: body,
    tag: "sentinel-dispatch-" + id,
    renotify: true,
    requireInteraction: true,
    lang: lang,
    vibrate: VIBRATION,
  };
  const plain = () => {
    try {
      const n = new Notification(title, options);
      n.onclick = () => {
        window.focus();
        n.close();
      };
      plainNotifications.set(id, n);
    } catch (e) {
      // phones only show notifications through a service worker
    }
  };
  if (worker && typeof worker.showNotification === "function") {
    worker.showNotification(title, options).catch(plain);
  } else {
    plain();
  }
}

export function closeNotification(id) {
  const n = plainNotifications.get(id);
  if (n) {
    n.close();
    plainNotifications.delete(id);
  }
  if (worker && typeof worker.getNotifications === "function") {
    worker
      .getNotifications({ tag: "sentinel-dispatch-" + id })
      .then((list) => list.forEach((item) => item.close()))
      .catch(() => {});
  }
}

// Keep the screen on while a dispatch is open: the officer is reading it, and a sleeping phone
// may stop the page.
export function holdWakeLock(want) {
  if (!("wakeLock" in navigator)) return;
  if (want && !wakeLock && document.visibilityState === "visible") {
    wakeLock = "pending";
    navigator.wakeLock
      .request("screen")
      .then((lock) => {
        wakeLock = lock;
        lock.addEventListener("release", () => {
          if (wakeLock === lock) wakeLock = null;
        });
      })
      .catch(() => {
        wakeLock = null;
      });
  } else if (!want && wakeLock && wakeLock !== "pending") {
    wakeLock.release().catch(() => {});
    wakeLock = null;
  }
}
