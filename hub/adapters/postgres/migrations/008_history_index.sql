-- History searches by site (the supervisor's view), newest first.
CREATE INDEX incidents_site_created ON incidents (site_id, created_at DESC);
