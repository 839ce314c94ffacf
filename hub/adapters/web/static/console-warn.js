// The one-click loudspeaker warning ("喊话"): the message library (GET /api/v1/messages) or free text, the
// language (Chinese, English or both: one warning per language), the repeats, and where it plays (every
// speaker of the site, or one); one button sends it (POST /api/v1/warnings with site_id or speaker_id and the
// incident's id). Used by the incident detail and by the patrol view (for the camera's site).
//
// A panel keeps its DOM element and its choices across the detail's re-renders: the detail re-inserts the same
// element, so a half-made choice (or the keyboard focus, restored by data-focus) survives a live update.
// `warningList` shows warnings with their state (sent, received, playing, done; failed and expired in red).

import { apiJson, post } from "./console-api.js";
import { joinList, lang, parseTime, t, term, whenText } from "./console-i18n.js";
import { actorText, deviceName, deviceNameOf } from "./console-names.js";
import { store } from "./console-state.js";
import { errorText } from "./console-story.js";
import { h, notify, replace, speakerIcon } from "./console-ui.js";

const REPEATS = [1, 2, 3, 5];
const FREE = "__free__";
let library = null; // the message library, loaded once: [{id, texts, languages}]
let loading = null;

function loadLibrary() {
  if (library) return Promise.resolve(library);
  if (!loading) {
    loading = apiJson("/api/v1/messages")
      .then((data) => {
        library = (data && data.messages) || [];
        return library;
      })
      .catch((error) => {
        loading = null;
        throw error;
      });
  }
  return loading;
}

// A library message's text in the UI language ("" until the library is loaded, or for an unknown id).
export function libraryText(id) {
  const found = (library || []).find((m) => m.id === id);
  if (!found || !found.texts) return "";
  return found.texts[lang() === "en" ? "en" : "zh-CN"] || found.texts["zh-CN"] || found.texts.en || "";
}

// The loudspeakers of a site, from the registry.
export function speakersOf(siteId) {
  return Array.from(store.devices.values()).filter((d) => d.kind === "speaker" && d.site_id === siteId);
}

const speakerName = deviceNameOf;

// Who sent a warning: a person (user or API token), an officer from the phone, or a rule.
const byWhom = actorText;

export function warningList(warnings, testid) {
  const s = t();
  if (!warnings.length) return h("p", { class: "muted", testid: (testid || "warning-list") + "-empty" }, s.warn_none_sent);
  return h(
    "ul",
    { class: "plain-list warnings", testid: testid || "warning-list" },
    warnings.map((w) => {
      const state = String(w.state || "");
      return h(
        "li",
        { class: "warning-item", testid: "warning-item", "data-state": state, "data-warning-id": w.id != null ? String(w.id) : null },
        h("span", { class: "time" }, whenText(parseTime(w.created_at || w.at || w.ts))),
        h("span", { class: "warning-text" }, String(w.text || w.message_id || "")),
        h(
          "span",
          { class: "warning-meta" },
          state ? h("span", { class: "tag warning-state warning-state-" + state.replace(/[^a-z_]/g, ""), testid: "warning-state" }, term("warningStates", state)) : null,
          h("span", { class: "warning-speaker" }, speakerIcon(), speakerName(w.speaker_id) || w.speaker_label),
          w.lang ? h("span", { class: "muted" }, w.lang === "en" ? "EN" : "中") : null,
          w.repeat > 1 ? h("span", { class: "muted" }, "×" + w.repeat) : null,
          w.created_by ? h("span", { class: "muted warning-by" }, byWhom(w.created_by)) : null,
          w.error && (state === "failed" || state === "expired") ? h("span", { class: "warning-error" }, String(w.error)) : null,
        ),
      );
    }),
  );
}

