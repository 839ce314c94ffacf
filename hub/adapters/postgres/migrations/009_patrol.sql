-- Video patrol: the duty desk's rounds of cameras (patrol runs) and the patrol log, one row per camera
-- view. Both are append-only: a view is never changed or deleted, and a run is only ever finished (once).

CREATE TABLE patrol_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tour_id      text        NOT NULL,
    tour_name    text        NOT NULL DEFAULT '',
    cameras      text[]      NOT NULL,  -- the tour's cameras when the round started
    dwell_s      integer     NOT NULL CHECK (dwell_s > 0),
    started_by   text        NOT NULL,
    started_at   timestamptz NOT NULL,
    shift        text        NOT NULL,  -- e.g. '2026-10-05 night' (hub.domain.patrol.PatrolShift)
    finished_at  timestamptz,
    finished_by  text,
    CHECK ((finished_at IS NULL) = (finished_by IS NULL)),
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX patrol_runs_tour ON patrol_runs (tour_id, started_at DESC);
CREATE INDEX patrol_runs_open ON patrol_runs (started_at) WHERE finished_at IS NULL;

CREATE TABLE patrol_views (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint      NOT NULL REFERENCES patrol_runs (id),
    camera_id    text        NOT NULL,
    site_id      text        NOT NULL,
    viewed_at    timestamptz NOT NULL,
    outcome      text        NOT NULL
        CHECK (outcome IN ('checked', 'observation', 'warning_issued', 'incident_opened')),
    note         text        NOT NULL DEFAULT '',
    incident_id  bigint      REFERENCES incidents (id),
    warning_ids  bigint[]    NOT NULL DEFAULT '{}',
    logged_by    text        NOT NULL,
    CHECK (outcome <> 'incident_opened' OR incident_id IS NOT NULL),
    CHECK (outcome <> 'warning_issued' OR cardinality(warning_ids) > 0)
);
CREATE INDEX patrol_views_run ON patrol_views (run_id, id);
-- The supervisor's log and the reports' coverage per shift read views by time, and by camera.
CREATE INDEX patrol_views_viewed ON patrol_views (viewed_at);
CREATE INDEX patrol_views_camera ON patrol_views (camera_id, viewed_at);

-- Append-only as an invariant, whatever the hub does.
CREATE FUNCTION patrol_views_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the patrol log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER patrol_views_append_only BEFORE UPDATE OR DELETE ON patrol_views
    FOR EACH ROW EXECUTE FUNCTION patrol_views_append_only();

CREATE FUNCTION patrol_runs_finish_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.finished_at IS NOT NULL
       OR (NEW.id, NEW.tour_id, NEW.tour_name, NEW.cameras, NEW.dwell_s, NEW.started_by, NEW.started_at, NEW.shift)
          IS DISTINCT FROM
          (OLD.id, OLD.tour_id, OLD.tour_name, OLD.cameras, OLD.dwell_s, OLD.started_by, OLD.started_at, OLD.shift)
    THEN
        RAISE EXCEPTION 'a patrol run is only ever finished, once (% refused)', TG_OP;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER patrol_runs_finish_only BEFORE UPDATE OR DELETE ON patrol_runs
    FOR EACH ROW EXECUTE FUNCTION patrol_runs_finish_only();
