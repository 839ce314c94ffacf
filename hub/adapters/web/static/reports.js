// Sentinel supervisors' reports: a period picker, the report of GET /api/v1/reports as tiles, inline
// SVG charts and tables (grids, officers, sites, drills, device availability), and the CSV and PDF
// exports of the same period. The period lives in the address (?period=month&month=2026-10), so a
// report can be bookmarked or sent. zh-CN by default; the language choice is shared with the console.
import { alarmLanguage, watchAlarms } from "./alarm-watch.js";
import { applyPageText, dhms, labelToggle, languages, pad } from "./i18n-core.js";
import { h, replace, s } from "./console-ui.js";
import { INCIDENT_KINDS } from "./i18n-kinds.js";

const STEPS = ["ack", "accept", "arrive"];

const STRINGS = {
  zh: {
    htmlLang: "zh-CN",
    docTitle: "督导报表 · Sentinel",
    heading: "督导报表",
    back: "← 返回值班台",
    toggleText: "English",
    toggleLang: "en",
    toggleLabel: "Switch to English",
    period_label: "时段",
    period_day: "日",
    period_week: "周",
    period_month: "月",
    period_custom: "自定义",
    field_date: "日期",
    field_week: "周",
    field_month: "月份",
    field_from: "起",
    field_to: "止（含）",
    load: "生成报表",
    export_csv: "导出 CSV",
    export_pdf: "打印版 PDF",
    pdf_progress: (p) => "正在生成 PDF… " + p.seconds + " 秒" + (p.kb ? "，已下载 " + p.kb + " KB" : ""),
    pdf_ready: (kb) => "PDF 已下载（" + kb + " KB），可在浏览器的下载中打开。",
    pdf_failed: (m) => "无法生成 PDF：" + m,
    loading: "正在生成报表…",
    loaded: (ms) => "报表已生成（" + ms + " 毫秒）。",
    failed: (m) => "无法生成报表：" + m,
    forbidden: "只有值班领导和管理员可以查看报表。",
    offline: "无法连接中心，请检查网络后重试。",
    kinds_title: { day: "日报", week: "周报", month: "月报", custom: "自定义时段报表" },
    range: (a, b, tz, at) => a + " 至 " + b + "（" + tz + "）· 生成于 " + at,
    test_note: (n) =>
      "响应时间及其他各项数据均不含测试事件（测试按压、测试模式单位）" + (n ? "，本时段 " + n + " 起测试事件未计入。" : "。"),
    charts_title: "各网格响应用时",
    median: "中位数",
    p90: "90分位",
    target_p1: "P1 目标",
    step: { ack: "确认用时", accept: "接警用时", arrive: "到场用时" },
    within_sub: (step, v) => "达标 " + step.within + "/" + step.due + "（" + v + "）· 计时 n=" + step.n,
    district: "全辖区",
    grids_title: "网格",
    officers_title: "民警（按其接警的事件统计）",
    sites_title: "单位",
    drills_title: "一键报警演练（收到测试按压即为通过）",
    availability_title: "设备可用性（按监测离线/上线记录）",
    tile_incidents: "事件",
    tile_ack: "确认达标率",
    tile_accept: "接警达标率",
    tile_arrive: "到场达标率",
    tile_arrive_median: "到场用时中位数",
    tile_false: "误报率",
    tile_escalated: "升级事件",
    tile_warnings: "喊话次数",
    tile_drills: "演练通过单位",
    tile_uptime: "设备在线率",
    of: (a, b) => a + " / " + b,
    of_due: (a, b) => "达标 " + a + " / 应考核 " + b,
    list_join: "、",
    col_grid: "网格",
    col_officer: "民警",
    col_site: "单位",
    col_incidents: "事件",
    col_kinds: "类型",
    col_ack: "确认 中位/90%",
    col_accept: "接警 中位/90%",
    col_arrive: "到场 中位/90%",
    col_within: "达标率 确认·接警·到场",
    col_escalated: "升级",
    col_false: "误报率",
    col_warnings: "喊话",
    col_offered: "派警",
    col_declined: "拒绝",
    col_timed_out: "超时",
    col_status: "结果",
    col_buttons: "按钮通过",
    col_last_test: "最近测试",
    col_device: "设备",
    col_kind: "类型",
    col_uptime: "在线率",
    col_outages: "离线次数",
    col_downtime: "离线时长",
    col_longest: "最长离线",
    col_end: "期末",
    total: "全辖区合计",
    unknown_grid: "（不在辖区配置中）",
    nobody: "无人接警",
    nobody_sub: "已派警、无人接受的事件",
    no_rows: "无数据",
    no_outages: "本时段无设备离线。",
    drills_summary: (s) =>
      "有按钮的单位 " + s.sites + " 个：通过 " + s.passed + "，部分通过 " + s.partial + "，未测试 " + s.missing + "。",
    availability_summary: (s, kinds) =>
      "设备 " + s.devices + " 台，其中 " + s.with_outages + " 台有离线记录。" + kinds + " 下表仅列出有离线记录的设备。",
    kind_uptime: (name, n, up) => name + " " + n + " 台 在线率 " + up,
    device_offline: "离线",
    device_online: "在线",
    status: { passed: "已通过", partial: "部分通过", missing: "未测试" },
    kinds: { ...INCIDENT_KINDS.zh, fire: "火警", trouble: "设备故障", other: "其他" },
    device_kinds: { button: "报警按钮", camera: "摄像机", speaker: "音柱", panel: "报警主机" },
    duration: (d, h, m, s) =>
      d > 0 ? d + "天" + h + "小时" : h > 0 ? h + "小时" + pad(m) + "分" : m > 0 ? m + "分" + pad(s) + "秒" : s + "秒",
    patrol_title: "视频巡查覆盖率（每班查看的摄像机）",
    patrol_summary: (s) =>
      "共 " + s.shifts + " 个班次：有巡查 " + s.shifts_patrolled + " 个，全部查看 " + s.shifts_fully_covered + " 个；平均覆盖率 " +
      percent(s.mean_coverage) + "；巡查记录 " + s.views + " 条（正常 " + s.by_outcome.checked + "，记录情况 " + s.by_outcome.observation +
      "，喊话 " + s.by_outcome.warning_issued + "，立案 " + s.by_outcome.incident_opened + "）；应巡查摄像机 " + s.cameras_expected + " 个。",
    patrol_none: "巡查记录不可用",
    verification_title: "按压视频核验（按压至核验录像到达）",
    verification_summary: (v, target) =>
      "请求视频核验 " + v.requested + " 起：收到录像 " + v.verified + " 起（" + percent(v.verified_share) + "），" +
      target + " 秒内 " + v.within_target + " 起（" + percent(v.within_target_share) + "）；用时中位数 " + clock(v.median_s) + "，90分位 " + clock(v.p90_s) + "。",
    deterrence_title: "喊话劝离率（喊话后经视频判定）",
    deterrence_summary: (v) =>
      "喊话后判定 " + v.warned + " 起：人员离开 " + v.deterred + " 起（" + percent(v.deterred_share) + "），仍在或返回 " + v.not_deterred + " 起。",
    col_month: "月份",
    col_warned: "已判定",
    col_deterred: "劝离",
    col_not_deterred: "未劝离",
    col_deterred_share: "劝离率",
    col_requested: "请求",
    col_verified: "收到",
    col_within: "按时",
    col_median: "中位数",
    col_p90: "90分位",
    steps_title: "处置步骤执行率（按值班席位）",
    steps_summary: (v) =>
      "已处置 " + v.incidents + " 起有必做步骤的警情：必做步骤 " + v.required_due + " 项，完成 " + v.required_done + " 项（" +
      percent(v.compliance) + "）；" + v.resolved_with_open_steps + " 起在步骤未完成时处置（已填写原因）。",
    col_seat: "席位",
    col_due: "必做",
    col_done: "完成",
    col_compliance: "执行率",
    col_left_open: "未完成即处置",
    halves: { day: "白班", night: "夜班" },
    col_shift: "班次",
    col_checked: "已查看",
    col_coverage: "覆盖率",
    col_views: "记录",
    col_outcomes: "正常·记录·喊话·立案",
    col_not_checked: "未查看",
    col_staff: "巡查人员",
    col_camera: "摄像机",
    col_shifts_checked: "已查看班次",
    col_last_viewed: "最近查看",
    heat_title: (label, checked, expected) => label + "：已查看 " + checked + " / " + expected,
    heat_rows: { day: "白班", night: "夜班" },
  },
  en: {
    htmlLang: "en",
    docTitle: "Reports · Sentinel",
    heading: "Supervisors' reports",
    back: "← Back to the console",
    toggleText: "中文",
    toggleLang: "zh-CN",
    toggleLabel: "切换为中文界面",
    period_label: "Period",
    period_day: "Day",
    period_week: "Week",
    period_month: "Month",
    period_custom: "Custom",
    field_date: "Date",
    field_week: "Week",
    field_month: "Month",
    field_from: "From",
    field_to: "To (inclusive)",
    load: "Show report",
    export_csv: "Export CSV",
    export_pdf: "Printable PDF",
    pdf_progress: (p) => "Building the PDF… " + p.seconds + " s" + (p.kb ? ", " + p.kb + " KB received" : ""),
    pdf_ready: (kb) => "PDF downloaded (" + kb + " KB): open it from the browser's downloads.",
    pdf_failed: (m) => "Cannot build the PDF: " + m,
    loading: "Building the report…",
    loaded: (ms) => "Report built in " + ms + " ms.",
    failed: (m) => "Cannot build the report: " + m,
    forbidden: "Only supervisors and administrators may see reports.",
    offline: "Cannot reach the hub. Check the network and try again.",
    kinds_title: { day: "Daily report", week: "Weekly report", month: "Monthly report", custom: "Report" },
    range: (a, b, tz, at) => a + " to " + b + " (" + tz + ") · generated " + at,
    test_note: (n) =>
      "Response times and every other figure exclude test incidents (test presses, sites in test mode)" +
      (n ? "; " + n + " test incident" + (n === 1 ? " was" : "s were") + " left out." : "."),
    charts_title: "Response times per grid",
    median: "Median",
    p90: "90th percentile",
    target_p1: "P1 target",
    step: { ack: "Time to acknowledge", accept: "Time to accept", arrive: "Time to arrive" },
    within_sub: (step, v) => "within target " + step.within + " of " + step.due + " due (" + v + ") · timed n=" + step.n,
    district: "District",
    grids_title: "Grids",
    officers_title: "Officers (the incidents whose dispatch they accepted)",
    sites_title: "Sites",
    drills_title: "Button drills (a test press received = passed)",
    availability_title: "Device availability (from supervision offline/online)",
    tile_incidents: "Incidents",
    tile_ack: "Acknowledged in target",
    tile_accept: "Accepted in target",
    tile_arrive: "On scene in target",
    tile_arrive_median: "Median time to arrive",
    tile_false: "False-alarm rate",
    tile_escalated: "Escalated",
    tile_warnings: "Warnings issued",
    tile_drills: "Sites drilled",
    tile_uptime: "Device uptime",
    of: (a, b) => a + " / " + b,
    of_due: (a, b) => a + " within target of " + b + " due",
    list_join: ", ",
    col_grid: "Grid",
    col_officer: "Officer",
    col_site: "Site",
    col_incidents: "Incidents",
    col_kinds: "Kinds",
    col_ack: "Ack p50 / p90",
    col_accept: "Accept p50 / p90",
    col_arrive: "Arrive p50 / p90",
    col_within: "In target ack · acc · arr",
    col_escalated: "Escalated",
    col_false: "False alarms",
    col_warnings: "Warnings",
    col_offered: "Offered",
    col_declined: "Declined",
    col_timed_out: "Timed out",
    col_status: "Result",
    col_buttons: "Buttons passed",
    col_last_test: "Last test",
    col_device: "Device",
    col_kind: "Kind",
    col_uptime: "Uptime",
    col_outages: "Outages",
    col_downtime: "Downtime",
    col_longest: "Longest",
    col_end: "At end",
    total: "District total",
    unknown_grid: "(not in the district file)",
    nobody: "Nobody accepted",
    nobody_sub: "dispatched, never accepted",
    no_rows: "No data",
    no_outages: "No device was offline in this period.",
    drills_summary: (s) =>
      s.sites + " sites with buttons: " + s.passed + " passed, " + s.partial + " partial, " + s.missing + " missing.",
    availability_summary: (s, kinds) =>
      s.devices + " devices, " + s.with_outages + " with outages. " + kinds + " Only devices with outages are listed.",
    kind_uptime: (name, n, up) => name + " " + n + ", uptime " + up,
    device_offline: "offline",
    device_online: "online",
    status: { passed: "Passed", partial: "Partial", missing: "Missing" },
    kinds: { ...INCIDENT_KINDS.en, panic: "Panic", fire: "Fire", trouble: "Panel trouble", other: "Other" },
    device_kinds: { button: "Button", camera: "Camera", speaker: "Speaker", panel: "Panel" },
    duration: (d, h, m, s) =>
      d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + pad(m) + " min" : m > 0 ? m + " min " + pad(s) + " s" : s + " s",
    patrol_title: "Patrol log coverage (cameras checked per shift)",
    patrol_summary: (s) =>
      s.shifts + " shifts: " + s.shifts_patrolled + " patrolled, " + s.shifts_fully_covered + " with every camera checked; mean coverage " +
      percent(s.mean_coverage) + "; " + s.views + " views logged (checked " + s.by_outcome.checked + ", observation " + s.by_outcome.observation +
      ", warning " + s.by_outcome.warning_issued + ", incident " + s.by_outcome.incident_opened + "); " + s.cameras_expected + " cameras to patrol.",
    patrol_none: "No patrol log in this report",
    verification_title: "Video verification of presses (press to verification clip)",
    verification_summary: (v, target) =>
      v.requested + " presses asked for video: " + v.verified + " answered (" + percent(v.verified_share) + "), " +
      v.within_target + " within " + target + " s (" + percent(v.within_target_share) + "); median " + clock(v.median_s) + ", 90th percentile " + clock(v.p90_s) + ".",
    deterrence_title: "Deterrence rate (verdict by video after a warning)",
    deterrence_summary: (v) =>
      v.warned + " warnings with a verdict: " + v.deterred + " deterred (" + percent(v.deterred_share) + "), " + v.not_deterred + " still present or back.",
    col_month: "Month",
    col_warned: "Verdicts",
    col_deterred: "Deterred",
    col_not_deterred: "Not deterred",
    col_deterred_share: "Rate",
    col_requested: "Asked",
    col_verified: "Answered",
    col_within: "In time",
    col_median: "Median",
    col_p90: "90th pct.",
    steps_title: "Response step compliance (per desk seat)",
    steps_summary: (v) =>
      v.incidents + " incidents with required steps resolved: " + v.required_done + " of " + v.required_due + " required steps done (" +
      percent(v.compliance) + "); " + v.resolved_with_open_steps + " resolved with a step open (a reason given).",
    col_seat: "Seat",
    col_due: "Required",
    col_done: "Done",
    col_compliance: "Compliance",
    col_left_open: "Resolved with steps open",
    halves: { day: "day", night: "night" },
    col_shift: "Shift",
    col_checked: "Checked",
    col_coverage: "Coverage",
    col_views: "Views",
    col_outcomes: "Checked·Obs.·Warn·Inc.",
    col_not_checked: "Not checked",
    col_staff: "Patrolled by",
    col_camera: "Camera",
    col_shifts_checked: "Shifts checked",
    col_last_viewed: "Last viewed",
    heat_title: (label, checked, expected) => label + ": " + checked + " of " + expected + " checked",
    heat_rows: { day: "Day", night: "Night" },
  },
};

