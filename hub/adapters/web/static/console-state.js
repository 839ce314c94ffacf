// What the console knows, shared by its views: the open incidents (live from the stream), the
// district's registry and targets, the signed-in user; and a tiny event bus between the views.

export const store = {
  incidents: new Map(), // id (string) → open incident, as the hub sent it
  loaded: false, // a snapshot has been applied at least once
  connection: "connecting", // connecting | live | syncing | disconnected
  session: null, // {user, auth, csrf_token} from /api/v1/auth/me
  district: null, // /api/v1/district
  sites: new Map(), // id → site
  officers: new Map(), // id → officer
  grids: new Map(), // id → grid
  devices: new Map(), // id → device (registry)
  targets: new Map(), // priority (number) → {ack_s, accept_s, arrival_s}
};

const listeners = new Map();

export function on(event, handler) {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event).add(handler);
}

export function emit(event, detail) {
  (listeners.get(event) || []).forEach((handler) => {
    try {
      handler(detail);
    } catch (e) {
      // One failing view must not stop the others (the board above all).
      window.console.error("console: handler for " + event + " failed", e);
    }
  });
}

export const FINAL_STATES = new Set(["resolved", "cancelled"]);
export const PRESS_KINDS = new Set(["panic", "duress"]);

export function isOpen(incident) {
  return Boolean(incident) && incident.id != null && !FINAL_STATES.has(incident.state);
}

// The stream's snapshot replaces the open incidents; answers the ids that were not open before.
export function takeSnapshot(list) {
  const before = new Set(store.incidents.keys());
  store.incidents.clear();
  (Array.isArray(list) ? list : []).forEach((incident) => {
    if (isOpen(incident)) store.incidents.set(String(incident.id), incident);
  });
  store.loaded = true;
  return Array.from(store.incidents.keys()).filter((id) => !before.has(id));
}

// One incident's change from the stream: answers "new", "changed", "closed", or "" (closed, and it
// was not open here: nothing changed).
export function takeIncident(incident) {
  if (!incident || incident.id == null) return "";
  const id = String(incident.id);
  if (!isOpen(incident)) return store.incidents.delete(id) ? "closed" : "";
  const isNew = !store.incidents.has(id);
  store.incidents.set(id, incident);
  return isNew ? "new" : "changed";
}

export function priorityOf(incident) {
  const p = Number(incident && incident.priority);
  return p >= 1 && p <= 4 ? Math.floor(p) : 0;
}

// Needs the desk's attention now: open, not a test, nobody has acknowledged it.
export function isUnacknowledged(incident) {
  return isOpen(incident) && incident.test !== true && !incident.acknowledged_at;
}

export function canSupervise() {
  const role = store.session && store.session.user && store.session.user.role;
  return role === "supervisor" || role === "admin";
}

export function targetsFor(incident) {
  return store.targets.get(priorityOf(incident)) || null;
}
