// Small DOM helpers: elements with attributes, icons from the page's sprite, text that is only
// written when it changes. Text always goes in with textContent, never as HTML.

// The SVG namespace, taken from the page's icon sprite (so that no URL is written here).
let svgNs = null;

export function h(tag, className, attributes) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  Object.keys(attributes || {}).forEach((name) => node.setAttribute(name, attributes[name]));
  return node;
}

// An icon from the page's sprite (`<symbol id="i-NAME">`).
export function icon(name) {
  if (!svgNs) svgNs = document.getElementById("sprite").namespaceURI;
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(svgNs, "use");
  use.setAttribute("href", "#i-" + name);
  svg.appendChild(use);
  return svg;
}

// An icon at the start of `node`, then a span for its text: [node, span].
export function iconText(node, name) {
  const text = document.createElement("span");
  node.appendChild(icon(name));
  node.appendChild(text);
  return [node, text];
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
