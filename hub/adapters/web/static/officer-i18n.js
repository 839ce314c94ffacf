// The officer app's words in Mandarin (zh-CN, the default) and English, and how it writes times,
// counts and names. The choice is remembered in localStorage, shared with the login page and console.

import { dhms, languages, pad, sameDay, store, stored } from "./i18n-core.js";
import { INCIDENT_KINDS } from "./i18n-kinds.js";

export { store, stored };

const PRESS_KINDS = new Set(["panic", "duress"]);

const STRINGS = {
  zh: {
    htmlLang: "zh-CN",
    docTitle: "民警 · Sentinel",
    alertDocTitle: "【新派警】Sentinel",
    banner_disconnected: "与中心连接中断，正在重连… 新派警可能无法送达",
    health_database: (since) => "中心数据库不可用（自 " + since + " 起），报警正在排队，派警可能延迟",
    health_broker: (since) => "中心与消息服务器的连接中断（自 " + since + " 起），报警将延迟送达",
    health_change_feed: (since) => "实时更新中断（自 " + since + " 起），派警可能延迟",
    health_routine_process: (since) => "中心设备状态处理中断（自 " + since + " 起），设备状态可能不是最新",
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
    note_notify_denied: "通知被拒绝：切到其他应用或锁屏时不会弹出派警通知。请在浏览器设置中允许本页面发送通知。",
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
    warn_on_site: "现场喊话",
    steps_title: "我的处置步骤",
    warn_sent: "喊话已发送到现场广播",
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
    toast_no_answer: "中心未答复：正在核对任务状态",
    toast_duty_failed: "签到状态提交失败，请重试",
    toast_signed_on: "已签到上岗",
    toast_signed_off: "已签退",
    announce: (p, kind, site) => "新派警：" + p + " " + kind + "，" + site,
    notify_title: (p, kind) => "新派警 " + p + " " + kind,
    kinds: INCIDENT_KINDS.zh,
    kind_other: "其他警情",
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
      deterred: "喊话劝离",
      other: "其他",
    },
  },
  en: {
    htmlLang: "en",
    docTitle: "Officer · Sentinel",
    alertDocTitle: "NEW DISPATCH · Sentinel",
    banner_disconnected: "Disconnected from hub — reconnecting… new dispatches may not arrive",
    health_database: (since) => "Hub database unavailable since " + since + " — alarms are being queued, dispatches may be late",
    health_broker: (since) => "Hub's link to the message broker down since " + since + " — alarms are delayed",
    health_change_feed: (since) => "Live updates interrupted since " + since + " — dispatches may be late",
    health_routine_process: (since) => "Hub's device status processing stopped since " + since + " — device status may be out of date",
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
    note_notify_denied:
      "Notifications blocked: no dispatch pops up while you are in another app or the screen is locked. Allow notifications for this page in the browser settings.",
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
    warn_on_site: "Warn on site (loudspeaker)",
    steps_title: "Your response steps",
    warn_sent: "Warning sent to the site's loudspeakers",
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
    toast_no_answer: "No answer from the hub: checking the dispatch again",
    toast_duty_failed: "Could not save your duty status. Try again.",
    toast_signed_on: "Signed on for duty",
    toast_signed_off: "Signed off",
    announce: (p, kind, site) => "New dispatch: " + p + " " + kind + ", " + site,
    notify_title: (p, kind) => "New dispatch " + p + " " + kind,
    kinds: INCIDENT_KINDS.en,
    kind_other: "Other incident",
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
      deterred: "Deterred by warning",
      other: "Other",
    },
  },
};


const language = languages(STRINGS, false);
export const { t, lang: currentLang, toggle: switchLang } = language;

export function timeMs(value) {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

export function kindText(kind) {
  return t().kinds[kind] || t().kind_other; // a kind this app does not know is never shown as a code
}

export function stateText(state) {
  return t().states[state] || String(state == null ? "" : state);
}

export function priorityOf(d) {
  const p = Number(d.priority);
  return p >= 1 && p <= 4 ? Math.floor(p) : 0;
}

export function priorityText(d) {
  const p = priorityOf(d);
  return p ? "P" + p : "P?";
}

export function siteOf(d) {
  return d.site && typeof d.site === "object" ? d.site : {};
}

export function siteName(d) {
  const site = siteOf(d);
  const zh = String(site.name || d.site_id || "");
  return currentLang() === "en" ? String(site.name_en || zh) : zh;
}

export function siteAltName(d) {
  const site = siteOf(d);
  const other = currentLang() === "en" ? site.name : site.name_en;
  return other && other !== siteName(d) ? String(other) : "";
}

export function countText(d) {
  const n = Number(d.event_count) || 0;
  return PRESS_KINDS.has(d.kind) ? t().presses(n) : t().events(n);
}

export function ageText(ms, at) {
  if (!ms) return "—";
  const [d, h, m, s] = dhms(Math.max(0, Math.floor((at - ms) / 1000)));
  if (d + h + m === 0 && s < 5) return t().just_now;
  return t().ago(t().age(d, h, m, s));
}

export function whenText(ms) {
  if (!ms) return "—";
  const d = new Date(ms);
  const time = pad(d.getHours()) + ":" + pad(d.getMinutes());
  return sameDay(d, new Date()) ? time : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
}
