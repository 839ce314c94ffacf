// fetch() for the hub's API, shared by the console and the officer app: same-origin cookie, JSON
// accepted, the CSRF token on state-changing requests, an object body sent as JSON. On 401 (the session
// ended) `unauthenticated()` takes the page to the login page and gives the error the request fails with.

const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// An action the hub has not answered in this time is given up, so that a frozen hub (its connection
// open, nothing coming back) cannot leave the page's buttons waiting forever. It may still have been
// done: the error (code "no_answer") says so, and the page reloads what it shows.
export const ANSWER_WITHIN_MS = 15000;

export class NoAnswer extends Error {
  constructor() {
    super("no answer within " + ANSWER_WITHIN_MS / 1000 + " s");
    this.code = "no_answer";
    this.params = { seconds: ANSWER_WITHIN_MS / 1000 };
  }
}

export function hubFetch(path, options, csrfToken, unauthenticated) {
  const opts = Object.assign({ credentials: "same-origin" }, options || {});
  const method = String(opts.method || "GET").toUpperCase();
  const headers = new Headers(opts.headers || {});
  headers.set("Accept", "application/json");
  if (!SAFE_METHODS.has(method) && csrfToken) headers.set(CSRF_HEADER, csrfToken);
  if (opts.body !== undefined && typeof opts.body !== "string") {
    headers.set("Content-Type", "application/json");
    opts.body = JSON.stringify(opts.body);
  }
  opts.method = method;
  opts.headers = headers;
  // A timer of the page's own (not AbortSignal.timeout), so that the page's clock governs it, a test's too.
  const deadline = SAFE_METHODS.has(method) || opts.signal ? null : new AbortController();
  let timer = null;
  if (deadline) {
    opts.signal = deadline.signal;
    timer = window.setTimeout(() => deadline.abort(), ANSWER_WITHIN_MS);
  }
  return window.fetch(path, opts).then(
    (response) => {
      window.clearTimeout(timer);
      if (response.status === 401) throw unauthenticated();
      return response;
    },
    (error) => {
      window.clearTimeout(timer);
      throw deadline && deadline.signal.aborted ? new NoAnswer() : error;
    },
  );
}
