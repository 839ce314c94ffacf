// fetch() for the hub's API: same-origin cookie, the CSRF token on state-changing requests, JSON
// bodies, and the login page on 401 (the session ended).

import { store } from "./console-state.js";

const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

let leaving = false; // on the way to the login page: stop everything
const leaveHandlers = [];

export class ApiError extends Error {
  constructor(status, code, message, params) {
    super(message);
    this.status = status;
    this.code = code;
    this.params = params || {}; // what the code refers to (the console words it: console-story.js)
  }
}

export function isLeaving() {
  return leaving;
}

export function onLeave(handler) {
  leaveHandlers.push(handler);
}

export function leave(target) {
  if (leaving) return;
  leaving = true;
  leaveHandlers.forEach((handler) => handler());
  window.location.replace(target);
}

export function toLogin() {
  const here = window.location.pathname + window.location.search + window.location.hash;
  leave("/login?next=" + encodeURIComponent(here));
}

export function api(path, options) {
  const opts = Object.assign({ credentials: "same-origin" }, options || {});
  const method = String(opts.method || "GET").toUpperCase();
  const headers = new Headers(opts.headers || {});
  headers.set("Accept", "application/json");
  const session = store.session;
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
      throw new ApiError(401, "unauthenticated", "not signed in");
    }
    return response;
  });
}

// The JSON answer, or an ApiError with the hub's code and message.
export function apiJson(path, options) {
  return api(path, options).then((response) =>
    response
      .json()
      .catch(() => null)
      .then((body) => {
        if (response.ok) return body;
        const error = (body && body.error) || {};
        throw new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText, error.params);
      }),
  );
}

export function post(path, body) {
  return apiJson(path, { method: "POST", body: body || {} });
}
