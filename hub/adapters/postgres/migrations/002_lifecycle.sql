-- Incident lifecycle: dispatches, timers, officer presence; people: users, sessions, API tokens;
-- and the audit log.

ALTER TABLE incidents
    ADD COLUMN escalated_at         timestamptz,
    ADD COLUMN escalation_count     integer NOT NULL DEFAULT 0,
    ADD COLUMN arrival_overdue_at   timestamptz,
    ADD COLUMN cancel_requested_at  timestamptz,
    ADD COLUMN disposition          text,
    ADD COLUMN resolution_note      text NOT NULL DEFAULT '',
    ADD COLUMN changed_at           timestamptz;

CREATE TABLE dispatches (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint      NOT NULL REFERENCES incidents (id),
    officer_id   text        NOT NULL,
    state        text        NOT NULL,
    rule         text        NOT NULL,
    offered_at   timestamptz NOT NULL,
    accept_by    timestamptz NOT NULL,
    answered_at  timestamptz,
    note         text        NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispatches_incident ON dispatches (incident_id, id);
CREATE INDEX dispatches_officer_active ON dispatches (officer_id)
    WHERE state IN ('offered', 'accepted', 'en_route', 'on_scene');

-- Deadlines live here, not in memory, so they survive restarts; `fired_at` makes each fire once.
CREATE TABLE timers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint      NOT NULL REFERENCES incidents (id),
    kind         text        NOT NULL,
    dispatch_id  bigint      REFERENCES dispatches (id),
    due_at       timestamptz NOT NULL,
    fired_at     timestamptz,
    fired_by     text,
    cancelled    boolean     NOT NULL DEFAULT false
);
CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL AND NOT cancelled;

-- Who is signed on (the daily sign-in) and where they were last seen.
CREATE TABLE officer_presence (
    officer_id   text PRIMARY KEY,
    signed_on    boolean     NOT NULL,
    changed_at   timestamptz NOT NULL,
    lat          double precision,
    lon          double precision,
    located_at   timestamptz
);
CREATE TABLE officer_duty_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    officer_id   text        NOT NULL,
    action       text        NOT NULL CHECK (action IN ('sign_on', 'sign_off')),
    at           timestamptz NOT NULL
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text        NOT NULL UNIQUE,
    password_hash  text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('duty', 'supervisor', 'admin', 'officer')),
    officer_id     text,
    display_name   text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled       boolean     NOT NULL DEFAULT false
);

-- Only hashes of session and API tokens are stored.
CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea       NOT NULL UNIQUE,
    user_id       bigint      NOT NULL REFERENCES users (id),
    csrf_token    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea       NOT NULL UNIQUE,
    name          text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('duty', 'supervisor', 'admin', 'officer')),
    officer_id    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE audit_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text        NOT NULL,
    action  text        NOT NULL,
    target  text        NOT NULL DEFAULT '',
    detail  jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
