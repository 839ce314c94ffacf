-- Dead letters are kept bounded (issue 13): a payload larger than 4 KiB is kept as its first 4 KiB with
-- its full length and SHA-256, so a flood of large bad payloads cannot fill the database, and rows older
-- than the retention (setting `dead_letter_retention_days`) are pruned by the hub.

ALTER TABLE dead_letters
    ADD COLUMN payload_bytes  integer,
    ADD COLUMN payload_sha256 bytea;
UPDATE dead_letters SET payload_bytes = octet_length(payload), payload_sha256 = sha256(payload);
UPDATE dead_letters SET payload = substring(payload FROM 1 FOR 4096) WHERE octet_length(payload) > 4096;
ALTER TABLE dead_letters
    ALTER COLUMN payload_bytes SET NOT NULL,
    ALTER COLUMN payload_sha256 SET NOT NULL;
COMMENT ON COLUMN dead_letters.payload IS 'the payload, or its first 4096 bytes when payload_bytes is larger';
