// The hub's live stream for a page (the desk's console, the officer's app): connect, read JSON
// messages, ping so a dead link is noticed, and reconnect with backoff. Never silently stale: a
// link with no frame for a while is dropped and made again.

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 10000;
const PING_EVERY_MS = 15000;
const SILENCE_LIMIT_MS = 40000; // no frame at all (not even a pong) for this long: the link is dead
const CONNECT_LIMIT_MS = 15000; // a handshake that hangs this long is abandoned

// hooks: isLeaving() — the page is on its way elsewhere, stop; onMessage(message) — each JSON object;
// onDown() — the link was lost and a reconnect is scheduled; onResync() — the hub asked for a resync
// (it dropped changes for us) and the link is reconnecting.
export function liveSocket(path, hooks) {
  let socket = null;
  let generation = 0; // events of an abandoned socket are ignored
  let attempt = 0;
  let reconnectTimer = null;
  let connectStartedAt = 0;
  let lastFrameAt = 0;
  let lastPingAt = 0;

  function url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + path;
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (hooks.isLeaving()) return;
    const mine = ++generation;
    connectStartedAt = Date.now();
    let ws;
    try {
      ws = new WebSocket(url());
    } catch (e) {
      lost();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (mine !== generation) return;
      lastFrameAt = Date.now();
      lastPingAt = lastFrameAt;
    };
    ws.onmessage = (event) => {
      if (mine !== generation) return;
      lastFrameAt = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!message || typeof message !== "object") return;
      if (message.type === "resync") resync();
      else hooks.onMessage(message);
    };
    ws.onclose = ws.onerror = () => {
      if (mine !== generation) return;
      lost();
    };
  }

  function abandon() {
    // Ignore everything the old socket still says, and let it go.
    generation += 1;
    const old = socket;
    socket = null;
    if (old) {
      try {
        old.close();
      } catch (e) {
        // already closing
      }
    }
  }

  function lost() {
    abandon();
    if (hooks.isLeaving()) return;
    hooks.onDown();
    const delay = Math.min(BACKOFF_MIN_MS * Math.pow(2, attempt), BACKOFF_MAX_MS);
    attempt += 1;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  // Call about once a second: drops a hanging handshake or a silent link, pings an open one.
  function watchdog(now) {
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING && now - connectStartedAt > CONNECT_LIMIT_MS) {
      lost();
    } else if (socket.readyState === WebSocket.OPEN) {
      if (now - lastFrameAt > SILENCE_LIMIT_MS) {
        lost();
        return;
      }
      if (now - lastPingAt >= PING_EVERY_MS) {
        lastPingAt = now;
        try {
          socket.send(JSON.stringify({ type: "ping" }));
        } catch (e) {
          lost();
        }
      }
    }
  }

  // The hub dropped changes for us: a new connection subscribes again and sends a fresh snapshot.
  function resync() {
    abandon();
    hooks.onResync();
    connect();
  }

  return {
    connect: connect,
    abandon: abandon,
    lost: lost,
    watchdog: watchdog,
    synced: () => {
      attempt = 0; // a snapshot arrived: the next loss starts the backoff afresh
    },
  };
}