const { t, lang, toggle } = languages(STRINGS, false);
let kind = "month";
let report = null;
let statusKey = null; // [key, argument]
const el = {};

// ---- formatting ----------------------------------------------------------------------------------

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return t().duration(...dhms(Math.round(seconds)));
}

function clock(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const total = Math.round(seconds);
  if (total < 60) return total + " s";
  if (total < 3600) return Math.floor(total / 60) + ":" + pad(total % 60);
  return Math.floor(total / 3600) + ":" + pad(Math.floor((total % 3600) / 60)) + ":" + pad(total % 60);
}

function percent(value, digits) {
  if (value === null || value === undefined) return "–";
  return (value * 100).toFixed(digits || 0) + "\u202f%"; // a narrow no-break space: "100.0 %" never splits over two lines
}

function level(share) {
  if (share === null || share === undefined) return null;
  return share >= 0.9 ? "good" : share >= 0.7 ? "fair" : "poor";
}

// Report times carry the district's offset: show their own wall-clock time, whatever the browser's zone.
function when(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") : "—";
}

function kindName(code) {
  return t().kinds[code] || t().kinds.other;
}

// A name in the page's language: the English name where the district file gives one.
function named(row, key) {
  const field = key || "name";
  return lang() === "en" ? row[field + "_en"] || row[field] : row[field];
}

