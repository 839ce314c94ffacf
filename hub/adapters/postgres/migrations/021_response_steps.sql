-- Guided response (hub.domain.steps): which configured steps of an incident are done, by whom, how.
-- Written under the site's lock, like every other write of the incident; the first mark of a step stays.
CREATE TABLE incident_steps (
    incident_id  bigint      NOT NULL REFERENCES incidents (id),
    step_id      text        NOT NULL,
    done_at      timestamptz NOT NULL,
    actor        text        NOT NULL,
    note         text        NOT NULL DEFAULT '',
    automatic    boolean     NOT NULL,
    PRIMARY KEY (incident_id, step_id)
);
