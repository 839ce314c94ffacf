-- Ingest at scale (issue 14): whether a site's devices are all back is asked for every site heard
-- from again; without this index each question scanned all of device_health (10,000 rows: ~1 ms each,
-- thousands per second when a district comes back after an outage).
CREATE INDEX device_health_unwell_by_site ON device_health (site_id) WHERE NOT online OR fault IS NOT NULL;