function pair(step) {
  return step.n ? clock(step.median_s) + " / " + clock(step.p90_s) : "–";
}

function kindsText(counts) {
  const merged = {}; // kinds without a name of their own are counted together as "other"
  Object.entries(counts || {}).forEach(([code, n]) => {
    merged[kindName(code)] = (merged[kindName(code)] || 0) + n;
  });
  const entries = Object.entries(merged);
  if (!entries.length) return "–";
  return entries
    .slice(0, 3)
    .map(([name, n]) => name + " " + n)
    .concat(entries.length > 3 ? ["…"] : [])
    .join(" · ");
}

// ---- period --------------------------------------------------------------------------------------

function localDate(date) {
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
}

function isoWeek(date) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return d.getUTCFullYear() + "-W" + pad(week);
}

function defaults() {
  const today = new Date();
  const first = new Date(today.getFullYear(), today.getMonth(), 1);
  el.date.value = localDate(today);
  el.week.value = isoWeek(today);
  el.month.value = localDate(today).slice(0, 7);
  el.from.value = localDate(first);
  el.to.value = localDate(today);
}

function readAddress() {
  const q = new URLSearchParams(window.location.search);
  const asked = q.get("period");
  if (["day", "week", "month", "custom"].indexOf(asked) !== -1) kind = asked;
  if (q.get("date")) el.date.value = q.get("date");
  if (q.get("week")) el.week.value = q.get("week");
  if (q.get("month")) el.month.value = q.get("month");
  if (q.get("from")) el.from.value = q.get("from");
  if (q.get("to")) el.to.value = q.get("to");
}