// A warning panel. `options`: {testid, onSent(warnings)}; `update({siteId, incidentId})` before each render.
export function createWarnPanel(options) {
  const opts = Object.assign({ testid: "warn-panel", onSent: () => {} }, options || {});
  const state = { siteId: null, incidentId: null, message: null, free: "", lang: "zh-CN", repeat: 2, target: "site", busy: false, error: "" };
  const element = h("div", { class: "warn-panel", testid: opts.testid });
  const key = (name) => opts.testid + "-" + name; // data-focus keys, unique per panel

  function update(context) {
    const siteId = context.siteId || null;
    if (siteId !== state.siteId) {
      state.target = "site"; // a speaker of another site makes no sense here
      state.error = "";
    }
    state.siteId = siteId;
    state.incidentId = context.incidentId != null ? context.incidentId : null;
    return panel;
  }

  function render() {
    const s = t();
    const speakers = speakersOf(state.siteId);
    const focused = document.activeElement && element.contains(document.activeElement) ? document.activeElement.getAttribute("data-focus") : null;
    if (!library) {
      replace(element, h("p", { class: "muted" }, s.detail_loading));
      loadLibrary().then(render, (error) => replace(element, h("p", { class: "detail-error", role: "alert" }, s.warn_failed + error.message)));
      return element;
    }
    if (state.message == null && library.length) state.message = library[0].id;
    const chosen = library.find((m) => m.id === state.message) || null;
    const isFree = state.message === FREE;
    if (isFree && state.lang === "both") state.lang = "zh-CN";
    const langs = chosen ? chosen.languages || Object.keys(chosen.texts || {}) : ["zh-CN", "en"];
    if (!isFree && state.lang !== "both" && !langs.includes(state.lang)) state.lang = langs[0] || "zh-CN";
    if (!isFree && state.lang === "both" && langs.length < 2) state.lang = langs[0] || "zh-CN";

    const messages = h(
      "fieldset",
      { class: "warn-messages", role: "radiogroup" },
      h("legend", { class: "visually-hidden" }, s.warn_message),
      library.map((m) =>
        h(
          "label",
          { class: "warn-message" + (m.id === state.message ? " chosen" : ""), testid: "warn-message", "data-message-id": m.id },
          h("input", {
            type: "radio",
            name: key("message"),
            value: m.id,
            checked: m.id === state.message,
            "data-focus": key("message-" + m.id),
            onchange: () => {
              state.message = m.id;
              render();
            },
          }),
          h("span", { class: "warn-message-text" }, messageText(m, state.lang)),
        ),
      ),
      h(
        "label",
        { class: "warn-message warn-free" + (isFree ? " chosen" : ""), testid: "warn-free" },
        h("input", {
          type: "radio",
          name: key("message"),
          value: FREE,
          checked: isFree,
          "data-focus": key("message-free"),
          onchange: () => {
            state.message = FREE;
            render();
            const box = element.querySelector("textarea");
            if (box) box.focus();
          },
        }),
        h("span", { class: "warn-message-text" }, s.warn_free),
      ),
    );
    const free = isFree
      ? h("textarea", {
          class: "warn-free-text",
          rows: "2",
          maxlength: "500",
          placeholder: s.warn_free_placeholder,
          "aria-label": s.warn_free,
          testid: "warn-free-text",
          "data-focus": key("free-text"),
          oninput: (event) => {
            state.free = event.target.value;
          },
        })
      : null;
    if (free) free.value = state.free;

    const langChoices = isFree ? ["zh-CN", "en"] : [...langs.filter((l) => l === "zh-CN" || l === "en"), ...(langs.length > 1 ? ["both"] : [])];
    const controls = h(
      "div",
      { class: "warn-controls" },
      h(
        "fieldset",
        { class: "segmented", testid: "warn-lang" },
        h("legend", null, s.warn_lang),
        langChoices.map((lang) =>
          h(
            "label",
            { class: state.lang === lang ? "chosen" : "" },
            h("input", {
              type: "radio",
              name: key("lang"),
              value: lang,
              checked: state.lang === lang,
              "data-focus": key("lang-" + lang),
              onchange: () => {
                state.lang = lang;
                render();
              },
            }),
            h("span", null, s.warn_langs[lang]),
          ),
        ),
      ),
      selectField(s.warn_repeat, "repeat", key, (value) => {
        state.repeat = Number(value);
      }, REPEATS.map((n) => h("option", { value: String(n), selected: n === state.repeat }, s.warn_times(n)))),
      selectField(s.warn_target, "target", key, (value) => {
        state.target = value;
      }, [
        h("option", { value: "site", selected: state.target === "site" }, s.warn_all_speakers(speakers.length)),
        speakers.map((d) => h("option", { value: d.id, selected: state.target === d.id }, deviceName(d))),
      ]),
    );
    const send = h(
      "button",
      {
        type: "button",
        class: "btn btn-warn btn-send-warning",
        testid: "warn-send",
        "data-focus": key("send"),
        disabled: state.busy || !speakers.length,
        onclick: () => sendWarning(),
      },
      state.busy ? null : speakerIcon(),
      state.busy ? s.warn_sending : s.warn_send,
    );
    replace(
      element,
      messages,
      free,
      controls,
      h("div", { class: "warn-send-row" }, send, h("span", { class: "muted warn-where" }, whereText(speakers))),
      state.error ? h("p", { class: "detail-error", role: "alert", testid: "warn-error" }, state.error) : null,
    );
    if (focused) {
      const again = element.querySelector('[data-focus="' + focused + '"]');
      if (again && !again.disabled) again.focus({ preventScroll: true });
    }
    return element;
  }

  function whereText(speakers) {
    if (state.target === "site") return joinList(speakers.map(deviceName));
    return speakerName(state.target);
  }

  function sendWarning() {
    const s = t();
    if (state.busy || !state.siteId) return;
    const isFree = state.message === FREE;
    const text = state.free.trim();
    if ((isFree && !text) || (!isFree && !state.message)) {
      state.error = s.warn_choose;
      render();
      const box = element.querySelector("textarea");
      if (box) box.focus();
      return;
    }
    const langs = state.lang === "both" ? ["zh-CN", "en"] : [state.lang];
    const base = { repeat: state.repeat };
    if (state.target === "site") base.site_id = state.siteId;
    else base.speaker_id = state.target;
    if (state.incidentId != null) base.incident_id = Number(state.incidentId);
    if (isFree) base.text = text;
    else base.message_id = state.message;
    state.busy = true;
    state.error = "";
    render();
    // One warning per language, one after the other: Chinese first, then English.
    const sent = [];
    let chain = Promise.resolve();
    langs.forEach((lang) => {
      chain = chain.then(() => post("/api/v1/warnings", Object.assign({ lang: lang }, base)).then((data) => sent.push(...((data && data.warnings) || []))));
    });
    return chain
      .then(() => {
        if (isFree) state.free = "";
        notify(s.warn_sent(sent.length), "info");
      })
      .catch((error) => {
        state.error = s.warn_failed + errorText(error);
        notify(state.error, "error");
      })
      .then(() => {
        state.busy = false;
        render();
        if (sent.length) opts.onSent(sent);
        return sent;
      });
  }

  const panel = { element: element, update: update, render: render, send: sendWarning };
  return panel;
}

function messageText(message, lang) {
  const texts = message.texts || {};
  if (lang === "both") return [texts["zh-CN"], texts.en].filter(Boolean).join(" / ") || message.id;
  return texts[lang] || texts["zh-CN"] || texts.en || message.id;
}

// One labelled drop-down of the form (its testid "warn-<name>"); `pick` keeps the chosen value.
function selectField(label, name, key, pick, options) {
  const onchange = (event) => pick(event.target.value);
  return h("label", { class: "warn-field" }, h("span", null, label), h("select", { testid: "warn-" + name, "data-focus": key(name), onchange }, options));
}
