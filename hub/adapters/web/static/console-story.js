// The incident's story in the UI language: the timeline's entries worded from their code and
// parameters (the hub's English text only for entries without a code), the loudspeaker's answers
// folded into their warning's line; and the hub's refusals worded from their code
// ("已由 张伟 于 03:12:05 确认").

import { clockText, distanceText, joinList, parseTime, t, term, whenText } from "./console-i18n.js";
import { actorText, deviceNameOf, officerName } from "./console-names.js";
import { libraryText } from "./console-warn.js";

// The parameters of a code, each in words: ids become names, codes become terms.
function wordParams(params) {
  const p = Object.assign({}, params || {});
  if (p.officer) p.officer = officerName(p.officer);
  if (p.device) p.device = deviceNameOf(p.device);
  if (p.speaker) p.speaker = deviceNameOf(p.speaker);
  if (p.event) p.event = t().eventTypes[p.event] || term("kinds", p.event);
  if (p.kind) p.kind = term("kinds", p.kind);
  if (p.disposition) p.disposition = term("dispositions", p.disposition);
  if (p.state) p.state = term("warningStates", p.state);
  if (p.lang) p.lang = t().langs[p.lang] || p.lang;
  if ("message" in p) p.message = messageName(p.message);
  if (p.distance_m != null) p.distance = distanceText(Number(p.distance_m));
  return p;
}

function messageName(id) {
  if (!id) return t().free_text;
  return libraryText(id) || id;
}

// An entry's reason in words: from its code when the console knows it, else the stored text.
export function reasonText(entry) {
  const wording = entry.reason_code && t().reasons[entry.reason_code];
  if (wording) return wording(wordParams(entry.reason_params));
  return entry.reason || "";
}

// The timeline as lines: each loudspeaker answer (warning_received, _playing, _done, ...) joins the
// line of the warning it answers (by the warning's id; else the latest warning to that speaker)
// instead of a line of its own.
export function storyLines(entries) {
  const lines = [];
  const warningLines = new Map(); // "w" + warning id, and "s" + speaker id → the warning's line
  entries.forEach((entry) => {
    const p = entry.reason_params || {};
    if (String(entry.action).startsWith("warning_")) {
      const line = warningLines.get("w" + p.warning) || warningLines.get("s" + (p.speaker || ""));
      if (line) {
        line.acks.push(entry);
        return;
      }
    }
    const line = { entry: entry, acks: [] };
    if (entry.action === "warning") {
      if (p.warning != null) warningLines.set("w" + p.warning, line);
      warningLines.set("s" + (p.speaker || ""), line);
    }
    lines.push(line);
  });
  return lines;
}

// The speaker's answers to a warning, in one phrase: "已收到 03:12:01、已播放 03:12:09".
export function acksText(acks) {
  const words = t().warning_acks;
  return joinList(
    acks.map((ack) => {
      const state = (ack.reason_params && ack.reason_params.state) || String(ack.action).replace(/^warning_/, "");
      const error = ack.reason_params && ack.reason_params.error ? " (" + ack.reason_params.error + ")" : "";
      return (words[state] || state) + " " + clockText(parseTime(ack.at)) + error;
    }),
  );
}

// A refusal from the hub in the user's language.
export function errorText(error) {
  const s = t();
  const wording = error && error.code && s.errors[error.code];
  if (!wording) return s.errors.unknown(error && error.message ? error.message : String(error));
  const p = Object.assign({}, error.params || {});
  if (p.at) p.at = whenText(parseTime(p.at));
  if (p.by_actor) p.by = actorText(p.by_actor, p.by);
  if (p.state) p.state = term("states", p.state);
  if (p.action) p.action = term("actions", p.action);
  return wording(p);
}
