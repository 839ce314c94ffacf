// Sentinel sign-in page: posts the username and password as JSON, then goes back to the page the
// user came from (?next=, a path on this hub only). Officers go to their app (/officer), the desk to the
// console (/). The language choice is shared with the console and the officer app.
import { applyPageText, labelToggle, languages } from "./i18n-core.js";

const LOGIN_PATH = "/api/v1/auth/login";
const OFFICER_PAGE = "/officer";

const STRINGS = {
  zh: {
    htmlLang: "zh-CN",
    docTitle: "登录 · Sentinel",
    heading: "值班台登录",
    heading_officer: "民警登录",
    hint: "请使用您的账号登录。",
    username: "用户名",
    password: "密码",
    submit: "登录",
    submitting: "正在登录…",
    toggleText: "English",
    toggleLang: "en",
    toggleLabel: "Switch to English",
    missing: "请输入用户名和密码。",
    refused: "用户名或密码错误。",
    throttled: (s) => "登录失败次数过多，请 " + s + " 秒后再试。",
    failed: "暂时无法登录，请稍后再试。",
    offline: "无法连接中心，请检查网络后重试。",
  },
  en: {
    htmlLang: "en",
    docTitle: "Sign in · Sentinel",
    heading: "Duty desk sign-in",
    heading_officer: "Officer sign-in",
    hint: "Sign in with your account.",
    username: "Username",
    password: "Password",
    submit: "Sign in",
    submitting: "Signing in…",
    toggleText: "中文",
    toggleLang: "zh-CN",
    toggleLabel: "切换为中文界面",
    missing: "Enter your username and password.",
    refused: "Wrong username or password.",
    throttled: (s) => "Too many failed sign-ins. Try again in " + s + " s.",
    failed: "Cannot sign in right now. Try again shortly.",
    offline: "Cannot reach the hub. Check the network and try again.",
  },
};

const { t, toggle } = languages(STRINGS, false);
let busy = false;
let lastError = null; // [key, argument]: re-rendered when the language changes
const el = {};

function applyLang() {
  const s = t();
  applyPageText(s);
  document.title = s.docTitle;
  if (isOfficerPage(nextPath())) el.heading.textContent = s.heading_officer;
  if (busy) el.submit.textContent = s.submitting;
  labelToggle(el.toggle, s);
  renderError();
}

// Where to go after signing in: a path on this hub, never another site ("//x", "/\x", "/\t/x"...).
function nextPath() {
  const raw = new URLSearchParams(window.location.search).get("next") || "/";
  if (!/^\/(?![\/\\])[\x21-\x7e]*$/.test(raw) || raw.indexOf("\\") !== -1) return "/";
  let url;
  try {
    url = new URL(raw, window.location.origin);
  } catch (e) {
    return "/";
  }
  if (url.origin !== window.location.origin || url.pathname === "/login") return "/";
  return url.pathname + url.search + url.hash;
}

function isOfficerPage(path) {
  return path === OFFICER_PAGE || path.indexOf(OFFICER_PAGE + "?") === 0 || path.indexOf(OFFICER_PAGE + "#") === 0;
}

// Each role to its own page: an officer to the officer app (keeping a ?next= that points into it),
// the desk to ?next= unless that is the officer app, which is not theirs.
function destination(user) {
  const next = nextPath();
  if (user && user.role === "officer") return isOfficerPage(next) ? next : OFFICER_PAGE;
  return isOfficerPage(next) ? "/" : next;
}

function showError(key, argument) {
  lastError = [key, argument];
  renderError();
}

function renderError() {
  if (!lastError) {
    el.error.hidden = true;
    el.error.textContent = "";
    return;
  }
  const text = t()[lastError[0]];
  el.error.textContent = typeof text === "function" ? text(lastError[1]) : text;
  el.error.hidden = false;
}

function setBusy(value) {
  busy = value;
  el.submit.disabled = value;
  el.submit.textContent = value ? t().submitting : t().submit;
}

function markInvalid(username, password) {
  el.username.setAttribute("aria-invalid", username ? "true" : "false");
  el.password.setAttribute("aria-invalid", password ? "true" : "false");
}

function submit(event) {
  event.preventDefault();
  if (busy) return;
  const username = el.username.value.trim();
  const password = el.password.value;
  if (!username || !password) {
    markInvalid(!username, !password);
    showError("missing");
    (username ? el.password : el.username).focus();
    return;
  }
  setBusy(true);
  window
    .fetch(LOGIN_PATH, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: username, password: password }),
    })
    .then((response) => {
      if (response.ok) {
        return response
          .json()
          .catch(() => null)
          .then((data) => window.location.replace(destination(data && data.user)));
      }
      setBusy(false);
      el.password.value = "";
      if (response.status === 401) {
        markInvalid(true, true);
        showError("refused");
      } else if (response.status === 429) {
        const seconds = parseInt(response.headers.get("Retry-After") || "", 10);
        showError("throttled", Number.isFinite(seconds) && seconds > 0 ? seconds : 60);
      } else {
        showError("failed");
      }
      el.password.focus();
    })
    .catch(() => {
      setBusy(false);
      showError("offline");
    });
}

function start() {
  el.form = document.getElementById("login-form");
  el.username = document.getElementById("username");
  el.password = document.getElementById("password");
  el.submit = document.getElementById("login-submit");
  el.error = document.getElementById("login-error");
  el.toggle = document.getElementById("lang-toggle");
  el.heading = document.getElementById("login-heading");

  el.toggle.addEventListener("click", () => {
    toggle();
    applyLang();
  });
  el.form.addEventListener("submit", submit);
  applyLang();
  el.username.focus();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