function query() {
  const q = new URLSearchParams({ period: kind });
  if (kind === "day") q.set("date", el.date.value);
  if (kind === "week") q.set("week", el.week.value);
  if (kind === "month") q.set("month", el.month.value);
  if (kind === "custom") {
    q.set("from", el.from.value);
    q.set("to", el.to.value);
  }
  return q.toString();
}

function setKind(value) {
  kind = value;
  el.kinds.forEach((button) => button.setAttribute("aria-checked", button.dataset.kind === kind ? "true" : "false"));
  document.querySelectorAll(".field[data-for]").forEach((field) => {
    field.hidden = field.dataset.for !== kind;
  });
  updateExports(false);
}

function updateExports(ready) {
  const q = query();
  el.csv.href = "/api/v1/reports.csv?" + q;
  el.pdf.href = "/api/v1/reports.pdf?" + q;
  el.csv.setAttribute("aria-disabled", ready ? "false" : "true");
  el.pdf.setAttribute("aria-disabled", ready ? "false" : "true");
}

// ---- loading -------------------------------------------------------------------------------------

function setStatus(key, argument, isError) {
  statusKey = key ? [key, argument, isError] : null;
  renderStatus();
}

function renderStatus() {
  if (!statusKey) {
    el.status.textContent = "";
    el.status.removeAttribute("data-kind");
    return;
  }
  const text = t()[statusKey[0]];
  el.status.textContent = typeof text === "function" ? text(statusKey[1]) : text;
  if (statusKey[2]) el.status.setAttribute("data-kind", "error");
  else el.status.removeAttribute("data-kind");
}

function toLogin() {
  const here = window.location.pathname + window.location.search;
  window.location.replace("/login?next=" + encodeURIComponent(here));
}

function getJson(path) {
  return window.fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((response) => {
    if (response.status === 401) {
      toLogin();
      throw new Error("unauthenticated");
    }
    return response
      .json()
      .catch(() => null)
      .then((body) => {
        if (response.ok) return body;
        const error = (body && body.error) || {};
        const failure = new Error(error.message || response.statusText);
        failure.status = response.status;
        throw failure;
      });
  });
}

function load() {
  const q = query();
  window.history.replaceState(null, "", "/reports?" + q);
  updateExports(false);
  setStatus("loading");
  el.load.disabled = true;
  const started = window.performance.now();
  getJson("/api/v1/reports?" + q)
    .then((answer) => {
      report = answer;
      render();
      updateExports(true);
      setStatus("loaded", Math.round(window.performance.now() - started));
      el.report.setAttribute("data-period", report.period.label);
    })
    .catch((error) => {
      if (error.message === "unauthenticated") return;
      if (error.status === 403) setStatus("forbidden", null, true);
      else if (error.status === undefined) setStatus("offline", null, true);
      else setStatus("failed", error.message, true);
    })
    .then(() => {
      el.load.disabled = false;
    });
}

// ---- the PDF: fetched here with its progress shown, then saved (no blank tab while the hub builds it) ---

let pdfBusy = false;

function pdfName(response) {
  const found = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return found ? found[1] : "sentinel-report.pdf";
}

function readWithProgress(response, onChunk) {
  if (!response.body || !response.body.getReader) return response.blob();
  const reader = response.body.getReader();
  const parts = [];
  const pump = () =>
    reader.read().then(({ done, value }) => {
      if (done) return new Blob(parts, { type: "application/pdf" });
      parts.push(value);
      onChunk(value.length);
      return pump();
    });
  return pump();
}

function downloadPdf(event) {
  event.preventDefault();
  if (pdfBusy || el.pdf.getAttribute("aria-disabled") === "true") return;
  pdfBusy = true;
  el.pdf.setAttribute("aria-busy", "true");
  const started = window.performance.now();
  const progress = { seconds: 0, kb: 0 };
  let received = 0;
  el.pdfProgress.hidden = false;
  el.pdfProgress.removeAttribute("value"); // indeterminate while the hub builds it
  const show = () => {
    progress.seconds = Math.floor((window.performance.now() - started) / 1000);
    progress.kb = Math.round(received / 1024);
    setStatus("pdf_progress", progress);
  };
  show();
  const ticker = window.setInterval(show, 250);
  window
    .fetch(el.pdf.href, { credentials: "same-origin" })
    .then((response) => {
      if (response.status === 401) {
        toLogin();
        throw new Error("unauthenticated");
      }
      if (!response.ok) {
        return response
          .json()
          .catch(() => null)
          .then((body) => {
            throw new Error((body && body.error && body.error.message) || response.statusText);
          });
      }
      const total = Number(response.headers.get("Content-Length")) || 0;
      if (total) el.pdfProgress.max = total;
      return readWithProgress(response, (n) => {
        received += n;
        if (total) el.pdfProgress.value = received;
      }).then((blob) => {
        const url = URL.createObjectURL(blob);
        const save = h("a", { href: url, download: pdfName(response), hidden: true });
        document.body.appendChild(save);
        save.click();
        save.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 60000);
        setStatus("pdf_ready", Math.round(blob.size / 1024));
        el.report.setAttribute("data-pdf-bytes", String(blob.size));
      });
    })
    .catch((error) => {
      if (error.message === "unauthenticated") return;
      setStatus("pdf_failed", error.message, true);
    })
    .then(() => {
      window.clearInterval(ticker);
      el.pdfProgress.hidden = true;
      el.pdf.removeAttribute("aria-busy");
      pdfBusy = false;
    });
}

// ---- rendering -----------------------------------------------------------------------------------

function applyLang() {
  const strings = t();
  applyPageText(strings);
  document.title = strings.docTitle;
  alarmLanguage(lang(), strings.docTitle);
  labelToggle(el.toggle, strings);
  renderStatus();
  if (report) render();
}

