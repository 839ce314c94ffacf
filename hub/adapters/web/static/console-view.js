// A console view that fetches its data while it is shown, every `every` ms, and renders it: the
// show/hide/refresh cycle the devices, roster, map and handover views share. `load()` answers the
// view's data; an answer of undefined (a request overtaken by a newer one) leaves the data as it was.

import { t } from "./console-i18n.js";
import { h } from "./console-ui.js";

export function refreshingView({ every, load, render }) {
  let timer = null;
  const view = {
    visible: false,
    data: null,
    failed: "",
    loadedAt: 0,
    show() {
      view.visible = true;
      render();
      view.refresh();
    },
    hide() {
      view.visible = false;
      window.clearTimeout(timer);
    },
    refresh() {
      window.clearTimeout(timer);
      load()
        .then((answer) => {
          if (answer === undefined) return;
          view.data = answer;
          view.loadedAt = Date.now();
          view.failed = "";
        })
        .catch((error) => {
          view.failed = error.message;
        })
        .then(() => {
          if (!view.visible) return;
          render();
          timer = window.setTimeout(view.refresh, every);
        });
    },
    // What the view shows before its first answer: "loading…", or why the request failed.
    placeholder() {
      return h("p", { class: view.failed ? "detail-error" : "muted" }, view.failed || t().detail_loading);
    },
  };
  return view;
}
