// Sentinel duty desk console: the open incidents, live over /api/v1/stream.
//
// The stream sends a snapshot of every open incident first, then each change. The board is never
// silently stale: when the link drops, a red banner says so, the board greys out, and the console
// reconnects with backoff (1 s doubling to 10 s) and reloads the snapshot. All text is set with
// textContent; nothing from the hub is ever parsed as HTML.
//
// Signed in with the session cookie: /api/v1/auth/me names the user and gives the CSRF token that
// `api()` sends with every state-changing request. Whenever the hub answers 401 (the session ended,
// or the stream was closed and the session turns out to be over) the page goes to /login?next=….
(function () {
  "use strict";

  const STREAM_PATH = "/api/v1/stream";
  const ME_PATH = "/api/v1/auth/me";
  const LOGOUT_PATH = "/api/v1/auth/logout";
  const CSRF_HEADER = "X-CSRF-Token";
  const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 10000;
  const PING_EVERY_MS = 15000;
  const SILENCE_LIMIT_MS = 40000; // no frame at all (not even a pong) for this long: the link is dead
  const CONNECT_LIMIT_MS = 15000; // a handshake that hangs this long is abandoned
  const FLASH_MS = 3500;
  const FINAL_STATES = new Set(["resolved", "cancelled"]);
  const PRESS_KINDS = new Set(["panic", "duress"]);
  const LANG_KEY = "sentinel.console.lang";

  const STRINGS = {
    zh: {
      htmlLang: "zh-CN",
      docTitle: "值班台 · Sentinel",
      heading: "值班台 · 未处理事件",
      open_count: "未处理",
      board_caption: "未处理事件，按优先级与时间排序",
      col_priority: "级别",
      col_site: "单位",
      col_kind: "类型",
      col_state: "状态",
      col_opened: "报警时间",
      col_age: "已持续",
      col_count: "次数",
      banner_disconnected: "与中心连接中断，正在重连…",
      status_connecting: "连接中…",
      status_live: "实时",
      status_syncing: "同步中…",
      status_disconnected: "已断开",
      empty: "暂无未处理事件",
      waiting: "正在等待中心数据…",
      test: "测试",
      toggleText: "English",
      toggleLang: "en",
      toggleLabel: "Switch the console to English",
      logout: "退出登录",
      roles: { duty: "值班员", supervisor: "值班领导", admin: "管理员", officer: "民警" },
      presses: (n) => "按压 " + n + " 次",
      events: (n) => "事件 " + n + " 次",
      age: (d, h, m, s) =>
        d > 0 ? d + "天" + h + "小时" : h > 0 ? h + "小时" + pad(m) + "分" : m > 0 ? m + "分" + pad(s) + "秒" : s + "秒",
      announce: (priority, kind, site) => "新警情：" + priority + " " + kind + "，" + site,
      kinds: {
        panic: "紧急报警",
        duress: "胁迫报警",
        intrusion: "入侵",
        tamper: "防拆",
        loitering: "徘徊",
        crowd: "人员聚集",
        line_crossing: "越线",
        device_offline: "设备离线",
      },
      states: {
        new: "新警情",
        acknowledged: "已确认",
        dispatched: "已派警",
        accepted: "已接警",
        en_route: "出警途中",
        on_scene: "已到场",
        resolved: "已处置",
        cancelled: "已取消",
      },
    },
    en: {
      htmlLang: "en",
      docTitle: "Duty desk · Sentinel",
      heading: "Duty desk · Open incidents",
      open_count: "Open",
      board_caption: "Open incidents, by priority and time",
      col_priority: "Priority",
      col_site: "Site",
      col_kind: "Kind",
      col_state: "State",
      col_opened: "Opened",
      col_age: "Age",
      col_count: "Count",
      banner_disconnected: "Disconnected from hub — reconnecting…",
      status_connecting: "Connecting…",
      status_live: "Live",
      status_syncing: "Syncing…",
      status_disconnected: "Offline",
      empty: "No open incidents",
      waiting: "Waiting for data from the hub…",
      test: "TEST",
      toggleText: "中文",
      toggleLang: "zh-CN",
      toggleLabel: "切换为中文界面",
      logout: "Sign out",
      roles: { duty: "Duty officer", supervisor: "Supervisor", admin: "Administrator", officer: "Officer" },
      presses: (n) => (n === 1 ? "1 press" : n + " presses"),
      events: (n) => (n === 1 ? "1 event" : n + " events"),
      age: (d, h, m, s) =>
        d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + pad(m) + "m" : m > 0 ? m + "m " + pad(s) + "s" : s + "s",
      announce: (priority, kind, site) => "New incident: " + priority + " " + kind + ", " + site,
      kinds: {
        panic: "Panic alarm",
        duress: "Duress",
        intrusion: "Intrusion",
        tamper: "Tamper",
        loitering: "Loitering",
        crowd: "Crowd",
        line_crossing: "Line crossing",
        device_offline: "Device offline",
      },
      states: {
        new: "New",
        acknowledged: "Acknowledged",
        dispatched: "Dispatched",
        accepted: "Accepted",
        en_route: "En route",
        on_scene: "On scene",
        resolved: "Resolved",
        cancelled: "Cancelled",
      },
    },
  };

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // ---- state ----------------------------------------------------------------------------------

  const incidents = new Map(); // id (string) → incident object from the hub
  const rows = new Map(); // id → { tr, cells... }
  let lang = loadLang();
  let connection = "connecting"; // connecting | live | syncing | disconnected
  let loaded = false; // a snapshot has been applied at least once
  let session = null; // {user, auth, csrf_token} from /api/v1/auth/me
  let leaving = false; // on the way to the login page: stop reconnecting

  let socket = null;
  let generation = 0; // events of an abandoned socket are ignored
  let attempt = 0;
  let reconnectTimer = null;
  let connectStartedAt = 0;
  let lastFrameAt = 0;
  let lastPingAt = 0;

  const el = {};

  // ---- language -------------------------------------------------------------------------------

  function loadLang() {
    // ?lang=en or ?lang=zh (for a wall display set up once) wins over the remembered choice.
    const asked = new URLSearchParams(window.location.search).get("lang");
    if (asked === "en" || asked === "zh") {
      saveLang(asked);
      return asked;
    }
    try {
      return window.localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
    } catch (e) {
      return "zh";
    }
  }

  function saveLang(value) {
    try {
      window.localStorage.setItem(LANG_KEY, value);
    } catch (e) {
      // Private mode or storage disabled: the choice lasts for this page only.
    }
  }

  function t() {
    return STRINGS[lang];
  }

  function applyLang() {
    const s = t();
    document.documentElement.lang = s.htmlLang;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      const key = node.getAttribute("data-i18n");
      if (typeof s[key] === "string") node.textContent = s[key];
    });
    el.toggle.textContent = s.toggleText;
    el.toggle.setAttribute("lang", s.toggleLang);
    el.toggle.setAttribute("aria-label", s.toggleLabel);
    renderUser();
    renderConnection();
    render();
  }

  // ---- formatting -----------------------------------------------------------------------------

  function kindText(kind) {
    const known = t().kinds[kind];
    return known || String(kind == null ? "" : kind);
  }

  function stateText(state) {
    const known = t().states[state];
    return known || String(state == null ? "" : state);
  }

  function siteText(incident) {
    const zh = incident.site_name || incident.site_id || "";
    return String(lang === "en" ? incident.site_name_en || zh : zh);
  }

  function countText(incident) {
    const n = Number(incident.event_count) || 0;
    return PRESS_KINDS.has(incident.kind) ? t().presses(n) : t().events(n);
  }

  function priorityOf(incident) {
    const p = Number(incident.priority);
    return p >= 1 && p <= 4 ? Math.floor(p) : 0;
  }

  function createdMs(incident) {
    const ms = Date.parse(incident.created_at);
    return Number.isNaN(ms) ? 0 : ms;
  }

  function clockText(ms) {
    const d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function dateText(ms) {
    // The month and day when not today: 23:50:00 seen the next morning must not look recent.
    const d = new Date(ms);
    const now = new Date();
    const sameDay =
      d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
    return sameDay ? "" : pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function ageText(ms, now) {
    if (!ms) return "—";
    let total = Math.max(0, Math.floor((now - ms) / 1000));
    const d = Math.floor(total / 86400);
    total -= d * 86400;
    const h = Math.floor(total / 3600);
    total -= h * 3600;
    const m = Math.floor(total / 60);
    const s = total - m * 60;
    return t().age(d, h, m, s);
  }

  function compareIncidents(a, b) {
    const pa = priorityOf(a) || 9;
    const pb = priorityOf(b) || 9;
    if (pa !== pb) return pa - pb;
    const ca = createdMs(a);
    const cb = createdMs(b);
    if (ca !== cb) return cb - ca;
    return String(b.id).localeCompare(String(a.id), undefined, { numeric: true });
  }

  // ---- board ----------------------------------------------------------------------------------

  function cell(tr, testid, className) {
    const td = document.createElement("td");
    td.setAttribute("data-testid", testid);
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function createRow(id) {
    const tr = document.createElement("tr");
    tr.setAttribute("data-testid", "incident-row");
    tr.setAttribute("data-incident-id", id);
    const row = { tr: tr };
    const priorityCell = cell(tr, "priority");
    row.badge = document.createElement("span");
    priorityCell.appendChild(row.badge);
    row.site = cell(tr, "site");
    row.siteName = document.createElement("span");
    row.siteName.className = "site-name";
    row.site.appendChild(row.siteName);
    row.testBadge = document.createElement("span");
    row.testBadge.className = "badge badge-test";
    row.testBadge.setAttribute("data-testid", "test-badge");
    row.site.appendChild(row.testBadge);
    row.kind = cell(tr, "kind", "kind");
    row.state = cell(tr, "state", "state");
    row.opened = cell(tr, "opened", "time");
    row.openedDate = document.createElement("span");
    row.openedDate.className = "date";
    row.openedTime = document.createElement("span");
    row.opened.appendChild(row.openedDate);
    row.opened.appendChild(row.openedTime);
    row.age = cell(tr, "age", "age");
    row.count = cell(tr, "event-count", "count");
    return row;
  }

  function fillRow(row, incident, now) {
    const p = priorityOf(incident);
    row.tr.setAttribute("data-priority", String(p || ""));
    row.tr.setAttribute("data-state", String(incident.state || ""));
    row.badge.className = "badge badge-p" + (p || 4);
    row.badge.textContent = p ? "P" + p : "P?";
    const site = siteText(incident);
    row.siteName.textContent = site;
    row.site.title = site;
    const isTest = incident.test === true;
    row.testBadge.textContent = isTest ? t().test : "";
    row.testBadge.hidden = !isTest;
    row.kind.textContent = kindText(incident.kind);
    row.state.textContent = stateText(incident.state);
    row.state.className = "state state-" + String(incident.state || "").replace(/[^a-z_]/g, "");
    const created = createdMs(incident);
    row.openedDate.textContent = created ? dateText(created) : "";
    row.openedDate.hidden = !row.openedDate.textContent;
    row.openedTime.textContent = created ? clockText(created) : "—";
    row.opened.title = created ? new Date(created).toLocaleString(t().htmlLang) : "";
    row.age.textContent = ageText(created, now);
    row.count.textContent = countText(incident);
  }

  function render() {
    const now = Date.now();
    const ordered = Array.from(incidents.values()).sort(compareIncidents);
    const seen = new Set();
    ordered.forEach((incident) => {
      const id = String(incident.id);
      seen.add(id);
      let row = rows.get(id);
      if (!row) {
        row = createRow(id);
        rows.set(id, row);
      }
      fillRow(row, incident, now);
      el.body.appendChild(row.tr); // appending an existing row moves it into sorted position
    });
    rows.forEach((row, id) => {
      if (!seen.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    });
    const count = incidents.size;
    el.count.textContent = loaded ? String(count) : "–";
    el.table.hidden = count === 0;
    el.empty.hidden = count !== 0;
    const emptyKey = loaded && connection === "live" ? "empty" : "waiting";
    el.empty.setAttribute("data-i18n", emptyKey);
    el.empty.textContent = t()[emptyKey];
    document.title = (count > 0 ? "(" + count + ") " : "") + t().docTitle;
  }

  function tick() {
    const now = Date.now();
    rows.forEach((row, id) => {
      const incident = incidents.get(id);
      if (incident) row.age.textContent = ageText(createdMs(incident), now);
    });
    el.clock.textContent = clockText(now);
    watchdog(now);
  }

  function flash(id) {
    const row = rows.get(id);
    if (!row) return;
    row.tr.classList.remove("flash");
    void row.tr.offsetWidth; // restart the animation
    row.tr.classList.add("flash");
    window.setTimeout(() => row.tr.classList.remove("flash"), FLASH_MS);
  }

  function announce(incident) {
    const p = priorityOf(incident);
    el.announcer.textContent = t().announce(p ? "P" + p : "", kindText(incident.kind), siteText(incident));
  }

  function isOpen(incident) {
    return incident && incident.id != null && !FINAL_STATES.has(incident.state);
  }

  function applySnapshot(list) {
    const before = new Set(incidents.keys());
    const wasLoaded = loaded;
    incidents.clear();
    (Array.isArray(list) ? list : []).forEach((incident) => {
      if (isOpen(incident)) incidents.set(String(incident.id), incident);
    });
    loaded = true;
    setConnection("live");
    if (wasLoaded) {
      // After a reconnect, what arrived while we were away is new to the desk.
      incidents.forEach((incident, id) => {
        if (!before.has(id)) {
          flash(id);
          announce(incident);
        }
      });
    }
  }

  function applyIncident(incident) {
    if (!incident || incident.id == null) return;
    const id = String(incident.id);
    if (!isOpen(incident)) {
      if (incidents.delete(id)) render();
      return;
    }
    const isNew = !incidents.has(id);
    incidents.set(id, incident);
    render();
    if (isNew) {
      flash(id);
      announce(incident);
    }
  }

  // ---- session --------------------------------------------------------------------------------

  function toLogin() {
    if (leaving) return;
    leaving = true;
    abandon();
    const here = window.location.pathname + window.location.search;
    window.location.replace("/login?next=" + encodeURIComponent(here));
  }

  // fetch() for the hub's API: same-origin cookie, the CSRF token on state-changing requests, JSON
  // bodies, and the login page on 401.
  function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    const method = String(opts.method || "GET").toUpperCase();
    const headers = new Headers(opts.headers || {});
    headers.set("Accept", "application/json");
    if (!SAFE_METHODS.has(method) && session && session.csrf_token) headers.set(CSRF_HEADER, session.csrf_token);
    if (opts.body !== undefined && typeof opts.body !== "string") {
      headers.set("Content-Type", "application/json");
      opts.body = JSON.stringify(opts.body);
    }
    opts.method = method;
    opts.headers = headers;
    return window.fetch(path, opts).then((response) => {
      if (response.status === 401) {
        toLogin();
        throw new Error("not signed in");
      }
      return response;
    });
  }

  // Who is signed in; a 401 leads to the login page. Network trouble is left to the stream's banner.
  function loadSession() {
    return api(ME_PATH)
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && data.user) {
          session = data;
          renderUser();
        }
      })
      .catch(() => {});
  }

  function renderUser() {
    const user = session && session.user;
    if (!user) {
      el.userName.textContent = "";
      el.logout.hidden = true;
      return;
    }
    const role = t().roles[user.role] || String(user.role || "");
    el.userName.textContent = String(user.display_name || user.username || "") + " · " + role;
    el.userName.title = String(user.username || "");
    el.logout.hidden = session.auth !== "session";
  }

  function logout() {
    api(LOGOUT_PATH, { method: "POST" })
      .catch(() => {})
      .then(() => {
        leaving = true;
        abandon();
        window.location.replace("/login");
      });
  }

  // ---- connection -----------------------------------------------------------------------------

  function setConnection(state) {
    connection = state;
    renderConnection();
    render();
  }

  function renderConnection() {
    const s = t();
    el.status.setAttribute("data-state", connection);
    el.statusLabel.setAttribute("data-i18n", "status_" + connection);
    el.statusLabel.textContent = s["status_" + connection];
    el.banner.hidden = connection !== "disconnected";
    el.board.classList.toggle("stale", connection !== "live");
  }

  function streamUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + STREAM_PATH;
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (leaving) return;
    const mine = ++generation;
    connectStartedAt = Date.now();
    let ws;
    try {
      ws = new WebSocket(streamUrl());
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
      if (message && typeof message === "object") handle(message);
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
    if (leaving) return;
    loadSession(); // a stream refused or closed because the session ended: off to the login page
    setConnection("disconnected");
    const delay = Math.min(BACKOFF_MIN_MS * Math.pow(2, attempt), BACKOFF_MAX_MS);
    attempt += 1;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function resync() {
    // The hub dropped changes for us: a new connection subscribes again and sends a fresh snapshot.
    abandon();
    setConnection("syncing");
    connect();
  }

  function handle(message) {
    switch (message.type) {
      case "snapshot":
        attempt = 0;
        applySnapshot(message.incidents);
        break;
      case "incident":
        if (loaded) applyIncident(message.incident);
        break;
      case "resync":
        resync();
        break;
      default:
        break; // pong, and types this console does not show yet
    }
  }

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

  // ---- start ----------------------------------------------------------------------------------

  function start() {
    el.board = document.getElementById("board");
    el.table = document.getElementById("board-table");
    el.body = document.getElementById("board-body");
    el.empty = document.getElementById("empty-state");
    el.count = document.getElementById("open-count-value");
    el.status = document.getElementById("connection-status");
    el.statusLabel = document.getElementById("connection-label");
    el.banner = document.getElementById("disconnected-banner");
    el.clock = document.getElementById("clock");
    el.toggle = document.getElementById("lang-toggle");
    el.announcer = document.getElementById("announcer");
    el.userName = document.getElementById("user-name");
    el.logout = document.getElementById("logout");

    el.toggle.addEventListener("click", () => {
      lang = lang === "en" ? "zh" : "en";
      saveLang(lang);
      applyLang();
    });

    el.logout.addEventListener("click", logout);

    applyLang();
    tick();
    window.setInterval(tick, 1000);
    loadSession().then(connect);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