function render() {
  const r = report;
  const strings = t();
  el.report.hidden = false;
  el.district.textContent = named(r.district);
  el.title.textContent = named(r.district) + " · " + strings.kinds_title[r.period.kind] + " " + r.period.label;
  el.range.textContent = strings.range(r.period.first_day, r.period.last_day, r.district.timezone, when(r.generated_at));
  el.testNote.textContent = strings.test_note(r.totals.test_incidents);
  renderTiles(r);
  STEPS.forEach((step) => renderChart(step, r));
  renderGroups(el.grids, "grid", r.grids, r.totals);
  renderGroups(el.officers, "officer", r.officers, null);
  renderGroups(el.sites, "site", r.sites, null);
  renderDrills(r.drills, r.grids);
  renderAvailability(r.availability, r.sites);
  renderPatrol(r.patrol_coverage, r.sites);
  renderVerification(r.video_verification);
  renderStepCompliance(r.step_compliance);
  renderDeterrence(r.deterrence);
  replace(
    el.definitions,
    (r.definitions || []).map((d) => h("p", { "data-testid": "definition", "data-figure": d.figure }, lang() === "en" ? d.en : d.zh)),
  );
}

function tile(testid, label, value, sub, lvl) {
  return h(
    "div",
    { class: "tile", "data-testid": testid },
    h("div", { class: "label" }, label),
    h("div", { class: "value", "data-level": lvl }, value),
    sub ? h("div", { class: "sub" }, sub) : null,
  );
}

function renderTiles(r) {
  const strings = t();
  const totals = r.totals;
  const drills = r.drills.summary;
  replace(
    el.tiles,
    tile("kpi-incidents", strings.tile_incidents, String(totals.incidents)),
    STEPS.map((step) =>
      tile(
        "kpi-" + step,
        strings["tile_" + step],
        percent(totals[step].share_within),
        strings.of_due(totals[step].within, totals[step].due),
        level(totals[step].share_within),
      ),
    ),
    tile("kpi-arrive-median", strings.tile_arrive_median, duration(totals.arrive.median_s)),
    tile("kpi-false", strings.tile_false, percent(totals.false_alarm_rate), strings.of(totals.false_alarms, totals.resolved)),
    tile("kpi-escalated", strings.tile_escalated, String(totals.escalated_incidents)),
    tile("kpi-warnings", strings.tile_warnings, String(totals.warnings)),
    tile("kpi-drills", strings.tile_drills, strings.of(drills.passed, drills.sites), null, level(drills.sites ? drills.passed / drills.sites : null)),
    tile("kpi-uptime", strings.tile_uptime, percent(r.availability.summary.uptime_share, 1)),
  );
}

function niceCeiling(value) {
  const steps = [20, 40, 60, 120, 240, 480, 600, 1200, 1800, 2400, 3600, 7200, 14400, 28800, 43200, 86400];
  for (const step of steps) if (value <= step) return step;
  return Math.ceil(value / 86400) * 86400;
}

function axisText(value) {
  if (value < 120) return value + " s";
  if (value < 7200) return +(value / 60).toFixed(1) + " min";
  return +(value / 3600).toFixed(1) + " h";
}

