-- Accounts (002 created users, sessions, api_tokens and audit_log): invariants and lookups.

-- An officer account always says which officer it is.
ALTER TABLE users ADD CONSTRAINT users_officer_has_id CHECK (role <> 'officer' OR officer_id IS NOT NULL);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_officer_has_id CHECK (role <> 'officer' OR officer_id IS NOT NULL);

-- A token is revoked by name: at most one active token per name.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

-- "End every session of this user" (disabling an account, a password change).
CREATE INDEX sessions_user_active ON sessions (user_id) WHERE revoked_at IS NULL;
