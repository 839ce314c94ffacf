// The console's words in Mandarin (zh-CN, the default) and English, and the formatting of times,
// durations and distances. The choice is remembered in localStorage (shared with the login page).

const LANG_KEY = "sentinel.console.lang";

export function pad(n) {
  return n < 10 ? "0" + n : String(n);
}

const STRINGS = {
  zh: {
    htmlLang: "zh-CN",
    docTitle: "值班台 · Sentinel",
    heading: "值班台",
    alarmTitle: (n) => "【报警】" + n + " 起未确认",
    nav_label: "主导航",
    nav_board: "警情",
    nav_map: "地图",
    nav_devices: "设备",
    nav_roster: "排班",
    nav_supervision: "督导",
    open_count: "未处理",
    unacked_count: "未确认",
    board_caption: "未处理事件，按优先级与时间排序",
    col_priority: "级别",
    col_site: "单位",
    col_kind: "类型",
    col_state: "状态",
    col_clocks: "处警时限",
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
    logout: "退出",
    keys_hint: "快捷键：J/K 或 ↑/↓ 选择 · Enter 打开 · A 确认 · Esc 关闭",
    roles: { duty: "值班员", supervisor: "值班领导", admin: "管理员", officer: "民警" },
    presses: (n) => "按压 " + n + " 次",
    events: (n) => "事件 " + n + " 次",
    age: (d, h, m, s) =>
      d > 0 ? d + "天" + h + "小时" : h > 0 ? h + "小时" + pad(m) + "分" : m > 0 ? m + "分" + pad(s) + "秒" : s + "秒",
    announce: (priority, kind, site) => "新警情：" + priority + " " + kind + "，" + site,
    // sound
    sound_on: "声音 开",
    sound_off: "声音 关",
    sound_locked: "声音 未启用",
    sound_on_label: "报警声音已开启。点击关闭，新警情到来时会自动重新开启。",
    sound_off_label: "报警声音已关闭。点击开启。",
    sound_locked_label: "浏览器尚未允许播放声音。点击开启。",
    sound_unlock: "点击此处开启报警声音",
    sound_unlock_hint: "浏览器要求先点击一次页面才能播放声音",
    // clocks and flags
    clock_ack: "确认",
    clock_accept: "接警",
    clock_arrival: "到场",
    clock_title: (name, elapsed, target) => name + "：" + elapsed + "，时限 " + target,
    clock_waiting: "未开始",
    escalated: (n) => (n > 1 ? "已升级 ×" + n : "已升级"),
    overdue: "到场超时",
    cancel_requested: "申请取消",
    // site kinds, device kinds
    siteKinds: {
      school: "学校",
      kindergarten: "幼儿园",
      hospital: "医院",
      bank: "银行",
      petrol_station: "加油站",
      shopping_street: "商业街",
      other: "其他",
    },
    deviceKinds: { button: "报警按钮", camera: "摄像机", speaker: "广播", panel: "报警主机" },
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
    eventTypes: {
      panic: "紧急报警",
      duress: "胁迫报警",
      test: "测试按压",
      cancel: "取消",
      tamper: "防拆",
      low_battery: "电量低",
      intrusion: "入侵",
      loitering: "徘徊",
      crowd: "人员聚集",
      line_crossing: "越线",
      motion: "移动",
      offline: "离线",
      online: "恢复在线",
    },
    // incident detail
    detail_label: "警情详情",
    detail_close: "关闭",
    detail_loading: "正在加载…",
    detail_failed: "无法加载警情详情",
    detail_incident: (id) => "警情 #" + id,
    act_ack: "确认警情",
    act_dispatch: "派警",
    act_dispatch_to: (name) => "派警给 " + name,
    act_redispatch_to: (name) => "改派给 " + name,
    act_redispatch: "改派其他民警…",
    act_resolve: "处置完毕",
    act_cancel: "取消警情",
    act_note: "添加备注",
    act_confirm_cancel: "核实后确认取消",
    act_failed: "操作未成功：",
    cancel_request_title: "保安按下了取消键",
    cancel_request_text: (time) => time + " 申请取消。请电话核实（可能被胁迫），再确认取消。",
    test_notice: "测试警情：仅记录，不派警。",
    closed_notice: (state, time) => "此警情" + state + "（" + time + "）。",
    clocks_title: "处警时限",
    clock_from_created: "自报警起",
    clock_from_dispatch: "自派警起",
    target: "时限",
    site_title: "单位信息",
    site_kind: "类型",
    site_address: "地址",
    site_contact: "联系人",
    site_phone: "电话",
    site_grid: "网格",
    site_officer: "责任民警",
    site_devices: "设备",
    site_test_mode: "测试模式",
    dispatch_title: "派警",
    dispatch_recommended: "推荐",
    dispatch_choose: "选择民警",
    dispatch_all: (n) => "显示全部 " + n + " 名民警",
    dispatch_fewer: "只显示前几位",
    dispatch_none: "没有可派的民警",
    dispatch_test: "测试警情不派警",
    dispatch_closed: "警情已结束",
    dispatch_history: "派警记录",
    dispatch_history_empty: "尚未派警",
    rules: { grid: "网格民警", nearest: "就近民警", supervisor: "值班领导", manual: "人工指派" },
    availability: {
      available: "可派",
      busy: "忙碌",
      not_signed_on: "未签到",
      declined_or_timed_out: "已拒绝/超时",
    },
    dispatchStates: {
      offered: "待接警",
      accepted: "已接警",
      en_route: "途中",
      on_scene: "到场",
      completed: "完成",
      declined: "拒绝",
      timed_out: "超时未接",
      withdrawn: "已撤回",
    },
    distance_unknown: "位置未知",
    offered_at: "派出",
    answered_at: "答复",
    events_title: "报警事件",
    timeline_title: "处警记录",
    timeline_empty: "暂无记录",
    media_title: "现场图像",
    warnings_title: "喊话记录",
    mediaKinds: { snapshot: "抓拍", clip: "录像" },
    mediaStates: { pending: "正在获取…", failed: "获取失败", stored: "" },
    warningStates: { sent: "已发送", received: "已收到", playing: "播放中", done: "已播放", failed: "失败", expired: "已过期" },
    note_label: "备注内容",
    note_placeholder: "例如：已电话联系保安，确认误按",
    note_add: "添加",
    actions: {
      opened: "报警",
      acknowledge: "确认",
      dispatch: "派警",
      accept: "接警",
      decline: "拒绝/超时",
      en_route: "出发",
      on_scene: "到场",
      resolve: "处置完毕",
      cancel: "取消",
      escalated: "升级上报",
      arrival_overdue: "到场超时",
      cancel_requested: "申请取消",
      priority_raised: "提升级别",
      note: "备注",
      no_officer_available: "无可派民警",
    },
    actors: { system: "系统", rule: "自动规则" },
    disp_genuine: "真实警情",
    disp_false_alarm: "误报",
    disp_test: "测试",
    disp_malicious: "恶意报警",
    disp_other: "其他",
    dispositions: {
      genuine: "真实警情",
      false_alarm: "误报",
      test: "测试",
      malicious: "恶意报警",
      other: "其他",
    },
    // dialogs
    dialog_resolve_title: "处置完毕",
    dialog_disposition: "处置结果",
    dialog_note: "处置说明",
    dialog_cancel_title: "取消警情",
    dialog_cancel_text: "取消后将不再派警，并记录在案。确定要取消此警情吗？",
    dialog_cancel_note: "取消原因",
    dialog_confirm: "确定",
    dialog_back: "返回",
    // map
    map_title: "辖区地图",
    map_legend: "图例",
    map_site: "单位",
    map_incident: "警情",
    map_officer_on: "民警（已签到）",
    map_officer_off: "民警（未签到）",
    map_device_ok: "设备在线",
    map_device_bad: "设备离线/故障",
    map_no_coordinates: "没有坐标的单位：",
    map_open_incidents: "未处理警情",
    map_officers_unplaced: (n) => n + " 名民警位置未知",
    // devices
    devices_title: "设备状态",
    devices_total: "设备总数",
    devices_online: "在线",
    devices_offline: "离线",
    devices_never: "从未上线",
    devices_low: "电量低",
    devices_problems_only: "仅显示异常",
    devices_search: "搜索单位或设备",
    devices_shown: (shown, total) => "显示 " + shown + " / " + total,
    devices_empty: "没有符合条件的设备",
    devices_col_site: "单位",
    devices_col_device: "设备",
    devices_col_kind: "类型",
    devices_col_state: "状态",
    devices_col_seen: "最后通信",
    devices_col_battery: "电量",
    devices_col_faults: "故障",
    devices_col_signal: "信号/固件",
    deviceStates: { online: "在线", offline: "离线", never_heard: "从未上线" },
    faults: {
      never_heard: "从未上线",
      offline: "离线",
      reported_offline: "报告离线",
      low_battery: "电量低",
      tamper: "防拆",
    },
    ago: (text) => text + "前",
    updated: (time) => "更新于 " + time,
    // roster
    roster_title: "排班与签到",
    roster_officers: "民警",
    roster_col_name: "姓名",
    roster_col_role: "角色",
    roster_col_grid: "网格",
    roster_col_shift: "当前在班",
    roster_col_signed: "签到",
    roster_col_location: "位置更新",
    roster_week: "本周排班",
    roster_gaps: "覆盖空档",
    roster_no_gaps: "全周 24 小时均有人在班",
    roster_desk: "值班台",
    yes: "是",
    no: "否",
    signed_on: "已签到",
    signed_off: "未签到",
    officerRoles: { officer: "民警", supervisor: "值班领导" },
    days: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    gap_text: (who, from, to) => who + "：" + from + " – " + to + " 无人在班",
    // supervision
    sup_title: "督导",
    sup_reports: "响应时间报表",
    sup_forbidden: "此页面仅限值班领导和管理员。",
    sup_escalations: "升级与超时",
    sup_escalations_empty: "暂无升级或超时的警情",
    sup_history: "历史查询",
    sup_site: "单位",
    sup_kind: "类型",
    sup_state: "状态",
    sup_disposition: "处置结果",
    sup_from: "起始日期",
    sup_to: "截止日期",
    sup_any: "全部",
    sup_open: "未结束",
    sup_closed: "已结束",
    sup_search: "查询",
    sup_reset: "重置",
    sup_prev: "上一页",
    sup_next: "下一页",
    sup_range: (a, b, n) => "第 " + a + "–" + b + " 条，共 " + n + " 条",
    sup_none: "没有符合条件的警情",
    sup_col_id: "编号",
    sup_col_opened: "报警时间",
    sup_col_site: "单位",
    sup_col_kind: "类型",
    sup_col_state: "状态",
    sup_col_disposition: "处置",
    sup_col_ack: "确认用时",
    sup_col_accept: "接警用时",
    sup_col_arrival: "到场用时",
    sup_col_flags: "升级/超时",
    sup_error: "查询失败：",
  },
  en: {
    htmlLang: "en",
    docTitle: "Duty desk · Sentinel",
    heading: "Duty desk",
    alarmTitle: (n) => "[ALARM] " + n + " unacknowledged",
    nav_label: "Main navigation",
    nav_board: "Board",
    nav_map: "Map",
    nav_devices: "Devices",
    nav_roster: "Roster",
    nav_supervision: "Supervision",
    open_count: "Open",
    unacked_count: "Unacked",
    board_caption: "Open incidents, by priority and time",
    col_priority: "Priority",
    col_site: "Site",
    col_kind: "Kind",
    col_state: "State",
    col_clocks: "Clocks",
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
    keys_hint: "Keys: J/K or ↑/↓ select · Enter open · A acknowledge · Esc close",
    roles: { duty: "Duty officer", supervisor: "Supervisor", admin: "Administrator", officer: "Officer" },
    presses: (n) => (n === 1 ? "1 press" : n + " presses"),
    events: (n) => (n === 1 ? "1 event" : n + " events"),
    age: (d, h, m, s) =>
      d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + pad(m) + "m" : m > 0 ? m + "m " + pad(s) + "s" : s + "s",
    announce: (priority, kind, site) => "New incident: " + priority + " " + kind + ", " + site,
    sound_on: "Sound on",
    sound_off: "Sound off",
    sound_locked: "Sound blocked",
    sound_on_label: "Alarm sound is on. Click to silence; a new incident turns it back on.",
    sound_off_label: "Alarm sound is off. Click to turn it on.",
    sound_locked_label: "The browser has not allowed sound yet. Click to enable it.",
    sound_unlock: "Click here to enable the alarm sound",
    sound_unlock_hint: "The browser needs one click on the page before it plays sound",
    clock_ack: "Ack",
    clock_accept: "Accept",
    clock_arrival: "On scene",
    clock_title: (name, elapsed, target) => name + ": " + elapsed + ", target " + target,
    clock_waiting: "not started",
    escalated: (n) => (n > 1 ? "Escalated ×" + n : "Escalated"),
    overdue: "Late on scene",
    cancel_requested: "Cancel requested",
    siteKinds: {
      school: "School",
      kindergarten: "Kindergarten",
      hospital: "Hospital",
      bank: "Bank",
      petrol_station: "Petrol station",
      shopping_street: "Shopping street",
      other: "Other",
    },
    deviceKinds: { button: "Panic button", camera: "Camera", speaker: "Speaker", panel: "Alarm panel" },
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
    eventTypes: {
      panic: "Panic",
      duress: "Duress",
      test: "Test press",
      cancel: "Cancel",
      tamper: "Tamper",
      low_battery: "Low battery",
      intrusion: "Intrusion",
      loitering: "Loitering",
      crowd: "Crowd",
      line_crossing: "Line crossing",
      motion: "Motion",
      offline: "Offline",
      online: "Back online",
    },
    detail_label: "Incident detail",
    detail_close: "Close",
    detail_loading: "Loading…",
    detail_failed: "Cannot load the incident",
    detail_incident: (id) => "Incident #" + id,
    act_ack: "Acknowledge",
    act_dispatch: "Dispatch",
    act_dispatch_to: (name) => "Dispatch " + name,
    act_redispatch_to: (name) => "Send " + name + " instead",
    act_redispatch: "Send someone else…",
    act_resolve: "Resolve",
    act_cancel: "Cancel incident",
    act_note: "Add note",
    act_confirm_cancel: "Confirm cancel (verified)",
    act_failed: "Not done: ",
    cancel_request_title: "The guard pressed cancel",
    cancel_request_text: (time) =>
      "Cancel requested at " + time + ". Call the guard to verify (they may be under duress), then confirm.",
    test_notice: "Test incident: logged only, never dispatched.",
    closed_notice: (state, time) => "This incident is " + state + " (" + time + ").",
    clocks_title: "Response clocks",
    clock_from_created: "from the alarm",
    clock_from_dispatch: "from dispatch",
    target: "target",
    site_title: "Site",
    site_kind: "Kind",
    site_address: "Address",
    site_contact: "Contact",
    site_phone: "Phone",
    site_grid: "Grid",
    site_officer: "Responsible officer",
    site_devices: "Devices",
    site_test_mode: "Test mode",
    dispatch_title: "Dispatch",
    dispatch_recommended: "Recommended",
    dispatch_choose: "Choose an officer",
    dispatch_all: (n) => "Show all " + n + " officers",
    dispatch_fewer: "Show fewer",
    dispatch_none: "No officer can be dispatched",
    dispatch_test: "Test incidents are not dispatched",
    dispatch_closed: "The incident is closed",
    dispatch_history: "Dispatch history",
    dispatch_history_empty: "Nobody dispatched yet",
    rules: { grid: "Grid officer", nearest: "Nearest", supervisor: "Supervisor", manual: "Chosen by desk" },
    availability: {
      available: "Available",
      busy: "Busy",
      not_signed_on: "Not signed on",
      declined_or_timed_out: "Declined / timed out",
    },
    dispatchStates: {
      offered: "Offered",
      accepted: "Accepted",
      en_route: "En route",
      on_scene: "On scene",
      completed: "Completed",
      declined: "Declined",
      timed_out: "Timed out",
      withdrawn: "Withdrawn",
    },
    distance_unknown: "no location",
    offered_at: "sent",
    answered_at: "answered",
    events_title: "Alarm events",
    timeline_title: "Timeline",
    timeline_empty: "Nothing yet",
    media_title: "Images from the site",
    warnings_title: "Loudspeaker warnings",
    mediaKinds: { snapshot: "Snapshot", clip: "Clip" },
    mediaStates: { pending: "Fetching…", failed: "Could not be fetched", stored: "" },
    warningStates: { sent: "Sent", received: "Received", playing: "Playing", done: "Played", failed: "Failed", expired: "Expired" },
    note_label: "Note",
    note_placeholder: "e.g. called the guard: pressed by mistake",
    note_add: "Add",
    actions: {
      opened: "Alarm",
      acknowledge: "Acknowledged",
      dispatch: "Dispatched",
      accept: "Accepted",
      decline: "Declined / timed out",
      en_route: "En route",
      on_scene: "On scene",
      resolve: "Resolved",
      cancel: "Cancelled",
      escalated: "Escalated",
      arrival_overdue: "Late on scene",
      cancel_requested: "Cancel requested",
      priority_raised: "Priority raised",
      note: "Note",
      no_officer_available: "No officer available",
    },
    actors: { system: "system", rule: "rule" },
    disp_genuine: "Genuine",
    disp_false_alarm: "False alarm",
    disp_test: "Test",
    disp_malicious: "Malicious",
    disp_other: "Other",
    dispositions: {
      genuine: "Genuine",
      false_alarm: "False alarm",
      test: "Test",
      malicious: "Malicious",
      other: "Other",
    },
    dialog_resolve_title: "Resolve incident",
    dialog_disposition: "Disposition",
    dialog_note: "Note",
    dialog_cancel_title: "Cancel incident",
    dialog_cancel_text: "Nobody will be dispatched and the cancellation is recorded. Cancel this incident?",
    dialog_cancel_note: "Reason",
    dialog_confirm: "Confirm",
    dialog_back: "Back",
    map_title: "District map",
    map_legend: "Legend",
    map_site: "Site",
    map_incident: "Incident",
    map_officer_on: "Officer (signed on)",
    map_officer_off: "Officer (not signed on)",
    map_device_ok: "Device online",
    map_device_bad: "Device offline / fault",
    map_no_coordinates: "Sites without coordinates: ",
    map_open_incidents: "Open incidents",
    map_officers_unplaced: (n) => (n === 1 ? "1 officer without a location" : n + " officers without a location"),
    devices_title: "Device health",
    devices_total: "Devices",
    devices_online: "Online",
    devices_offline: "Offline",
    devices_never: "Never heard",
    devices_low: "Low battery",
    devices_problems_only: "Problems only",
    devices_search: "Search site or device",
    devices_shown: (shown, total) => "Showing " + shown + " of " + total,
    devices_empty: "No device matches",
    devices_col_site: "Site",
    devices_col_device: "Device",
    devices_col_kind: "Kind",
    devices_col_state: "Status",
    devices_col_seen: "Last seen",
    devices_col_battery: "Battery",
    devices_col_faults: "Faults",
    devices_col_signal: "Signal / firmware",
    deviceStates: { online: "Online", offline: "Offline", never_heard: "Never heard" },
    faults: {
      never_heard: "Never heard",
      offline: "Offline",
      reported_offline: "Reported offline",
      low_battery: "Low battery",
      tamper: "Tamper",
    },
    ago: (text) => text + " ago",
    updated: (time) => "Updated " + time,
    roster_title: "Roster and sign-on",
    roster_officers: "Officers",
    roster_col_name: "Name",
    roster_col_role: "Role",
    roster_col_grid: "Grid",
    roster_col_shift: "On shift now",
    roster_col_signed: "Sign-on",
    roster_col_location: "Location update",
    roster_week: "This week's shifts",
    roster_gaps: "Coverage gaps",
    roster_no_gaps: "Covered 24 hours a day, all week",
    roster_desk: "Duty desk",
    yes: "yes",
    no: "no",
    signed_on: "Signed on",
    signed_off: "Not signed on",
    officerRoles: { officer: "Officer", supervisor: "Supervisor" },
    days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    gap_text: (who, from, to) => who + ": nobody on shift " + from + " – " + to,
    sup_title: "Supervision",
    sup_reports: "Response-time reports",
    sup_forbidden: "This page is for supervisors and administrators.",
    sup_escalations: "Escalations and late arrivals",
    sup_escalations_empty: "No escalated or late incidents",
    sup_history: "History search",
    sup_site: "Site",
    sup_kind: "Kind",
    sup_state: "State",
    sup_disposition: "Disposition",
    sup_from: "From",
    sup_to: "To",
    sup_any: "Any",
    sup_open: "Open",
    sup_closed: "Closed",
    sup_search: "Search",
    sup_reset: "Reset",
    sup_prev: "Previous",
    sup_next: "Next",
    sup_range: (a, b, n) => a + "–" + b + " of " + n,
    sup_none: "No incident matches",
    sup_col_id: "No.",
    sup_col_opened: "Opened",
    sup_col_site: "Site",
    sup_col_kind: "Kind",
    sup_col_state: "State",
    sup_col_disposition: "Disposition",
    sup_col_ack: "To ack",
    sup_col_accept: "To accept",
    sup_col_arrival: "To arrival",
    sup_col_flags: "Escalation",
    sup_error: "Search failed: ",
  },
};