function renderChart(step, r) {
  const strings = t();
  const groups = r.grids
    .map((g) => ({ name: (g.name && named(g)) || strings.unknown_grid, data: g[step] }))
    .concat([{ name: strings.district, data: r.totals[step] }]);
  const target = (r.targets.find((x) => x.priority === 1) || {})[step === "ack" ? "ack_s" : step === "accept" ? "accept_s" : "arrival_s"];
  const W = 420;
  const H = 230;
  const left = 52;
  const right = W - 8;
  const top = 14;
  const bottom = H - 34;
  const values = groups.flatMap((g) => [g.data.median_s, g.data.p90_s]).filter((v) => v !== null && v !== undefined);
  const peak = niceCeiling(Math.max(target || 0, ...values, 1));
  const y = (v) => bottom - ((bottom - top) * Math.min(v, peak)) / peak;
  const svg = s("svg", {
    viewBox: "0 0 " + W + " " + H,
    role: "img",
    "aria-label": strings.step[step],
  });
  const axis = s("g", { class: "axis" });
  for (let i = 0; i <= 4; i += 1) {
    const v = (peak * i) / 4;
    axis.appendChild(s("line", { class: "grid-line", x1: left, x2: right, y1: y(v), y2: y(v) }));
    axis.appendChild(s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", text: axisText(v) }));
  }
  svg.appendChild(axis);
  const slot = (right - left) / groups.length;
  const bar = Math.min(26, (slot * 0.72) / 2);
  const labels = s("g", { class: "labels" });
  const valueLabels = s("g", { class: "values" });
  groups.forEach((g, n) => {
    const x0 = left + n * slot + (slot - bar * 2) / 2;
    [
      ["median_s", "bar-median"],
      ["p90_s", "bar-p90"],
    ].forEach(([key, cls], k) => {
      const v = g.data[key];
      if (v === null || v === undefined) return;
      const bx = x0 + k * bar;
      svg.appendChild(
        s(
          "rect",
          { class: cls, x: bx + 1, y: y(v), width: bar - 2, height: bottom - y(v), "data-value": v },
          s("title", { text: g.name + " " + (k ? strings.p90 : strings.median) + " " + duration(v) }),
        ),
      );
      valueLabels.appendChild(s("text", { x: bx + bar / 2, y: y(v) - 4, "text-anchor": "middle", text: clock(v) }));
    });
    labels.appendChild(s("text", { x: left + n * slot + slot / 2, y: bottom + 16, "text-anchor": "middle", text: g.name }));
  });
  if (target) {
    svg.appendChild(
      s(
        "line",
        { class: "target-line", x1: left, x2: right, y1: y(target), y2: y(target) },
        s("title", { text: strings.target_p1 + " " + duration(target) }),
      ),
    );
  }
  svg.appendChild(valueLabels);
  svg.appendChild(labels);
  replace(
    el.charts[step],
    h(
      "figcaption",
      {},
      strings.step[step],
      h(
        "span",
        { class: "sub" },
        strings.within_sub(r.totals[step], percent(r.totals[step].share_within)) +
          (target ? " · " + strings.target_p1 + " " + clock(target) : ""),
      ),
    ),
    svg,
  );
  // The whole name under each bar group, squeezed into its slot when it is longer (never cut).
  const room = ((right - left) / groups.length) * 0.94;
  labels.querySelectorAll("text").forEach((label) => {
    if (label.getComputedTextLength() > room) {
      label.setAttribute("textLength", String(Math.round(room)));
      label.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  });
}

function th(text, numeric) {
  return h("th", { scope: "col", class: numeric ? "num" : null }, text);
}

function td(text, cls, extra) {
  return h("td", Object.assign({ class: cls }, extra || {}), text);
}

function shareCell(step) {
  return h("span", { class: "share", "data-level": level(step.share_within) }, percent(step.share_within));
}

function metricCells(row) {
  return [
    td(String(row.incidents), "num", { "data-testid": "cell-incidents" }),
    td(kindsText(row.by_kind), "kinds"),
    td(pair(row.ack), "num", { "data-testid": "cell-ack" }),
    td(pair(row.accept), "num", { "data-testid": "cell-accept" }),
    td(pair(row.arrive), "num", { "data-testid": "cell-arrive" }),
    h("td", { class: "num", "data-testid": "cell-within" }, shareCell(row.ack), " · ", shareCell(row.accept), " · ", shareCell(row.arrive)),
    td(String(row.escalated_incidents), "num"),
    td(percent(row.false_alarm_rate), "num"),
    td(String(row.warnings), "num"),
  ];
}

function metricHeaders() {
  const strings = t();
  return [
    th(strings.col_incidents, true),
    th(strings.col_kinds),
    th(strings.col_ack, true),
    th(strings.col_accept, true),
    th(strings.col_arrive, true),
    th(strings.col_within, true),
    th(strings.col_escalated, true),
    th(strings.col_false, true),
    th(strings.col_warnings, true),
  ];
}

// A name, and under it a second line; `subLang`: that line is in the other language (a site's name).
function nameCell(main, sub, subLang) {
  return h("td", { class: "name" }, main, sub ? h("span", { class: "sub", lang: subLang || null }, sub) : null);
}

function renderGroups(table, what, rows, totals) {
  const strings = t();
  const gridNames = {};
  (report.grids || []).forEach((g) => {
    gridNames[g.id] = named(g);
  });
  const head = [th(strings["col_" + what])];
  if (what === "site") head.push(th(strings.col_grid));
  if (what === "officer") head.push(th(strings.col_offered, true), th(strings.col_declined, true), th(strings.col_timed_out, true));
  const body = rows.map((row) => {
    const cells = [];
    if (what === "grid") cells.push(nameCell((row.name && named(row)) || strings.unknown_grid, named(row, "officer_name") || ""));
    if (what === "site") {
      cells.push(nameCell(named(row), lang() === "en" ? row.name : row.name_en, lang() === "en" ? "zh-CN" : "en"));
      cells.push(td(gridNames[row.grid_id] || row.grid_id || "—"));
    }
    if (what === "officer") {
      cells.push(row.id === null ? nameCell(strings.nobody, strings.nobody_sub) : nameCell(named(row), gridNames[row.grid_id] || ""));
      cells.push(td(String(row.dispatches.offered), "num"), td(String(row.dispatches.declined), "num"), td(String(row.dispatches.timed_out), "num"));
    }
    return h("tr", { "data-testid": what + "-row", "data-id": row.id === null ? "" : row.id }, cells, metricCells(row));
  });
  if (totals) {
    body.push(h("tr", { class: "total", "data-testid": "total-row" }, nameCell(strings.total), metricCells(totals)));
  }
  replace(table, h("thead", {}, h("tr", {}, head, metricHeaders())), h("tbody", {}, body));
}

function renderDrills(drills, grids) {
  const strings = t();
  const gridNames = {};
  grids.forEach((g) => {
    gridNames[g.id] = named(g);
  });
  el.drillsSummary.textContent = strings.drills_summary(drills.summary);
  const order = { missing: 0, partial: 1, passed: 2 };
  const rows = drills.sites.slice().sort((a, b) => order[a.status] - order[b.status] || a.site_id.localeCompare(b.site_id));
  replace(
    el.drills,
    h("thead", {}, h("tr", {}, th(strings.col_site), th(strings.col_grid), th(strings.col_status), th(strings.col_buttons, true), th(strings.col_last_test, true))),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((site) =>
            h(
              "tr",
              { "data-testid": "drill-row", "data-site-id": site.site_id, "data-status": site.status },
              nameCell(named(site)),
              td(gridNames[site.grid_id] || site.grid_id),
              h("td", {}, h("span", { class: "chip", "data-status": site.status }, strings.status[site.status])),
              td(site.buttons_passed + " / " + site.buttons, "num"),
              td(when(site.last_test_at), "num"),
            ),
          )
        : h("tr", {}, h("td", { class: "empty", colspan: 5 }, strings.no_rows)),
    ),
  );
}

function uptimeCell(share) {
  const width = 60;
  const filled = share === null || share === undefined ? 0 : Math.max(0, Math.min(1, share)) * width;
  return h(
    "td",
    {},
    h(
      "div",
      { class: "uptime" },
      percent(share, 2),
      s("svg", { viewBox: "0 0 " + width + " 8", "aria-hidden": "true" }, s("rect", { class: "track", x: 0, y: 0, width: width, height: 8, rx: 2 }), s("rect", { class: "fill", x: 0, y: 0, width: filled, height: 8, rx: 2 })),
    ),
  );
}

function renderAvailability(availability, sites) {
  const strings = t();
  const siteNames = {};
  sites.forEach((site) => {
    siteNames[site.id] = named(site);
  });
  const kinds = Object.entries(availability.summary.by_kind)
    .map(([code, k]) => strings.kind_uptime(strings.device_kinds[code] || code, k.devices, percent(k.uptime_share, 2)))
    .join(lang() === "en" ? "; " : "；") + (lang() === "en" ? "." : "。");
  el.availabilitySummary.textContent = strings.availability_summary(availability.summary, kinds);
  const rows = availability.devices
    .filter((d) => d.outages > 0)
    .sort((a, b) => (a.uptime_share ?? 1) - (b.uptime_share ?? 1) || a.device_id.localeCompare(b.device_id));
  replace(
    el.availability,
    h(
      "thead",
      {},
      h("tr", {}, th(strings.col_device), th(strings.col_kind), th(strings.col_site), th(strings.col_uptime, true), th(strings.col_outages, true), th(strings.col_downtime, true), th(strings.col_longest, true), th(strings.col_end)),
    ),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((d) =>
            h(
              "tr",
              { "data-testid": "availability-row", "data-device-id": d.device_id },
              nameCell(named(d, "label") || d.device_id, d.label ? d.device_id : ""),
              td(strings.device_kinds[d.kind] || d.kind),
              td(siteNames[d.site_id] || d.site_id),
              uptimeCell(d.uptime_share),
              td(String(d.outages), "num"),
              td(duration(d.downtime_s), "num"),
              td(duration(d.longest_outage_s), "num"),
              td(d.offline_at_end ? strings.device_offline : strings.device_online),
            ),
          )
        : h("tr", {}, h("td", { class: "empty", colspan: 8 }, strings.no_outages)),
    ),
  );
}

