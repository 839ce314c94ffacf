-- Loudspeaker warnings: one row per command to one speaker, with every ack kept.
CREATE TABLE warnings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command_id      text        NOT NULL UNIQUE,
    speaker_id      text        NOT NULL,
    site_id         text        NOT NULL,
    incident_id     bigint      REFERENCES incidents (id),
    rule_id         text,
    message_id      text,
    text            text        NOT NULL,
    lang            text        NOT NULL,
    audio_key       text        NOT NULL,
    audio_url       text        NOT NULL,
    duration_s      real        NOT NULL,
    repeat          integer     NOT NULL,
    volume          integer     NOT NULL,
    priority        integer     NOT NULL,
    expires_at      timestamptz NOT NULL,
    command         bytea       NOT NULL,  -- the published command, resent as it was
    state           text        NOT NULL,
    error           text        NOT NULL DEFAULT '',
    attempts        integer     NOT NULL DEFAULT 1,
    next_resend_at  timestamptz,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    received_at     timestamptz,
    playing_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX warnings_due ON warnings (next_resend_at) WHERE state IN ('sent', 'received', 'playing');
CREATE INDEX warnings_incident ON warnings (incident_id);
CREATE INDEX warnings_rule ON warnings (rule_id, speaker_id, created_at DESC);

CREATE TABLE warning_acks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warning_id   bigint      NOT NULL REFERENCES warnings (id),
    state        text        NOT NULL,
    reported_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    error        text        NOT NULL DEFAULT ''
);
CREATE INDEX warning_acks_warning ON warning_acks (warning_id, id);
