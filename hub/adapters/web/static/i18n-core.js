// What every page (console, officer app, reports, sign-in) does with its two string tables, zh-CN (the
// default) and English: which language is shown (?lang=en|zh wins, else the choice remembered in
// localStorage, shared by all pages), the page's fixed text and language button, and small formats.
// The tables themselves stay with each page.

const LANG_KEY = "sentinel.console.lang";

export function pad(n) {
  return n < 10 ? "0" + n : String(n);
}

export function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

export function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (e) {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
}

// The page's language over its tables {zh, en}. rememberAsked: a ?lang= in the address is remembered
// too (a wall display set up once).
export function languages(tables, rememberAsked) {
  const asked = new URLSearchParams(window.location.search).get("lang");
  let current = asked === "en" || asked === "zh" ? asked : stored(LANG_KEY) === "en" ? "en" : "zh";
  if (asked === current && rememberAsked) store(LANG_KEY, current);
  const set = (value) => {
    current = value === "en" ? "en" : "zh";
    store(LANG_KEY, current);
    return current;
  };
  return {
    lang: () => current,
    t: () => tables[current],
    set: set,
    toggle: () => set(current === "en" ? "zh" : "en"),
  };
}

// The page's fixed text: its lang attribute, and every element with data-i18n gets its string as text,
// with data-i18n-placeholder / -title / -label as that attribute (-label: aria-label).
export function applyPageText(strings, root) {
  document.documentElement.lang = strings.htmlLang;
  (root || document).querySelectorAll("[data-i18n]").forEach((node) => {
    const value = strings[node.getAttribute("data-i18n")];
    if (typeof value === "string") node.textContent = value;
  });
  for (const attr of ["placeholder", "title", "aria-label"]) {
    const key = "data-i18n-" + attr.replace("aria-", "");
    (root || document).querySelectorAll("[" + key + "]").forEach((node) => {
      const value = strings[node.getAttribute(key)];
      if (typeof value === "string") node.setAttribute(attr, value);
    });
  }
}

// The button that switches to the other language, written in that language.
export function labelToggle(button, strings) {
  button.textContent = strings.toggleText;
  button.setAttribute("lang", strings.toggleLang);
  button.setAttribute("aria-label", strings.toggleLabel);
}

// Whole seconds (not negative) as [days, hours, minutes, seconds], for a table's age(d, h, m, s).
export function dhms(total) {
  return [Math.floor(total / 86400), Math.floor((total % 86400) / 3600), Math.floor((total % 3600) / 60), total % 60];
}

// The same calendar day on this device's clock.
export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}