let current = loadLang();

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

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "en" ? "en" : "zh";
  saveLang(current);
}

export function t() {
  return STRINGS[current];
}

// Look a code up in one of the tables (kinds, states, ...); unknown codes are shown as they are.
export function term(table, code) {
  const known = t()[table] && t()[table][code];
  return known || String(code == null ? "" : code);
}

// Every element with data-i18n gets its string; data-i18n-placeholder / -label / -title likewise.
export function applyStaticText(root) {
  const s = t();
  (root || document).querySelectorAll("[data-i18n]").forEach((node) => {
    const value = s[node.getAttribute("data-i18n")];
    if (typeof value === "string") node.textContent = value;
  });
  for (const attr of ["placeholder", "title", "aria-label"]) {
    (root || document).querySelectorAll("[data-i18n-" + attr.replace("aria-", "") + "]").forEach((node) => {
      const value = s[node.getAttribute("data-i18n-" + attr.replace("aria-", ""))];
      if (typeof value === "string") node.setAttribute(attr, value);
    });
  }
}

// ---- formatting -------------------------------------------------------------------------------

export function parseTime(value) {
  if (!value) return 0;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

export function clockText(ms) {
  const d = new Date(ms);
  return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}

export function dateText(ms) {
  const d = new Date(ms);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
}

// The month and day when not today: 23:50:00 seen the next morning must not look recent.
export function dayPrefix(ms) {
  const d = new Date(ms);
  const now = new Date();
  const sameDay =
    d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? "" : pad(d.getMonth() + 1) + "-" + pad(d.getDate());
}

export function whenText(ms) {
  if (!ms) return "—";
  const day = dayPrefix(ms);
  return (day ? day + " " : "") + clockText(ms);
}

export function ageText(ms, now) {
  if (!ms) return "—";
  return durationText(Math.max(0, now - ms) / 1000);
}

export function durationText(seconds) {
  let total = Math.max(0, Math.floor(seconds));
  const d = Math.floor(total / 86400);
  total -= d * 86400;
  const h = Math.floor(total / 3600);
  total -= h * 3600;
  const m = Math.floor(total / 60);
  const s = total - m * 60;
  return t().age(d, h, m, s);
}

// A stopwatch for the clocks: 0:07, 1:05, 12:30, 1:02:03.
export function stopwatch(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
}

export function distanceText(metres) {
  if (metres == null) return t().distance_unknown;
  return metres >= 1000 ? (metres / 1000).toFixed(1) + " km" : Math.round(metres) + " m";
}

export function minuteOfDayText(minute) {
  const m = ((minute % 1440) + 1440) % 1440;
  return pad(Math.floor(m / 60)) + ":" + pad(m % 60);
}
