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

export function priorityBadge(p) {
  return h("span", { class: "badge badge-p" + (p || 4) }, p ? "P" + p : "P?");
}

// Typing in a field must never trigger the board's single-key shortcuts.
export function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}
