-- The timeline as data: each system-written entry carries a machine code and its parameters (ids,
-- counts, codes), so every console renders it in its own language with display names; `reason`
-- keeps the English text for logs, exports and entries written before this migration.
ALTER TABLE incident_timeline
    ADD COLUMN reason_code   text  NOT NULL DEFAULT '',
    ADD COLUMN reason_params jsonb NOT NULL DEFAULT '{}'::jsonb;
