-- Camera media kept by the hub (snapshots arrive inline in events, clips are fetched from the camera
-- or its agent), and each device's current fault (a camera covered, moved, out of focus, no stream).

ALTER TABLE device_health ADD COLUMN fault text;

CREATE TABLE media (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_pk         bigint      NOT NULL REFERENCES events (id),
    kind             text        NOT NULL CHECK (kind IN ('snapshot', 'clip')),
    state            text        NOT NULL CHECK (state IN ('pending', 'stored', 'failed')),
    source_url       text,
    path             text,
    content_type     text,
    bytes            integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    stored_at        timestamptz,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    error            text        NOT NULL DEFAULT ''
);
CREATE INDEX media_event ON media (event_pk);
CREATE INDEX media_pending ON media (next_attempt_at) WHERE state = 'pending';
