-- Replay detection over the whole event (issue 13): a digest of every contract field the hub uses
-- (hub.domain.events.content_fingerprint), so an event id that comes again with any other content is a
-- reused id, while a plain resend is a duplicate. Rows stored before it have none: for them the hub
-- compares the type and the device's time, as it did before.
ALTER TABLE events ADD COLUMN fingerprint text;
