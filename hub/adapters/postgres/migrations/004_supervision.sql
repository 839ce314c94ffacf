-- Device supervision: one row per device, with the moment it is considered gone if nothing is
-- heard (`deadline_at`). A periodic scan over the partial index finds the overdue ones, so ten
-- thousand devices need no timer each.
CREATE TABLE device_health (
    device_id      text PRIMARY KEY,
    site_id        text        NOT NULL,
    kind           text        NOT NULL,
    online         boolean     NOT NULL DEFAULT true,
    last_seen_at   timestamptz NOT NULL,
    deadline_at    timestamptz NOT NULL,
    offline_since  timestamptz,
    battery        smallint,
    low_battery    boolean     NOT NULL DEFAULT false
);
CREATE INDEX device_health_due ON device_health (deadline_at) WHERE online;