// Patrol log coverage: a strip of the period's shifts (day above, night below) coloured by the share of
// cameras checked, the shifts as a table, and each camera's shifts.
// Guided response: step compliance per desk seat (hub/adapters/postgres/reports_steps.py).
function renderStepCompliance(figures) {
  const strings = t();
  el.steps.hidden = !figures || !figures.totals.incidents;
  if (el.steps.hidden) return;
  el.stepsSummary.textContent = strings.steps_summary(figures.totals);
  replace(
    el.stepsTable,
    h("thead", {}, h("tr", {}, th(strings.col_seat), th(strings.col_incidents, true), th(strings.col_due, true), th(strings.col_done, true), th(strings.col_compliance, true), th(strings.col_left_open, true))),
    h(
      "tbody",
      {},
      figures.seats.map((row) =>
        h(
          "tr",
          { "data-testid": "steps-row", "data-seat": row.seat },
          td(row.seat.replace(/^(user|token):/, "")),
          td(String(row.incidents), "num"),
          td(String(row.required_due), "num"),
          td(String(row.required_done), "num"),
          td(percent(row.compliance), "num"),
          td(String(row.resolved_with_open_steps), "num"),
        ),
      ),
    ),
  );
}

// Talk-down verdicts per site and month (hub/adapters/postgres/reports_deterrence.py).
function renderDeterrence(figures) {
  const strings = t();
  el.deterrence.hidden = !figures || !figures.totals.warned;
  if (el.deterrence.hidden) return;
  el.deterrenceSummary.textContent = strings.deterrence_summary(figures.totals);
  replace(
    el.deterrenceTable,
    h("thead", {}, h("tr", {}, th(strings.col_site), th(strings.col_month), th(strings.col_warned, true), th(strings.col_deterred, true), th(strings.col_not_deterred, true), th(strings.col_deterred_share, true))),
    h(
      "tbody",
      {},
      figures.sites.map((row) =>
        h(
          "tr",
          { "data-testid": "deterrence-row", "data-site-id": row.site_id, "data-month": row.month },
          td(lang() === "en" ? row.site_name_en || row.site_name : row.site_name),
          td(row.month),
          td(String(row.warned), "num"),
          td(String(row.deterred), "num"),
          td(String(row.not_deterred), "num"),
          td(percent(row.deterred_share), "num"),
        ),
      ),
    ),
  );
}

// Press to video verification per site (hub/adapters/postgres/reports_verification.py).
function renderVerification(figures) {
  const strings = t();
  el.verification.hidden = !figures || !figures.totals.requested;
  if (el.verification.hidden) return;
  el.verificationSummary.textContent = strings.verification_summary(figures.totals, figures.target_s);
  replace(
    el.verificationTable,
    h("thead", {}, h("tr", {}, th(strings.col_site), th(strings.col_requested, true), th(strings.col_verified, true), th(strings.col_within, true), th(strings.col_median, true), th(strings.col_p90, true))),
    h(
      "tbody",
      {},
      figures.sites.map((row) =>
        h(
          "tr",
          { "data-testid": "verification-row", "data-site-id": row.site_id },
          td(lang() === "en" ? row.site_name_en || row.site_name : row.site_name),
          td(String(row.requested), "num"),
          td(String(row.verified), "num"),
          td(percent(row.within_target_share), "num"),
          td(clock(row.median_s), "num"),
          td(clock(row.p90_s), "num"),
        ),
      ),
    ),
  );
}

