// The hub's health frames ({"type": "health", "ok", "dependencies": [{name, state, up, since}]}) as one
// banner, for the desk's console and the officer's app: which dependency is down and since when
// (local time). Each page has its own words for it (health_database, health_broker,
// health_change_feed, health_routine_process in its i18n table, each a function of the time text).
// A dependency still coming up with the hub (state "starting": the routine process, for a few seconds)
// is no outage: never the amber banner; a page with a #health-starting line and words for it
// (health_starting_<name>) says so there, in a neutral tone, while nothing is down.

// The most telling dependency first: without the database nothing is stored and the change feed is
// down with it; without the broker link no device reaches the hub; without the routine process
// (where the routine lane runs apart) heartbeats and camera events wait.
const ORDER = ["database", "broker", "change_feed", "routine_process"];

function pad(n) {
  return n < 10 ? "0" + n : String(n);
}

// 03:12, or 12-02 03:12 when it began on another day.
export function sinceText(ms) {
  const d = new Date(ms);
  const now = new Date();
  const time = pad(d.getHours()) + ":" + pad(d.getMinutes());
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? time : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
}

// {name, since (ms)} of the dependency to show, or null when everything is up.
export function degraded(frame) {
  if (!frame || !Array.isArray(frame.dependencies)) return null;
  for (const name of ORDER) {
    const down = frame.dependencies.find((d) => d && d.name === name && d.up === false);
    if (down) return { name: name, since: Date.parse(down.since) || Date.now() };
  }
  return null;
}

// {name} of the dependency coming up with the hub to mention, or null.
export function starting(frame) {
  if (!frame || !Array.isArray(frame.dependencies)) return null;
  for (const name of ORDER) {
    if (frame.dependencies.find((d) => d && d.name === name && d.state === "starting")) return { name: name };
  }
  return null;
}

// Show (or hide) the neutral "starting" line (`node`, its words in `textNode`): only while nothing is
// down and the page has words for the dependency that starts. `shown` as for renderHealth.
export function renderStarting(node, textNode, frame, strings, shown) {
  const coming = shown && !degraded(frame) ? starting(frame) : null;
  const words = coming ? strings["health_starting_" + coming.name] : null;
  node.hidden = !words;
  node.setAttribute("data-dependency", words ? coming.name : "");
  if (words) textNode.textContent = String(words);
}

// Show (or hide) the banner: `node` holds it, `textNode` its words; `strings` is the page's table.
// `shown` false hides it whatever the frame says (e.g. while the page's own link is down: the
// frame is then stale and the disconnected banner says more).
export function renderHealth(node, textNode, frame, strings, shown) {
  const down = shown ? degraded(frame) : null;
  node.hidden = !down;
  node.setAttribute("data-dependency", down ? down.name : "");
  if (!down) return;
  const words = strings["health_" + down.name];
  textNode.textContent = typeof words === "function" ? words(sinceText(down.since)) : String(words || "");
}

// A page's banner (#health-banner, its words in #health-banner-text; and #health-starting with
// #health-starting-text where the page has that line) over the last frame the hub sent:
// `update` with each frame, `render` again when the language or the page's own link changes.
// `strings()` is the page's current table, `shown()` whether its link is up (see renderHealth).
export function healthBanner(strings, shown) {
  let frame = null;
  const render = () => {
    const node = document.getElementById("health-banner");
    renderHealth(node, document.getElementById("health-banner-text"), frame, strings(), shown());
    const note = document.getElementById("health-starting");
    if (note) renderStarting(note, document.getElementById("health-starting-text"), frame, strings(), shown());
  };
  const update = (next) => {
    frame = next;
    render();
  };
  return { render, update };
}
