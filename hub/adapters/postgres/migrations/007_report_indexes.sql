-- Supervisors' reports on a year of history (hub/adapters/postgres/reports.py). Incidents are found
-- by `incidents_created` (001) and their dispatches by `dispatches_incident` (002); these add the rest.

-- Drills: button test presses in a period.
CREATE INDEX events_test_presses ON events (received_at) WHERE type = 'test';

-- Device availability: each device's supervision history (its state entering the period, then its
-- changes inside it).
CREATE INDEX events_supervision ON events (device_id, occurred_at) WHERE type IN ('offline', 'online');
CREATE INDEX events_supervision_at ON events (occurred_at) WHERE type IN ('offline', 'online');

-- Warnings issued in a period.
CREATE INDEX warnings_created ON warnings (created_at);
