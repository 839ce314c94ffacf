// Sentinel officer app: the officer's own dispatches, live over /api/v1/me/stream, on a phone.
//
// A new dispatch takes the whole screen, sounds a siren (generated with WebAudio: no sound file),
// vibrates and raises a notification until it is accepted or declined, with a countdown to the
// deadline after which it goes to the next officer. The officer then reports en route, on scene and
// resolved on the same card, which carries the site, its contact, a geo: navigation link and the
// snapshot. While on duty the phone's location is sent at most every 15 s.
//
// Browsers play sound and ask for permissions only after a tap: the "sign on" tap unlocks the audio,
// asks for notifications and starts the location watch, and the page says so.
//
// Like the console: signed in with the session cookie (CSRF token from /api/v1/auth/me on every POST),
// a 401 leads to /login?next=…, the stream reconnects with backoff (1 s doubling to 10 s) behind a red
// banner, and every text is set with textContent: nothing from the hub is parsed as HTML.
(function () {
  "use strict";

  const ME_PATH = "/api/v1/auth/me";
  const LOGOUT_PATH = "/api/v1/auth/logout";
  const DUTY_PATH = "/api/v1/me/duty";
  const LOCATION_PATH = "/api/v1/me/location";
  const DISPATCHES_PATH = "/api/v1/me/dispatches";
  const STREAM_PATH = "/api/v1/me/stream";
  const WORKER_PATH = "/static/officer-sw.js";
  const CSRF_HEADER = "X-CSRF-Token";
  const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 10000;
  const PING_EVERY_MS = 15000;
  const SILENCE_LIMIT_MS = 40000; // no frame at all (not even a pong) for this long: the link is dead
  const CONNECT_LIMIT_MS = 15000; // a handshake that hangs this long is abandoned
  const LOCATION_EVERY_MS = 15000; // at most one location report per 15 s
  const FIX_FRESH_MS = 120000; // a fix older than this is not sent with a reply
  const SIREN_EVERY_MS = 2600;
  const VIBRATION = [700, 250, 700, 250, 700];
  const TOAST_MS = 6000;
  const TOAST_SHORT_MS = 2500;
  const HISTORY_SHOWN = 10;
  const URGENT_S = 15;
  const LANG_KEY = "sentinel.console.lang"; // shared with the login page and the console
  const DUTY_KEY = "sentinel.officer.on_duty.";
  const ACTIVE_STATES = new Set(["offered", "accepted", "en_route", "on_scene"]);
  const STATE_RANK = { offered: 0, accepted: 1, en_route: 2, on_scene: 3 };
  const NEXT_ACTION = { accepted: "en_route", en_route: "on_scene" };
  const STEPS = ["accepted", "en_route", "on_scene", "resolved"];
  const DISPOSITIONS = ["genuine", "false_alarm", "test", "malicious", "other"];
  const PRESS_KINDS = new Set(["panic", "duress"]);

  const STRINGS = {
    zh: {
      htmlLang: "zh-CN",
      docTitle: "民警 · Sentinel",
      alertDocTitle: "【新派警】Sentinel",
      banner_disconnected: "与中心连接中断，正在重连… 新派警可能无法送达",
      status_connecting: "连接中…",
      status_live: "实时",
      status_syncing: "同步中…",
      status_disconnected: "已断开",
      toggleText: "English",
      toggleLang: "en",
      toggleLabel: "Switch to English",
      logout: "退出登录",
      duty_off_title: "签到上岗",
      duty_off_sub: "未在岗 · 不会收到派警",
      duty_on_title: "在岗",
      duty_on_sub: "正在接收派警 · 点击签退",
      duty_pending: "正在提交…",
      sound_on: "提示音已开启",
      sound_locked: "点此开启提示音",
      sound_none: "不支持提示音",
      location_off: "位置未共享",
      location_waiting: "正在定位…",
      location_ok: (m) => "位置已共享\n±" + m + " 米",
      location_denied: "定位被拒绝",
      location_unavailable: "无法定位",
      location_insecure: "定位不可用",
      notify_granted: "通知已开启",
      notify_denied: "通知被拒绝",
      notify_default: "点此开启通知",
      note_setup: "点击『签到上岗』将同时开启派警提示音、通知和位置共享。",
      note_sound: "浏览器需要您点一下才能播放提示音：请点击『点此开启提示音』，否则新派警不会响铃。",
      note_location_denied:
        "未获得定位权限：值班台看不到您的位置，无法按距离派警。请在浏览器设置中允许本页面使用位置。",
      note_location_error: "暂时无法获取位置，请确认手机已开启定位服务。",
      note_insecure: "本页面未通过 HTTPS 打开，手机浏览器会禁止定位和通知。请联系管理员。",
      active_heading: "当前任务",
      history_heading: "最近任务",
      history_empty: "暂无记录",
      empty_waiting: "正在连接中心…",
      empty_on: "暂无派警。新派警会全屏提醒并响铃。",
      empty_off: "您未在岗，不会收到派警。请点击上方『签到上岗』。",
      alert_title: "新派警",
      alert_count: (i, n) => "第 " + i + " / " + n + " 条",
      accept_within: (s) => "请在 " + s + " 秒内接警",
      accept_overdue: "已超时，正在转派…",
      label_address: "地址",
      label_contact: "联系人",
      label_alarm: "报警",
      label_distance: "距离",
      label_rule: "派警依据",
      label_coords: "坐标",
      navigate: "导航前往现场",
      no_coordinates: "该单位未登记坐标",
      call: (who) => "致电 " + who,
      copy: "复制坐标",
      copied: "已复制坐标",
      snapshot_alt: "报警时的现场抓拍",
      presses: (n) => "按压 " + n + " 次",
      events: (n) => "事件 " + n + " 次",
      ago: (text) => text + "前",
      just_now: "刚刚",
      age: (d, h, m, s) =>
        d > 0 ? d + "天" + h + "小时" : h > 0 ? h + "小时" + pad(m) + "分" : m > 0 ? m + "分" + pad(s) + "秒" : s + "秒",
      distance_m: (m) => (m < 1000 ? "约 " + Math.round(m / 10) * 10 + " 米" : "约 " + (m / 1000).toFixed(1) + " 公里"),
      accept: "接警",
      decline: "拒绝",
      en_route: "出发前往现场",
      on_scene: "已到达现场",
      resolve: "处置完毕",
      sending: "正在提交…",
      sharing: "位置共享中：值班台可以看到您的位置",
      sharing_off: "位置未共享：值班台看不到您的位置",
      disposition_label: "处置结果",
      disposition_choose: "请选择…",
      resolve_note_label: "处置情况",
      resolve_note_placeholder: "简要说明现场情况和处置经过",
      resolve_missing: "请选择处置结果。",
      decline_title: "拒绝派警",
      decline_hint: "请说明原因，值班台将改派其他警员。",
      decline_reason: "原因",
      reason_busy: "正在处置其他警情",
      reason_far: "距离太远，无法及时到达",
      reason_vehicle: "车辆或装备故障",
      reason_other: "其他原因",
      decline_note_label: "补充说明（可选）",
      decline_missing: "请选择或填写拒绝原因。",
      decline_confirm: "确认拒绝",
      back: "返回",
      logout_title: "退出登录？",
      logout_hint: "您仍在岗。退出前将自动签退，之后不会再收到派警。",
      logout_confirm: "签退并退出",
      toast_withdrawn: "该任务已改派给其他警员",
      toast_timed_out: "未在时限内接警，已转派其他警员",
      toast_resolved: "警情已处置完毕，任务结束",
      toast_cancelled: "值班台已取消该警情",
      toast_completed: "该警情已结束",
      toast_declined: "已拒绝，值班台将改派",
      toast_gone: "有任务已结束或已改派",
      toast_conflict: "任务状态已变化，已刷新",
      toast_failed: "操作未成功，请重试",
      toast_network: "网络错误，请检查网络后重试",
      toast_duty_failed: "签到状态提交失败，请重试",
      toast_signed_on: "已签到上岗",
      toast_signed_off: "已签退",
      announce: (p, kind, site) => "新派警：" + p + " " + kind + "，" + site,
      notify_title: (p, kind) => "新派警 " + p + " " + kind,
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
        offered: "待接警",
        accepted: "已接警",
        en_route: "出警途中",
        on_scene: "已到场",
        completed: "已完成",
        declined: "已拒绝",
        timed_out: "超时未接",
        withdrawn: "已改派",
      },
      outcomes: {
        resolved: "已处置",
        cancelled: "已取消",
      },
      steps: {
        accepted: "接警",
        en_route: "出发",
        on_scene: "到场",
        resolved: "处置",
      },
      rules: {
        grid: "责任网格民警",
        nearest: "距离最近的在岗民警",
        supervisor: "无其他可用警员",
        manual: "值班台指派",
      },
      dispositions: {
        genuine: "真实警情",
        false_alarm: "误报",
        test: "测试",
        malicious: "恶意报警",
        other: "其他",
      },
    },
    en: {
      htmlLang: "en",
      docTitle: "Officer · Sentinel",
      alertDocTitle: "NEW DISPATCH · Sentinel",
      banner_disconnected: "Disconnected from hub — reconnecting… new dispatches may not arrive",
      status_connecting: "Connecting…",
      status_live: "Live",
      status_syncing: "Syncing…",
      status_disconnected: "Offline",
      toggleText: "中文",
      toggleLang: "zh-CN",
      toggleLabel: "切换为中文界面",
      logout: "Sign out",
      duty_off_title: "Sign on for duty",
      duty_off_sub: "Off duty · you get no dispatches",
      duty_on_title: "On duty",
      duty_on_sub: "Receiving dispatches · tap to sign off",
      duty_pending: "Saving…",
      sound_on: "Sound on",
      sound_locked: "Tap to enable sound",
      sound_none: "No alert sound",
      location_off: "Location not shared",
      location_waiting: "Locating…",
      location_ok: (m) => "Location shared\n±" + m + " m",
      location_denied: "Location denied",
      location_unavailable: "No location",
      location_insecure: "No location",
      notify_granted: "Notifications on",
      notify_denied: "Notifications blocked",
      notify_default: "Tap to allow alerts",
      note_setup: "Signing on also turns on the alert sound, notifications and location sharing.",
      note_sound: "The browser needs a tap before it may play sound: tap “Tap to enable sound”, or new dispatches stay silent.",
      note_location_denied:
        "Location permission denied: the desk cannot see where you are or send the nearest officer. Allow location for this page in the browser settings.",
      note_location_error: "Cannot get a location right now. Check that location services are on.",
      note_insecure: "This page is not served over HTTPS, so phones block location and notifications. Tell your administrator.",
      active_heading: "Active dispatches",
      history_heading: "Recent",
      history_empty: "Nothing yet",
      empty_waiting: "Connecting to the hub…",
      empty_on: "No dispatches. A new one takes over the screen with an alarm.",
      empty_off: "You are off duty and get no dispatches. Tap “Sign on for duty” above.",
      alert_title: "New dispatch",
      alert_count: (i, n) => i + " of " + n,
      accept_within: (s) => "Accept within " + s + " s",
      accept_overdue: "Time is up — passing it on…",
      label_address: "Address",
      label_contact: "Contact",
      label_alarm: "Alarm",
      label_distance: "Distance",
      label_rule: "Routing",
      label_coords: "GPS",
      navigate: "Navigate to the site",
      no_coordinates: "No coordinates on file for this site",
      call: (who) => "Call " + who,
      copy: "Copy coordinates",
      copied: "Coordinates copied",
      snapshot_alt: "Snapshot at the time of the alarm",
      presses: (n) => (n === 1 ? "1 press" : n + " presses"),
      events: (n) => (n === 1 ? "1 event" : n + " events"),
      ago: (text) => text + " ago",
      just_now: "just now",
      age: (d, h, m, s) =>
        d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + pad(m) + "m" : m > 0 ? m + "m " + pad(s) + "s" : s + "s",
      distance_m: (m) => (m < 1000 ? "about " + Math.round(m / 10) * 10 + " m" : "about " + (m / 1000).toFixed(1) + " km"),
      accept: "Accept",
      decline: "Decline",
      en_route: "En route",
      on_scene: "On scene",
      resolve: "Resolved",
      sending: "Sending…",
      sharing: "Sharing location: the desk can see where you are",
      sharing_off: "Location not shared: the desk cannot see you",
      disposition_label: "Outcome",
      disposition_choose: "Choose…",
      resolve_note_label: "What happened",
      resolve_note_placeholder: "A short account of the scene and what you did",
      resolve_missing: "Choose an outcome.",
      decline_title: "Decline dispatch",
      decline_hint: "Say why; the desk will send another officer.",
      decline_reason: "Reason",
      reason_busy: "Busy with another incident",
      reason_far: "Too far to arrive in time",
      reason_vehicle: "Vehicle or equipment problem",
      reason_other: "Other reason",
      decline_note_label: "Details (optional)",
      decline_missing: "Choose or write a reason.",
      decline_confirm: "Decline",
      back: "Back",
      logout_title: "Sign out?",
      logout_hint: "You are on duty. Signing out signs you off first; you will get no more dispatches.",
      logout_confirm: "Sign off and sign out",
      toast_withdrawn: "Reassigned to another officer",
      toast_timed_out: "Not accepted in time — passed to another officer",
      toast_resolved: "Incident resolved — dispatch closed",
      toast_cancelled: "The desk cancelled this incident",
      toast_completed: "This incident is closed",
      toast_declined: "Declined — the desk will send someone else",
      toast_gone: "A dispatch ended or was reassigned",
      toast_conflict: "The dispatch changed meanwhile — refreshed",
      toast_failed: "That did not work. Try again.",
      toast_network: "Network error. Check the connection and try again.",
      toast_duty_failed: "Could not save your duty status. Try again.",
      toast_signed_on: "Signed on for duty",
      toast_signed_off: "Signed off",
      announce: (p, kind, site) => "New dispatch: " + p + " " + kind + ", " + site,
      notify_title: (p, kind) => "New dispatch " + p + " " + kind,
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
        offered: "Offered",
        accepted: "Accepted",
        en_route: "En route",
        on_scene: "On scene",
        completed: "Completed",
        declined: "Declined",
        timed_out: "Timed out",
        withdrawn: "Reassigned",
      },
      outcomes: {
        resolved: "Resolved",
        cancelled: "Cancelled",
      },
      steps: {
        accepted: "Accepted",
        en_route: "En route",
        on_scene: "On scene",
        resolved: "Resolved",
      },
      rules: {
        grid: "Officer of the site's grid",
        nearest: "Nearest available officer",
        supervisor: "Nobody else available",
        manual: "Chosen by the duty desk",
      },
      dispositions: {
        genuine: "Genuine",
        false_alarm: "False alarm",
        test: "Test",
        malicious: "Malicious",
        other: "Other",
      },
    },
  };

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // ---- state ----------------------------------------------------------------------------------

  const active = new Map(); // dispatch id (string) → the dispatch as the hub last sent it
  const cards = new Map(); // dispatch id → card (DOM parts)
  const alerted = new Set(); // dispatch ids already announced (sound, vibration, notification)
  const pending = new Set(); // dispatch ids with a reply on its way
  let history = [];
  let lang = loadLang();
  let connection = "connecting"; // connecting | live | syncing | disconnected
  let loaded = false; // a snapshot has been applied at least once
  let session = null; // {user, auth, csrf_token} from /api/v1/auth/me
  let leaving = false; // on the way to the login page: stop reconnecting
  let serverOffsetMs = 0; // the hub's clock minus ours, when they differ noticeably

  let onDuty = false;
  let dutyPending = false;

  let socket = null;
  let generation = 0; // events of an abandoned socket are ignored
  let attempt = 0;
  let reconnectTimer = null;
  let connectStartedAt = 0;
  let lastFrameAt = 0;
  let lastPingAt = 0;

  const AudioCtor = window.AudioContext || window.webkitAudioContext || null;
  let audioCtx = null;
  let alarmTimer = null;
  let voices = [];
  let worker = null; // the service worker registration that shows notifications on phones
  const plainNotifications = new Map();
  let wakeLock = null;

  let geoState = "off"; // off | waiting | ok | denied | unavailable | insecure | error
  let watchId = null;
  let fix = null; // {lat, lon, accuracy, at}
  let lastSentAt = 0;
  let lastSentFix = null;
  let locationTimer = null;

  let declineFor = null;
  let historyTimer = null;
  let svgNs = null;

  const el = {};

  // ---- language -------------------------------------------------------------------------------

  function loadLang() {
    const asked = new URLSearchParams(window.location.search).get("lang");
    if (asked === "en" || asked === "zh") return asked;
    try {
      return window.localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
    } catch (e) {
      return "zh";
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      // storage disabled: the choice lasts for this page only
    }
  }

  function stored(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
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
    el.logout.setAttribute("aria-label", s.logout);
    el.logout.title = s.logout;
    renderAll();
  }

  // ---- formatting -----------------------------------------------------------------------------

  function now() {
    return Date.now() + serverOffsetMs;
  }

  function timeMs(value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 0 : ms;
  }

  function kindText(kind) {
    return t().kinds[kind] || String(kind == null ? "" : kind);
  }

  function stateText(state) {
    return t().states[state] || String(state == null ? "" : state);
  }

  function priorityOf(d) {
    const p = Number(d.priority);
    return p >= 1 && p <= 4 ? Math.floor(p) : 0;
  }

  function priorityText(d) {
    const p = priorityOf(d);
    return p ? "P" + p : "P?";
  }

  function siteOf(d) {
    return d.site && typeof d.site === "object" ? d.site : {};
  }

  function siteName(d) {
    const site = siteOf(d);
    const zh = String(site.name || d.site_id || "");
    return lang === "en" ? String(site.name_en || zh) : zh;
  }

  function siteAltName(d) {
    const site = siteOf(d);
    const other = lang === "en" ? site.name : site.name_en;
    return other && other !== siteName(d) ? String(other) : "";
  }

  function countText(d) {
    const n = Number(d.event_count) || 0;
    return PRESS_KINDS.has(d.kind) ? t().presses(n) : t().events(n);
  }

  function ageText(ms, at) {
    if (!ms) return "—";
    let total = Math.max(0, Math.floor((at - ms) / 1000));
    const d = Math.floor(total / 86400);
    total -= d * 86400;
    const h = Math.floor(total / 3600);
    total -= h * 3600;
    const m = Math.floor(total / 60);
    const s = total - m * 60;
    if (d + h + m === 0 && s < 5) return t().just_now;
    return t().ago(t().age(d, h, m, s));
  }

  function whenText(ms) {
    if (!ms) return "—";
    const d = new Date(ms);
    const today = new Date();
    const time = pad(d.getHours()) + ":" + pad(d.getMinutes());
    const sameDay =
      d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
    return sameDay ? time : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
  }

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

  function distanceM(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function round6(x) {
    return Math.round(x * 1e6) / 1e6;
  }

  // ---- small DOM helpers ------------------------------------------------------------------------

  function h(tag, className, attributes) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    Object.keys(attributes || {}).forEach((name) => node.setAttribute(name, attributes[name]));
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(svgNs, "use");
    use.setAttribute("href", "#i-" + name);
    svg.appendChild(use);
    return svg;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // ---- the dispatch card ----------------------------------------------------------------------

  function fact(list, testid) {
    const row = h("div", "fact", { "data-testid": testid });
    const dt = h("dt");
    const dd = h("dd");
    row.appendChild(dt);
    row.appendChild(dd);
    list.appendChild(row);
    return { row: row, dt: dt, dd: dd };
  }

  function createCard(id) {
    const c = { id: id, state: null };
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

    c.snapshot = h("figure", "snapshot", { "data-testid": "snapshot" });
    c.snapshot.hidden = true;
    c.snapshotImg = h("img", "", { decoding: "async" });
    c.snapshotImg.addEventListener("error", () => {
      c.snapshot.hidden = true;
      c.snapshotFailed = c.snapshotImg.getAttribute("src");
    });
    c.snapshot.appendChild(c.snapshotImg);
    body.appendChild(c.snapshot);

    c.nav = h("a", "btn btn-nav", { "data-testid": "navigate" });
    c.nav.appendChild(icon("navigate"));
    c.navText = h("span");
    c.nav.appendChild(c.navText);
    body.appendChild(c.nav);


    c.coords = h("div", "coords");
    c.coordsLabel = h("span", "coords-label");
    c.coordsLink = h("a", "coords-link", { "data-testid": "coords" });
    c.copy = h("button", "icon-button copy", { type: "button", "data-testid": "copy-coords" });
    c.copy.appendChild(icon("copy"));
    c.copy.addEventListener("click", () => copyCoordinates(c));
    c.coords.appendChild(c.coordsLabel);
    c.coords.appendChild(c.coordsLink);
    c.coords.appendChild(c.copy);
    c.noCoords = h("p", "no-coords");
    body.appendChild(c.coords);
    body.appendChild(c.noCoords);

    c.call = h("a", "btn btn-call", { "data-testid": "contact-call" });
    c.call.appendChild(icon("phone"));
    c.callText = h("span");
    c.call.appendChild(c.callText);
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

    c.sharing = h("p", "sharing", { "data-testid": "sharing-location" });
    c.sharing.appendChild(icon("gps"));
    c.sharingText = h("span");
    c.sharing.appendChild(c.sharingText);
    body.appendChild(c.sharing);

    // What the officer can do now: one set of controls per state, all built once so that a note
    // being typed survives every update and language switch.
    c.actions = h("div", "actions");
    c.offered = h("div", "actions-offered");
    c.accept = h("button", "btn btn-accept", { type: "button", "data-testid": "accept" });
    c.accept.addEventListener("click", () => reply(id, "accept"));
    c.decline = h("button", "btn btn-decline", { type: "button", "data-testid": "decline" });
    c.decline.addEventListener("click", () => openDecline(id));
    c.offered.appendChild(c.accept);
    c.offered.appendChild(c.decline);
    c.next = h("button", "btn btn-primary btn-next", { type: "button" });
    c.next.addEventListener("click", () => {
      const d = active.get(id);
      if (d && NEXT_ACTION[d.state]) reply(id, NEXT_ACTION[d.state]);
    });
    c.resolveForm = createResolveForm(c, id);
    c.error = h("p", "card-error", { role: "alert" });
    c.error.hidden = true;
    c.actions.appendChild(c.offered);
    c.actions.appendChild(c.next);
    c.actions.appendChild(c.resolveForm);
    c.actions.appendChild(c.error);
    c.root.appendChild(c.actions);
    return c;
  }

  function createResolveForm(c, id) {
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
      reply(id, "resolved", { disposition: c.disposition.value, note: c.note.value.trim() });
    });
    return form;
  }

  function showCardError(c, key) {
    c.errorKey = key;
    c.error.hidden = !key;
    c.error.textContent = key ? t()[key] : "";
  }

  function fillCard(c, d, at, index, offeredCount) {
    const s = t();
    const state = String(d.state || "");
    const p = priorityOf(d);
    const busy = pending.has(c.id);
    c.root.setAttribute("data-state", state);
    c.root.setAttribute("data-priority", String(p || ""));
    c.root.setAttribute("data-incident-id", String(d.incident_id == null ? "" : d.incident_id));
    c.root.classList.toggle("busy", busy);

    const offered = state === "offered";
    c.alertHead.hidden = !offered;
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
    c.siteAlt.setAttribute("lang", lang === "en" ? "zh-CN" : "en");

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
    c.sharing.setAttribute("data-state", geoState === "ok" ? "on" : "off");
    setText(c.sharingText, geoState === "ok" ? s.sharing : s.sharing_off);

    // Controls for this state; focus moves along as the officer goes through the steps.
    c.offered.hidden = !offered;
    setText(c.accept, busy && offered ? s.sending : s.accept);
    setText(c.decline, s.decline);
    c.accept.disabled = busy;
    c.decline.disabled = busy;
    const next = NEXT_ACTION[state];
    c.next.hidden = !next;
    if (next) {
      c.next.setAttribute("data-testid", next === "en_route" ? "en-route" : "on-scene");
      setText(c.next, busy ? s.sending : s[next]);
      c.next.disabled = busy;
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

  function fillCountdown(c, d, at) {
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

  function copyCoordinates(c) {
    const text = c.coordsLink.textContent;
    if (!navigator.clipboard) return;
    navigator.clipboard.writeText(text).then(
      () => toast(t().copied, TOAST_SHORT_MS),
      () => {}
    );
  }

  // ---- the screen -----------------------------------------------------------------------------

  function compareDispatches(a, b) {
    const offeredA = a.state === "offered" ? 0 : 1;
    const offeredB = b.state === "offered" ? 0 : 1;
    if (offeredA !== offeredB) return offeredA - offeredB;
    if (offeredA === 0) return timeMs(a.accept_by) - timeMs(b.accept_by);
    const pa = priorityOf(a) || 9;
    const pb = priorityOf(b) || 9;
    if (pa !== pb) return pa - pb;
    return timeMs(b.offered_at) - timeMs(a.offered_at);
  }

  function render() {
    const at = now();
    const ordered = Array.from(active.values()).sort(compareDispatches);
    const offered = ordered.filter((d) => d.state === "offered");
    const seen = new Set();
    const placed = { alert: [], list: [] };
    const accepted = [];
    ordered.forEach((d) => {
      const id = String(d.id);
      seen.add(id);
      let c = cards.get(id);
      if (!c) {
        c = createCard(id);
        cards.set(id, c);
      }
      const isOffered = d.state === "offered";
      fillCard(c, d, at, isOffered ? offered.indexOf(d) : 0, offered.length);
      if (!isOffered && c.root.parentNode === el.alertCards) accepted.push(c);
      placed[isOffered ? "alert" : "list"].push(c.root);
    });
    cards.forEach((c, id) => {
      if (!seen.has(id)) {
        c.root.remove();
        cards.delete(id);
      }
    });
    // Move a card only when it is out of place: moving a node takes the focus from a note being typed.
    [
      [el.alertCards, placed.alert],
      [el.activeList, placed.list],
    ].forEach(([home, roots]) => {
      roots.forEach((root, i) => {
        if (home.children[i] !== root) home.insertBefore(root, home.children[i] || null);
      });
    });

    const alerting = offered.length > 0;
    const wasAlerting = !el.alertLayer.hidden;
    el.alertLayer.hidden = !alerting;
    document.body.classList.toggle("alerting", alerting);
    if (alerting && !wasAlerting) el.alertLayer.scrollTop = 0;

    const others = ordered.length - offered.length;
    el.activeEmpty.hidden = others > 0;
    const emptyKey = !loaded ? "empty_waiting" : onDuty ? "empty_on" : "empty_off";
    setText(el.activeEmpty, t()[emptyKey]);
    el.activeEmpty.setAttribute("data-state", emptyKey);

    offered.forEach((d) => {
      const id = String(d.id);
      if (!alerted.has(id)) {
        alerted.add(id);
        el.toasts.textContent = "";
        announce(d);
        notify(d);
      }
    });
    // Quiet while the officer is answering (a reply on its way, or the decline reason being written).
    updateAlarm(offered.some((d) => !pending.has(String(d.id)) && declineFor !== String(d.id)));
    holdWakeLock(ordered.length > 0);
    syncLocation();
    document.title = alerting ? t().alertDocTitle : t().docTitle;
    // Just accepted: the card is now in the list; show it from the top.
    accepted.forEach((c) => c.root.scrollIntoView({ block: "start" }));
  }

  function renderAll() {
    renderUser();
    renderDuty();
    renderConnection();
    renderChips();
    render();
    renderHistory();
  }

  function tick() {
    const at = now();
    active.forEach((d, id) => {
      const c = cards.get(id);
      if (!c) return;
      setText(c.alarmAge, ageText(timeMs(d.incident_created_at), at));
      if (d.state === "offered") fillCountdown(c, d, at);
    });
    watchdog(Date.now());
  }

  function toast(text, ms) {
    const node = h("div", "toast", { "data-testid": "toast" });
    node.textContent = text;
    el.toasts.appendChild(node);
    while (el.toasts.children.length > 3) el.toasts.firstChild.remove();
    window.setTimeout(() => node.remove(), ms || TOAST_MS);
  }

  function announce(d) {
    el.announcer.textContent = t().announce(priorityText(d), kindText(d.kind), siteName(d));
  }

  // ---- dispatches -----------------------------------------------------------------------------

  function isActive(d) {
    return d && d.id != null && ACTIVE_STATES.has(d.state);
  }

  function goneText(d) {
    const s = t();
    switch (d.state) {
      case "withdrawn":
        return s.toast_withdrawn;
      case "timed_out":
        return s.toast_timed_out;
      case "declined":
        return s.toast_declined;
      case "completed":
        if (d.incident_state === "resolved") return s.toast_resolved;
        if (d.incident_state === "cancelled") return s.toast_cancelled;
        return s.toast_completed;
      default:
        return s.toast_gone;
    }
  }

  function forget(id) {
    alerted.delete(id);
    pending.delete(id);
    closeNotification(id);
    if (declineFor === id) closeDecline();
  }

  function replaceActive(list, sayWhatWentAway) {
    const before = new Set(active.keys());
    active.clear();
    (Array.isArray(list) ? list : []).forEach((d) => {
      if (isActive(d)) active.set(String(d.id), d);
    });
    let gone = 0;
    before.forEach((id) => {
      if (!active.has(id)) {
        gone += 1;
        forget(id);
      }
    });
    if (gone && sayWhatWentAway) toast(t().toast_gone);
    render();
    if (gone) loadHistory();
  }

  function applyDispatch(d) {
    if (!d || d.id == null) return;
    const id = String(d.id);
    const current = active.get(id);
    if (isActive(d)) {
      // Answers and stream frames may cross: a dispatch never moves backwards.
      if (current && STATE_RANK[d.state] < STATE_RANK[current.state]) return;
      active.set(id, d);
      render();
      return;
    }
    if (current) {
      active.delete(id);
      forget(id);
      toast(goneText(d));
      render();
    }
    loadHistory();
  }

  function refreshActive() {
    return api(DISPATCHES_PATH)
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && Array.isArray(data.dispatches)) replaceActive(data.dispatches, true);
      })
      .catch(() => {});
  }

  function reply(id, action, extra) {
    if (pending.has(id)) return;
    const body = Object.assign({ action: action }, extra || {});
    if (fix && Date.now() - fix.at < FIX_FRESH_MS) {
      body.lat = round6(fix.lat);
      body.lon = round6(fix.lon);
    }
    unlockAudio(false);
    pending.add(id);
    render();
    api(DISPATCHES_PATH + "/" + encodeURIComponent(id) + "/reply", { method: "POST", body: body })
      .then((response) =>
        response
          .json()
          .catch(() => null)
          .then((data) => {
            pending.delete(id);
            if (response.ok) {
              if (data && data.dispatch) applyDispatch(data.dispatch);
              else render();
              return;
            }
            render();
            if ([403, 404, 409].indexOf(response.status) !== -1) {
              toast(t().toast_conflict);
              refreshActive();
            } else {
              toast(t().toast_failed);
            }
          })
      )
      .catch(() => {
        if (leaving) return;
        pending.delete(id);
        render();
        toast(t().toast_network);
      });
  }

  // ---- decline --------------------------------------------------------------------------------

  function openDecline(id) {
    declineFor = id;
    el.declineForm.reset();
    el.declineError.hidden = true;
    el.declineSheet.hidden = false;
    const first = el.declineForm.querySelector("input[name=reason]");
    if (first) first.focus();
    render();
  }

  function closeDecline() {
    if (declineFor === null) return;
    declineFor = null;
    el.declineSheet.hidden = true;
    render();
  }

  function confirmDecline(event) {
    event.preventDefault();
    const id = declineFor;
    if (!id) return;
    const checked = el.declineForm.querySelector("input[name=reason]:checked");
    const reason = checked ? t()["reason_" + checked.value] || "" : "";
    const detail = el.declineNote.value.trim();
    if (!reason && !detail) {
      el.declineError.hidden = false;
      return;
    }
    const note = reason && detail ? reason + " — " + detail : reason || detail;
    reply(id, "decline", { note: note }); // first: the alarm stays quiet while the answer travels
    closeDecline();
  }

  // ---- history --------------------------------------------------------------------------------

  function loadHistory() {
    window.clearTimeout(historyTimer);
    historyTimer = window.setTimeout(() => {
      api(DISPATCHES_PATH + "?all=1")
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data || !Array.isArray(data.dispatches)) return;
          history = data.dispatches.filter((d) => d && !ACTIVE_STATES.has(d.state)).slice(0, HISTORY_SHOWN);
          renderHistory();
        })
        .catch(() => {});
    }, 250);
  }

  function renderHistory() {
    const s = t();
    el.historyList.textContent = "";
    history.forEach((d) => {
      const li = h("li", "history-item", { "data-testid": "history-item", "data-state": String(d.state || "") });
      const when = h("span", "history-when");
      when.textContent = whenText(timeMs(d.offered_at));
      const what = h("span", "history-what");
      const name = h("span", "history-site");
      name.textContent = siteName(d);
      const kind = h("span", "history-kind");
      kind.textContent = priorityText(d) + " · " + kindText(d.kind);
      what.appendChild(name);
      what.appendChild(kind);
      const outcome = h("span", "history-outcome");
      outcome.setAttribute("data-state", String(d.state || ""));
      outcome.textContent =
        d.state === "completed" && s.outcomes[d.incident_state] ? s.outcomes[d.incident_state] : stateText(d.state);
      li.appendChild(when);
      li.appendChild(what);
      li.appendChild(outcome);
      el.historyList.appendChild(li);
    });
    el.historyEmpty.hidden = history.length > 0;
  }

  // ---- sound, vibration, notification, screen ---------------------------------------------------

  function audioState() {
    if (!AudioCtor) return "none";
    return audioCtx && audioCtx.state === "running" ? "on" : "locked";
  }

  // Called from taps only: browsers start audio from a user gesture. `confirm` plays a short chirp so
  // that the officer hears that the phone will sound.
  function unlockAudio(confirm) {
    if (!AudioCtor) return;
    try {
      if (!audioCtx) {
        audioCtx = new AudioCtor();
        audioCtx.onstatechange = () => {
          renderChips();
          if (audioCtx.state === "running" && alarmTimer) siren();
        };
      }
      if (audioCtx.state !== "running") {
        const resumed = audioCtx.resume();
        if (resumed && resumed.then) {
          resumed.then(() => {
            renderChips();
            if (confirm && !alarmTimer) chirp();
          }, () => {});
        }
      } else if (confirm && !alarmTimer) {
        chirp();
      }
    } catch (e) {
      // no audio on this device: the chip says so
    }
    renderChips();
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

  function updateAlarm(on) {
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

  function notificationState() {
    if (!("Notification" in window)) return "none";
    return Notification.permission; // granted | denied | default
  }

  function askNotifications() {
    if (notificationState() !== "default") return;
    try {
      const asked = Notification.requestPermission(() => renderChips());
      if (asked && asked.then) asked.then(() => renderChips(), () => {});
    } catch (e) {
      // an old browser
    }
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker
      .register(WORKER_PATH)
      .then((registration) => {
        worker = registration;
      })
      .catch(() => {});
  }

  function notify(d) {
    if (notificationState() !== "granted") return;
    const s = t();
    const id = String(d.id);
    const site = siteOf(d);
    const title = s.notify_title(priorityText(d), kindText(d.kind));
    const options = {
      body: siteName(d) + (site.address ? "\n" + site.address : ""),
      tag: "sentinel-dispatch-" + id,
      renotify: true,
      requireInteraction: true,
      lang: s.htmlLang,
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

  function closeNotification(id) {
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
  function holdWakeLock(want) {
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

  // ---- location -------------------------------------------------------------------------------

  // The location is watched while on duty, and while a dispatch is open even after signing off.
  function wantLocation() {
    return onDuty || active.size > 0;
  }

  function syncLocation() {
    if (wantLocation()) startLocation();
    else if (geoState !== "off") stopLocation();
  }

  // A refusal sticks until the officer asks again (the sign-on tap): no prompt loop.
  function startLocation(retry) {
    if (watchId !== null) return;
    if (!retry && (geoState === "denied" || geoState === "insecure" || geoState === "unavailable")) return;
    if (!window.isSecureContext) {
      geoState = "insecure";
    } else if (!("geolocation" in navigator)) {
      geoState = "unavailable";
    } else {
      geoState = fix ? "ok" : "waiting";
      try {
        watchId = navigator.geolocation.watchPosition(onFix, onFixError, {
          enableHighAccuracy: true,
          maximumAge: 10000,
          timeout: 30000,
        });
      } catch (e) {
        geoState = "unavailable";
      }
    }
    renderChips();
  }

  function stopLocation() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    window.clearTimeout(locationTimer);
    locationTimer = null;
    geoState = "off";
    renderChips();
  }

  function onFix(position) {
    const c = position.coords;
    fix = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, at: Date.now() };
    const changed = geoState !== "ok";
    geoState = "ok";
    sendLocation();
    renderChips();
    if (changed || active.size) render();
  }

  function onFixError(error) {
    if (error && error.code === 1) {
      geoState = "denied";
      if (watchId !== null) navigator.geolocation.clearWatch(watchId);
      watchId = null;
    } else if (!fix || Date.now() - fix.at > FIX_FRESH_MS) {
      geoState = "error";
    }
    renderChips();
    render();
  }

  // At most one report per LOCATION_EVERY_MS; the latest fix is sent when the interval is over.
  function sendLocation() {
    if (!wantLocation() || !fix || locationTimer) return;
    const wait = lastSentAt + LOCATION_EVERY_MS - Date.now();
    if (wait > 0) {
      locationTimer = window.setTimeout(() => {
        locationTimer = null;
        sendLocation();
      }, wait);
      return;
    }
    if (fix === lastSentFix) return;
    const sent = fix;
    lastSentAt = Date.now();
    lastSentFix = sent;
    api(LOCATION_PATH, { method: "POST", body: { lat: round6(sent.lat), lon: round6(sent.lon) } })
      .then((response) => {
        if (!response.ok && lastSentFix === sent) lastSentFix = null;
      })
      .catch(() => {
        if (lastSentFix === sent) lastSentFix = null;
      });
  }

  // ---- duty -----------------------------------------------------------------------------------

  function dutyKey() {
    const user = session && session.user;
    return DUTY_KEY + String((user && (user.officer_id || user.username)) || "");
  }

  function toggleDuty() {
    if (dutyPending) return;
    const want = !onDuty;
    if (want) {
      // This tap is the user gesture browsers want before sound and permission prompts.
      unlockAudio(true);
      askNotifications();
    }
    setDuty(want, false);
  }

  function setDuty(want, quiet) {
    dutyPending = true;
    renderDuty();
    if (want) startLocation(true); // the permission prompt, from this tap
    return api(DUTY_PATH, { method: "POST", body: { on_duty: want } })
      .then((response) => {
        dutyPending = false;
        if (!response.ok) throw new Error("duty " + response.status);
        onDuty = want;
        store(dutyKey(), want ? "1" : "0");
        if (want) {
          lastSentFix = null;
          sendLocation();
        }
        syncLocation();
        if (!quiet) toast(want ? t().toast_signed_on : t().toast_signed_off, TOAST_SHORT_MS);
        renderAll();
        return true;
      })
      .catch(() => {
        dutyPending = false;
        if (leaving) return false;
        syncLocation();
        toast(t().toast_duty_failed);
        renderAll();
        return false;
      });
  }

  function renderDuty() {
    const s = t();
    const state = dutyPending ? "pending" : onDuty ? "on" : "off";
    el.duty.setAttribute("data-state", state);
    el.duty.setAttribute("aria-checked", onDuty ? "true" : "false");
    el.duty.disabled = dutyPending || !session;
    const titleKey = onDuty ? "duty_on_title" : "duty_off_title";
    const subKey = dutyPending ? "duty_pending" : onDuty ? "duty_on_sub" : "duty_off_sub";
    el.dutyTitle.setAttribute("data-i18n", titleKey);
    el.dutySub.setAttribute("data-i18n", subKey);
    setText(el.dutyTitle, s[titleKey]);
    setText(el.dutySub, s[subKey]);
  }

  function renderChips() {
    const s = t();
    const sound = audioState();
    el.soundChip.setAttribute("data-state", sound);
    el.soundChipIcon.setAttribute("href", sound === "on" ? "#i-sound" : "#i-mute");
    setText(el.soundChipLabel, sound === "on" ? s.sound_on : sound === "none" ? s.sound_none : s.sound_locked);
    el.soundChip.disabled = sound !== "locked";

    el.locationChip.setAttribute("data-state", geoState);
    const accuracy = fix ? Math.max(1, Math.round(fix.accuracy || 0)) : 0;
    const geoText = {
      off: s.location_off,
      waiting: s.location_waiting,
      ok: s.location_ok(accuracy),
      denied: s.location_denied,
      unavailable: s.location_unavailable,
      insecure: s.location_insecure,
      error: s.location_unavailable,
    }[geoState];
    setText(el.locationChipLabel, geoText);

    const notification = notificationState();
    el.notifyChip.hidden = notification === "none";
    el.notifyChip.setAttribute("data-state", notification);
    el.notifyChip.disabled = notification !== "default";
    setText(
      el.notifyChipLabel,
      notification === "granted" ? s.notify_granted : notification === "denied" ? s.notify_denied : s.notify_default
    );

    const notes = [];
    if (!window.isSecureContext) notes.push("note_insecure");
    if (geoState === "denied") notes.push("note_location_denied");
    else if (geoState === "error") notes.push("note_location_error");
    if (onDuty && sound === "locked") notes.push("note_sound");
    if (!onDuty && !dutyPending) notes.push("note_setup");
    el.setupNote.textContent = "";
    notes.forEach((key) => {
      const p = h("p", key === "note_setup" ? "note-line note-hint" : "note-line", { "data-note": key });
      p.textContent = s[key];
      el.setupNote.appendChild(p);
    });
    el.setupNote.hidden = notes.length === 0;
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

  // Who is signed in (and the hub's clock, for honest countdowns); a 401 leads to the login page.
  function loadSession() {
    return api(ME_PATH)
      .then((response) => {
        const date = Date.parse(response.headers.get("Date") || "");
        if (!Number.isNaN(date)) {
          const offset = date - Date.now();
          serverOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
        }
        return response.ok ? response.json() : null;
      })
      .then((data) => {
        if (data && data.user) {
          session = data;
          renderUser();
          renderDuty();
        }
      })
      .catch(() => {});
  }

  function renderUser() {
    const user = session && session.user;
    setText(el.officerName, user ? String(user.display_name || user.username || "") : "");
    el.officerName.title = user ? String(user.officer_id || user.username || "") : "";
    el.logout.hidden = !session || session.auth !== "session";
  }

  function logout() {
    if (onDuty) {
      el.logoutSheet.hidden = false;
      el.logoutConfirm.focus();
      return;
    }
    signOut();
  }

  function signOut() {
    el.logoutSheet.hidden = true;
    const off = onDuty ? setDuty(false, true) : Promise.resolve(true);
    off
      .then(() => api(LOGOUT_PATH, { method: "POST" }))
      .catch(() => {})
      .then(() => {
        leaving = true;
        updateAlarm(false);
        abandon();
        window.location.replace("/login?next=" + encodeURIComponent("/officer"));
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
    el.main.classList.toggle("stale", connection !== "live");
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
      case "snapshot": {
        attempt = 0;
        const wasLoaded = loaded;
        loaded = true;
        connection = "live";
        renderConnection();
        replaceActive(message.dispatches, wasLoaded);
        loadHistory();
        break;
      }
      case "dispatch":
        if (loaded) applyDispatch(message.dispatch);
        break;
      case "resync":
        resync();
        break;
      default:
        break; // pong
    }
  }

  function watchdog(at) {
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING && at - connectStartedAt > CONNECT_LIMIT_MS) {
      lost();
    } else if (socket.readyState === WebSocket.OPEN) {
      if (at - lastFrameAt > SILENCE_LIMIT_MS) {
        lost();
        return;
      }
      if (at - lastPingAt >= PING_EVERY_MS) {
        lastPingAt = at;
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
    const ids = {
      banner: "disconnected-banner",
      status: "connection-status",
      statusLabel: "connection-label",
      officerName: "officer-name",
      toggle: "lang-toggle",
      logout: "logout",
      duty: "duty-toggle",
      dutyTitle: "duty-title",
      dutySub: "duty-sub",
      soundChip: "sound-chip",
      soundChipIcon: "sound-chip-icon",
      soundChipLabel: "sound-chip-label",
      locationChip: "location-chip",
      locationChipLabel: "location-chip-label",
      notifyChip: "notify-chip",
      notifyChipLabel: "notify-chip-label",
      setupNote: "setup-note",
      activeList: "active-list",
      activeEmpty: "active-empty",
      historyList: "history-list",
      historyEmpty: "history-empty",
      alertLayer: "alert-layer",
      alertCards: "alert-cards",
      declineSheet: "decline-sheet",
      declineForm: "decline-form",
      declineNote: "decline-note",
      declineError: "decline-error",
      declineCancel: "decline-cancel",
      logoutSheet: "logout-sheet",
      logoutCancel: "logout-cancel",
      logoutConfirm: "logout-confirm",
      toasts: "toasts",
      announcer: "announcer",
      sprite: "sprite",
    };
    Object.keys(ids).forEach((key) => {
      el[key] = document.getElementById(ids[key]);
    });
    el.main = document.querySelector("main");
    svgNs = el.sprite.namespaceURI;

    el.toggle.addEventListener("click", () => {
      lang = lang === "en" ? "zh" : "en";
      store(LANG_KEY, lang);
      applyLang();
    });
    el.logout.addEventListener("click", logout);
    el.logoutCancel.addEventListener("click", () => {
      el.logoutSheet.hidden = true;
    });
    el.logoutConfirm.addEventListener("click", signOut);
    el.duty.addEventListener("click", toggleDuty);
    el.soundChip.addEventListener("click", () => unlockAudio(true));
    el.notifyChip.addEventListener("click", askNotifications);
    el.declineForm.addEventListener("submit", confirmDecline);
    el.declineCancel.addEventListener("click", closeDecline);
    el.declineForm.addEventListener("change", () => {
      el.declineError.hidden = true;
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      if (!el.declineSheet.hidden) closeDecline();
      el.logoutSheet.hidden = true;
    });
    // Any tap may unlock the sound (the officer may never touch the sign-on switch after a reload).
    document.addEventListener("pointerdown", () => {
      if (audioState() === "locked") unlockAudio(false);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        holdWakeLock(active.size > 0);
        renderChips();
      }
    });

    applyLang();
    tick();
    window.setInterval(tick, 1000);
    registerWorker();
    loadSession().then(() => {
      // Signed on before this page was (re)loaded: say so to the hub again, and share the location.
      if (session && stored(dutyKey()) === "1") {
        onDuty = true;
        setDuty(true, true);
      }
      renderAll();
      connect();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
