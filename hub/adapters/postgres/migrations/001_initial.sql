-- Events, incidents, timeline, dead letters, device status and the outbox.

-- Every device event ever accepted, append-only. A redelivered or resent event is the same
-- (device_id, event_id) and is ignored by ON CONFLICT DO NOTHING.
CREATE TABLE events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    text        NOT NULL,
    event_id     text        NOT NULL,
    site_id      text        NOT NULL,
    device_kind  text        NOT NULL,
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now(),
    payload      jsonb       NOT NULL,
    CONSTRAINT events_device_event_unique UNIQUE (device_id, event_id)
);
CREATE INDEX events_site_received ON events (site_id, received_at);

CREATE TABLE incidents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id          text        NOT NULL,
    kind             text        NOT NULL,
    priority         smallint    NOT NULL CHECK (priority BETWEEN 1 AND 4),
    state            text        NOT NULL,
    test             boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    last_event_at    timestamptz NOT NULL,
    event_count      integer     NOT NULL CHECK (event_count >= 0),
    acknowledged_at  timestamptz,
    dispatched_at    timestamptz,
    accepted_at      timestamptz,
    en_route_at      timestamptz,
    on_scene_at      timestamptz,
    resolved_at      timestamptz,
    cancelled_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- Correlation rule as an invariant: at most one open incident per site, whatever the hub does.
CREATE UNIQUE INDEX incidents_one_open_per_site ON incidents (site_id)
    WHERE state NOT IN ('resolved', 'cancelled');
CREATE INDEX incidents_created ON incidents (created_at DESC);

-- Which events belong to which incident (append-only, like events).
CREATE TABLE incident_events (
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    event_pk     bigint NOT NULL REFERENCES events (id),
    PRIMARY KEY (incident_id, event_pk)
);
CREATE UNIQUE INDEX incident_events_event ON incident_events (event_pk);

-- Append-only history of every incident: who, when, why.
CREATE TABLE incident_timeline (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint      NOT NULL REFERENCES incidents (id),
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    action       text        NOT NULL,
    from_state   text,
    to_state     text        NOT NULL,
    reason       text        NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at);

-- Every message refused at the boundary, kept for inspection with its reason.
CREATE TABLE dead_letters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    source       text        NOT NULL,
    topic        text        NOT NULL,
    payload      bytea       NOT NULL,
    reason       text        NOT NULL,
    detail       text        NOT NULL DEFAULT ''
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);

-- Last reported status of each device (retained status topic).
CREATE TABLE device_status (
    device_id    text PRIMARY KEY,
    site_id      text        NOT NULL,
    state        text        NOT NULL,
    reported_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    battery      smallint,
    rssi         integer,
    firmware     text
);

-- Transactional outbox: commands to devices and officers are written in the same transaction as
-- the change that caused them, and published (QoS 1, at least once) by the relay after commit.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text        NOT NULL,
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    attempts     integer     NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
