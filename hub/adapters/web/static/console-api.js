// fetch() for the hub's API: same-origin cookie, the CSRF token on state-changing requests, JSON
// bodies, and the login page on 401 (the session ended).

import { store } from "./console-state.js";
import { hubFetch } from "./hub-fetch.js";

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
  const session = store.session;
  return hubFetch(path, options, session && session.csrf_token, () => {
    toLogin();
    return new ApiError(401, "unauthenticated", "not signed in");
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
