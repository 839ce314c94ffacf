-- Video verification of presses (hub.domain.verification): the report's press-to-verification figures
-- read these timeline rows of each incident.
CREATE INDEX incident_timeline_verification ON incident_timeline (incident_id, at)
    WHERE action IN ('verification_requested', 'video_verified');
