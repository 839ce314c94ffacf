// Small DOM helpers shared by the views. Text goes in with textContent only: nothing from the hub
// is ever parsed as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "testid") node.setAttribute("data-testid", value);
    // Styles through the CSSOM: the page's Content-Security-Policy refuses style attributes.
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  children.flat(Infinity).forEach((child) => {
    if (child == null || child === false) return;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  });
  return node;
}

export function h(tag, props, ...children) {
  return fill(document.createElement(tag), props, children);
}

export function s(tag, props, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), props, children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function replace(node, ...children) {
  clear(node);
  children.flat(Infinity).forEach((child) => {
    if (child != null && child !== false) node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  });
  return node;
}

// A short message for the desk (action results, errors), also read out by screen readers.
export function notify(message, kind) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const toast = h("div", { class: "toast toast-" + (kind || "info"), role: kind === "error" ? "alert" : "status", testid: "toast" }, message);
  box.appendChild(toast);
  window.setTimeout(() => toast.remove(), kind === "error" ? 8000 : 4000);
}

// A loudspeaker icon (inline SVG: the page loads no fonts or images from elsewhere, and emoji may be missing).
export function speakerIcon() {
  return s(
    "svg",
    { class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    s("path", { d: "M3 9v6h4l5 4V5L7 9H3z", fill: "currentColor" }),
    s("path", { d: "M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round" }),
  );
}

// A video camera, struck through: no live view.
export function noCameraIcon() {
  return s(
    "svg",
    { class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    s("path", { d: "M3 7h11a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM15 10.5l6-3.5v10l-6-3.5z", fill: "none", stroke: "currentColor", "stroke-width": "1.6", "stroke-linejoin": "round" }),
    s("path", { d: "M3 3l18 18", stroke: "currentColor", "stroke-width": "1.8", "stroke-linecap": "round" }),
  );
}

export function priorityBadge(p) {
  return h("span", { class: "badge badge-p" + (p || 4) }, p ? "P" + p : "P?");
}

// Typing in a field must never trigger the board's single-key shortcuts.
export function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

// The page's elements by id, under the names a view knows them by: byIds("devices", ["body"]).body is #devices-body.
export function byIds(prefix, names) {
  return Object.fromEntries(names.map((name) => [name, document.getElementById(prefix + "-" + name)]));
}