function renderPatrol(coverage, sites) {
  const strings = t();
  el.patrol.hidden = !coverage;
  if (!coverage) return;
  el.patrolSummary.textContent = strings.patrol_summary(coverage.summary);
  const days = [];
  const byKey = {};
  coverage.shifts.forEach((shift) => {
    if (!days.includes(shift.day)) days.push(shift.day);
    byKey[shift.day + " " + shift.half] = shift;
  });
  const cell = 14;
  const left = 40;
  const width = left + Math.max(days.length, 1) * cell;
  const cells = [];
  ["day", "night"].forEach((half, row) => {
    cells.push(s("text", { x: 0, y: row * cell + 10, class: "heat-label" }, strings.heat_rows[half]));
    days.forEach((day, n) => {
      const shift = byKey[day + " " + half];
      const lvl = !shift ? "none" : shift.coverage === null ? "none" : shift.coverage >= 1 ? "good" : shift.views ? "warn" : "bad";
      cells.push(
        s(
          "rect",
          { x: left + n * cell, y: row * cell, width: cell - 2, height: cell - 2, rx: 2, class: "heat heat-" + lvl, "data-testid": "heat-cell", "data-shift": day + " " + half },
          s("title", {}, shift ? strings.heat_title(day + " " + strings.halves[half], shift.cameras_checked, shift.cameras_expected) : day),
        ),
      );
    });
  });
  days.forEach((day, n) => {
    if (n % 7 === 0 || days.length <= 7) cells.push(s("text", { x: left + n * cell, y: 2 * cell + 10, class: "heat-day" }, day.slice(5)));
  });
  replace(el.patrolHeatmap, s("svg", { viewBox: "0 0 " + width + " " + (2 * cell + 14), width: width, height: 2 * cell + 14, role: "img", "aria-label": strings.patrol_title }, cells));
  const cameraNames = {};
  coverage.cameras.forEach((c) => {
    cameraNames[c.camera_id] = named(c, "label") || c.camera_id;
  });
  replace(
    el.patrolShifts,
    h("thead", {}, h("tr", {}, th(strings.col_shift), th(strings.col_checked, true), th(strings.col_coverage, true), th(strings.col_views, true), th(strings.col_outcomes, true), th(strings.col_not_checked), th(strings.col_staff))),
    h(
      "tbody",
      {},
      coverage.shifts.length
        ? coverage.shifts.map((shift) =>
            h(
              "tr",
              { "data-testid": "patrol-row", "data-shift": shift.shift },
              nameCell(shift.day + " " + strings.halves[shift.half], shift.from.slice(11, 16) + "–" + shift.to.slice(11, 16)),
              td(shift.cameras_checked + " / " + shift.cameras_expected, "num", { "data-testid": "cell-checked" }),
              h("td", { class: "num" }, h("span", { class: "share", "data-level": level(shift.coverage) }, percent(shift.coverage))),
              td(String(shift.views), "num"),
              td(["checked", "observation", "warning_issued", "incident_opened"].map((o) => shift.by_outcome[o]).join(" · "), "num"),
              td(shift.cameras_not_checked.map((c) => cameraNames[c] || c).join(strings.list_join) || "—", "kinds"),
              td(shift.staff.map((a) => a.slice(a.indexOf(":") + 1)).join(" ") || "—"),
            ),
          )
        : h("tr", {}, h("td", { class: "empty", colspan: 7 }, strings.no_rows)),
    ),
  );
  const siteNames = {};
  sites.forEach((site) => {
    siteNames[site.id] = named(site);
  });
  replace(
    el.patrolCameras,
    h("thead", {}, h("tr", {}, th(strings.col_camera), th(strings.col_site), th(strings.col_shifts_checked, true), th(strings.col_last_viewed, true))),
    h(
      "tbody",
      {},
      coverage.cameras.map((c) =>
        h(
          "tr",
          { "data-testid": "patrol-camera-row", "data-camera-id": c.camera_id },
          nameCell(named(c, "label") || c.camera_id, c.label ? c.camera_id : ""),
          td(siteNames[c.site_id] || c.site_id || "—"),
          h("td", { class: "num" }, c.shifts_checked + " / " + coverage.shifts.length + " ", h("span", { class: "share", "data-level": level(c.shift_coverage) }, percent(c.shift_coverage))),
          td(when(c.last_viewed_at), "num"),
        ),
      ),
    ),
  );
}

// ---- start ---------------------------------------------------------------------------------------

function start() {
  el.toggle = document.getElementById("lang-toggle");
  el.form = document.getElementById("period-form");
  el.kinds = Array.from(document.querySelectorAll(".segmented button"));
  el.date = document.getElementById("input-date");
  el.week = document.getElementById("input-week");
  el.month = document.getElementById("input-month");
  el.from = document.getElementById("input-from");
  el.to = document.getElementById("input-to");
  el.load = document.getElementById("load");
  el.csv = document.getElementById("export-csv");
  el.pdf = document.getElementById("export-pdf");
  el.pdfProgress = document.getElementById("pdf-progress");
  el.pdf.addEventListener("click", downloadPdf);
  el.status = document.getElementById("status");
  el.report = document.getElementById("report");
  el.district = document.getElementById("district-name");
  el.title = document.getElementById("report-title");
  el.range = document.getElementById("report-range");
  el.testNote = document.getElementById("test-note");
  el.tiles = document.getElementById("tiles");
  el.charts = {
    ack: document.getElementById("chart-ack"),
    accept: document.getElementById("chart-accept"),
    arrive: document.getElementById("chart-arrive"),
  };
  el.grids = document.getElementById("grid-table");
  el.officers = document.getElementById("officer-table");
  el.sites = document.getElementById("site-table");
  el.drills = document.getElementById("drills-table");
  el.drillsSummary = document.getElementById("drills-summary");
  el.availability = document.getElementById("availability-table");
  el.availabilitySummary = document.getElementById("availability-summary");
  el.definitions = document.getElementById("definitions");
  el.patrol = document.getElementById("patrol-panel");
  el.verification = document.getElementById("verification-panel");
  el.deterrence = document.getElementById("deterrence-panel");
  el.deterrenceSummary = document.getElementById("deterrence-summary");
  el.deterrenceTable = document.getElementById("deterrence-table");
  el.steps = document.getElementById("steps-panel");
  el.stepsSummary = document.getElementById("steps-summary");
  el.stepsTable = document.getElementById("steps-table");
  el.verificationSummary = document.getElementById("verification-summary");
  el.verificationTable = document.getElementById("verification-table");
  el.patrolSummary = document.getElementById("patrol-summary");
  el.patrolHeatmap = document.getElementById("patrol-heatmap");
  el.patrolShifts = document.getElementById("patrol-shifts");
  el.patrolCameras = document.getElementById("patrol-cameras");

  defaults();
  readAddress();
  setKind(kind);
  el.kinds.forEach((button) =>
    button.addEventListener("click", () => {
      setKind(button.dataset.kind);
    }),
  );
  [el.date, el.week, el.month, el.from, el.to].forEach((input) => input.addEventListener("change", () => updateExports(false)));
  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  el.toggle.addEventListener("click", () => {
    toggle();
    applyLang();
  });
  // The desk's alarms go on while the figures are read (the session comes with them).
  watchAlarms(document.querySelector(".topbar"), document.querySelector(".user")).then((user) => {
    if (user) document.getElementById("user-name").textContent = user.display_name || user.username || "";
  });
  applyLang();
  load();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
