// The page a signed-in user gets instead of one their role may not open (the server answers it with 403 at
// the address asked for): what that page is for, who is signed in, and the way back to their own page (the
// console, or the officer app for an officer), in the language the console chose. A desk user (duty,
// supervisor, administrator) still gets the desk's alarms here, as on the reports: someone who opened the
// wrong page must not miss a panic press.
import { alarmLanguage, watchAlarms } from "./alarm-watch.js";
import { applyPageText, labelToggle, languages } from "./i18n-core.js";

const ME_PATH = "/api/v1/auth/me";
// Pages whose refusal says what they are for (any other: the general words).
const FOR_WHOM = { "/reports": "reports" };

// Each string in both languages side by side: [zh-CN, English].
const WORDS = {
  htmlLang: ["zh-CN", "en"],
  docTitle: ["无权访问 · Sentinel", "Not allowed · Sentinel"],
  heading: ["无权访问此页面", "You may not open this page"],
  reason: ["您的账号无权打开此页面。", "Your account may not open this page."],
  heading_reports: ["报表仅供值班领导查看", "Reports are for supervisors"],
  reason_reports: [
    "督导报表只对值班领导和管理员账号开放。如需查看，请联系值班领导，或用值班领导账号登录。",
    "The supervisors' reports are open to supervisor and administrator accounts only. Ask your supervisor, or sign in with a supervisor account.",
  ],
  signed_in_as: [
    (name, role) => "当前登录：" + name + "（" + role + "）",
    (name, role) => "Signed in as " + name + " (" + role + ")",
  ],
  role_duty: ["值班员", "Duty officer"],
  role_supervisor: ["值班领导", "Supervisor"],
  role_admin: ["管理员", "Administrator"],
  role_officer: ["民警", "Officer"],
  home_console: ["返回值班台", "Back to the console"],
  home_officer: ["返回民警应用", "Back to the officer app"],
  switch_account: ["用其他账号登录", "Sign in with another account"],
  toggleText: ["English", "中文"],
  toggleLang: ["en", "zh-CN"],
  toggleLabel: ["Switch to English", "切换为中文界面"],
};

function table(index) {
  return Object.fromEntries(Object.entries(WORDS).map(([key, pair]) => [key, pair[index]]));
}

const STRINGS = { zh: table(0), en: table(1) };

const { t, lang, toggle } = languages(STRINGS, false);
const page = FOR_WHOM[window.location.pathname] || null;
let user = null; // from /api/v1/auth/me, once known
let watching = false; // the desk's alarms are watched (the title is then the alarm's to set)

function render() {
  const s = t();
  applyPageText(s);
  if (watching) alarmLanguage(lang(), s.docTitle);
  else document.title = s.docTitle;
  document.getElementById("forbidden-heading").textContent = page ? s["heading_" + page] : s.heading;
  document.getElementById("forbidden-reason").textContent = page ? s["reason_" + page] : s.reason;
  const officer = user && user.role === "officer";
  const home = document.getElementById("forbidden-home");
  home.href = officer ? "/officer" : "/";
  home.textContent = officer ? s.home_officer : s.home_console;
  const who = document.getElementById("forbidden-who");
  who.textContent = user ? s.signed_in_as(user.display_name || user.username, s["role_" + user.role] || user.role) : "";
  document.getElementById("forbidden-switch").href =
    "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  labelToggle(document.getElementById("lang-toggle"), s);
}

document.getElementById("lang-toggle").addEventListener("click", () => {
  toggle();
  render();
});
render();
window
  .fetch(ME_PATH, { credentials: "same-origin", headers: { Accept: "application/json" } })
  .then((response) => (response.ok ? response.json() : null))
  .then((session) => {
    user = session && session.user ? session.user : null;
    if (user && user.role !== "officer") {
      watching = true;
      watchAlarms(document.querySelector(".topbar"), document.getElementById("lang-toggle"));
    }
    render();
  })
  .catch(() => {}); // the way back to the console stays
