// The alarm's place on a desk page, built the same on every page that has it (the console, the
// reports page): the red "link lost" banner, the alarm bar and the "click to enable sound" bar above
// the page's top bar, the sound button in the top bar, and the corner for short messages (toasts).
// console-alarm.js and console-alarm-overlay.js find them by id.

import { t } from "./console-i18n.js";
import { h, s } from "./console-ui.js";

// A loudspeaker whose waves show while the sound is on and a cross while it is not.
function soundIcon() {
  const line = { fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round" };
  return s(
    "svg",
    { class: "sound-icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    s("path", { d: "M3 9v6h4l5 4V5L7 9H3z", fill: "currentColor" }),
    s("path", Object.assign({ class: "waves", d: "M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12" }, line)),
    s("path", Object.assign({ class: "cross", d: "M16 9l6 6M22 9l-6 6" }, line)),
  );
}

// Text that follows the language switch (applyPageText re-reads data-i18n).
function words(key, props) {
  return h("span", Object.assign({ "data-i18n": key }, props || {}), t()[key]);
}

// Builds the elements into the page: the bars before `topbar`, the sound button before `soundBefore`.
// Answers the bars (their text follows the language with applyPageText).
export function mountAlarmChrome(topbar, soundBefore) {
  const strings = t();
  const bars = [
    h(
      "div",
      { class: "banner", id: "disconnected-banner", testid: "disconnected-banner", role: "alert", hidden: true },
      h("span", { class: "banner-icon", "aria-hidden": "true" }, "⚠"),
      words("banner_disconnected"),
    ),
    h("div", { class: "alarm-overlay", id: "alarm-overlay", testid: "alarm-overlay", role: "alert", hidden: true }),
    h(
      "div",
      { class: "unlock-bar", id: "sound-unlock", testid: "sound-unlock", hidden: true },
      h("button", { type: "button", class: "unlock-button", id: "sound-unlock-button", testid: "sound-unlock-button" }, soundIcon(), words("sound_unlock")),
      words("sound_unlock_hint", { class: "unlock-hint" }),
    ),
  ];
  topbar.before(...bars);
  soundBefore.before(
    h(
      "button",
      { type: "button", class: "sound-toggle", id: "sound-toggle", testid: "sound-toggle", "data-state": "locked", "data-alarm": "quiet", "aria-pressed": "false" },
      soundIcon(),
      h("span", { id: "sound-label" }, strings.sound_locked),
    ),
  );
  document.body.append(h("div", { class: "toasts", id: "toasts", "aria-live": "polite" }));
  return bars;
}
