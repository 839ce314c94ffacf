// The officer's location: watched while on duty or while a dispatch is open, reported to the hub at
// most every 15 s (the latest fix is sent when the interval is over), and handed to replies.

const LOCATION_EVERY_MS = 15000;
const FIX_FRESH_MS = 120000; // a fix older than this is not sent with a reply

// state: off | waiting | ok | denied | unavailable | insecure | error; fix: {lat, lon, accuracy, at}
export const where = { state: "off", fix: null };
let watchId = null;
let lastSentAt = 0;
let lastSentFix = null;
let timer = null;
let wanted = () => false;
let report = () => Promise.resolve(null);
let changed = () => {};

// wanted(): whether to watch now; send(lat, lon): report to the hub, a promise of the fetch
// response; onChange(): the state or the fix changed.
export function configureLocation(options) {
  wanted = options.wanted;
  report = options.send;
  changed = options.onChange;
}

// Start or stop watching as wanted() says.
export function syncLocation() {
  if (wanted()) startLocation(false);
  else if (where.state !== "off") stopLocation();
}

// A refusal sticks until the officer asks again (the sign-on tap, `retry`): no prompt loop.
export function startLocation(retry) {
  if (watchId !== null) return;
  if (!retry && (where.state === "denied" || where.state === "insecure" || where.state === "unavailable")) return;
  if (!window.isSecureContext) {
    where.state = "insecure";
  } else if (!("geolocation" in navigator)) {
    where.state = "unavailable";
  } else {
    where.state = where.fix ? "ok" : "waiting";
    try {
      watchId = navigator.geolocation.watchPosition(onFix, onFixError, {
        enableHighAccuracy: true,
        maximumAge: 10000,
        timeout: 30000,
      });
    } catch (e) {
      where.state = "unavailable";
    }
  }
  changed();
}

function stopLocation() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  window.clearTimeout(timer);
  timer = null;
  where.state = "off";
  changed();
}

function onFix(position) {
  const c = position.coords;
  where.fix = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, at: Date.now() };
  where.state = "ok";
  sendLocation();
  changed();
}

function onFixError(error) {
  if (error && error.code === 1) {
    where.state = "denied";
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
  } else if (!where.fix || Date.now() - where.fix.at > FIX_FRESH_MS) {
    where.state = "error";
  }
  changed();
}

// Report the latest fix now if the interval allows, else when it is over. `again`: even if that
// fix was sent already (e.g. just signed on).
export function sendLocation(again) {
  if (again) lastSentFix = null;
  const fix = where.fix;
  if (!wanted() || !fix || timer) return;
  const wait = lastSentAt + LOCATION_EVERY_MS - Date.now();
  if (wait > 0) {
    timer = window.setTimeout(() => {
      timer = null;
      sendLocation(false);
    }, wait);
    return;
  }
  if (fix === lastSentFix) return;
  lastSentAt = Date.now();
  lastSentFix = fix;
  const failed = () => {
    if (lastSentFix === fix) lastSentFix = null; // the next fix or interval tries again
  };
  report(round6(fix.lat), round6(fix.lon)).then((response) => {
    if (!response || !response.ok) failed();
  }, failed);
}

// The fix to send with a reply: {lat, lon} when recent, else null.
export function freshFix() {
  const fix = where.fix;
  if (!fix || Date.now() - fix.at >= FIX_FRESH_MS) return null;
  return { lat: round6(fix.lat), lon: round6(fix.lon) };
}

export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function round6(x) {
  return Math.round(x * 1e6) / 1e6;
}
