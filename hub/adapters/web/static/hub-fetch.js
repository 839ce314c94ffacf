// fetch() for the hub's API, shared by the console and the officer app: same-origin cookie, JSON
// accepted, the CSRF token on state-changing requests, an object body sent as JSON. On 401 (the session
// ended) `unauthenticated()` takes the page to the login page and gives the error the request fails with.

const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

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
  return window.fetch(path, opts).then((response) => {
    if (response.status === 401) throw unauthenticated();
    return response;
  });
}
