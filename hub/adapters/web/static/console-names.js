// Display names in the UI language, never ids where a name exists: officers, devices, grids, zones,
// desk seats and console users (English mode: the district file's name_en / label_en, else the name).

import { lang, t } from "./console-i18n.js";
import { store } from "./console-state.js";

function english() {
  return lang() === "en";
}

export function officerName(officerId) {
  const officer = store.officers.get(officerId);
  if (!officer) return String(officerId || "");
  return (english() && officer.name_en) || officer.name;
}

export function deviceName(device) {
  if (!device) return "";
  return (english() && device.label_en) || device.label || device.id;
}

export function deviceNameOf(deviceId) {
  const device = store.devices.get(deviceId);
  return device ? deviceName(device) : String(deviceId || "");
}

export function gridName(grid) {
  if (!grid) return "";
  return (english() && grid.name_en) || grid.name || grid.id;
}

// Who did it: a person's display name, an officer's name, a device's label, "system".
export function actorText(actor, actorName) {
  const value = String(actor || "");
  const colon = value.indexOf(":");
  const kind = colon >= 0 ? value.slice(0, colon) : value;
  const rest = colon >= 0 ? value.slice(colon + 1) : "";
  if (kind === "system") return t().actors.system;
  if (kind === "officer") return officerName(rest);
  if (kind === "device") return deviceNameOf(rest);
  if (kind === "user" || kind === "token") return actorName || rest;
  if (kind === "rule") return t().actors.rule;
  return value;
}

// An incident's site: its name (English mode: name_en), its id only when the hub sent no name.
export function siteText(incident) {
  const zh = incident.site_name || incident.site_id || "";
  return String(english() ? incident.site_name_en || zh : zh);
}

// A camera zone as events name it (its id), in words: the district file's name / name_en.
export function zoneName(deviceId, zoneId) {
  const device = store.devices.get(deviceId);
  const zone = device && (device.zones || []).find((z) => z.id === zoneId);
  if (!zone) return String(zoneId || "");
  return (english() && zone.name_en) || zone.name || zone.id;
}
