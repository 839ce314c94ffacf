-- A tamper-evident audit log: every row is chained to the one before by a hash, so a row edited or
-- deleted afterwards breaks the chain (`sentinel audit verify` finds the first broken link).
--
-- hash = sha256(prev_hash || canonical content), the canonical content being the JSON array
-- [seq, id, at (UTC, microseconds), actor, action, target, detail] as text (jsonb's text form is
-- canonical: key order and spacing are fixed). `seq` is the row's place in the chain: 1, 2, 3, ...
-- with no gap, so a deleted row shows as a gap even where its neighbours were rehashed.
--
-- Who writes, under which lock: any transaction inserts audit rows as before; a DEFERRED constraint
-- trigger links them at commit time, one at a time, under the row lock of audit_chain_head (the
-- single row holding the chain's last seq and hash). Writers from several hub instances therefore
-- queue only for the few microseconds between their commit-time link and the commit itself, not
-- for the rest of their transaction; the head also shows rows deleted from the end of the chain.

ALTER TABLE audit_log
    ADD COLUMN seq       bigint UNIQUE,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

CREATE TABLE audit_chain_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint NOT NULL,
    hash      bytea  NOT NULL
);

-- The link of one row. Immutable and independent of the session's time zone, so that verification
-- (which calls it again) gets the same bytes.
CREATE FUNCTION audit_row_hash(
    prev_hash bytea, seq bigint, id bigint, at timestamptz, actor text, action text, target text, detail jsonb
) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT sha256(prev_hash || convert_to(
        jsonb_build_array(seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          actor, action, target, detail)::text,
        'UTF8'))
$$;

CREATE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
    row  audit_log%ROWTYPE;
    link bytea;
BEGIN
    -- Serialises linking across every writer (and hub instance) until this transaction commits.
    SELECT * INTO head FROM audit_chain_head WHERE singleton FOR UPDATE;
    SELECT * INTO row FROM audit_log WHERE id = NEW.id;
    IF NOT FOUND OR row.seq IS NOT NULL THEN
        RETURN NULL;  -- deleted again in its own transaction, or already linked
    END IF;
    link := audit_row_hash(head.hash, head.seq + 1, row.id, row.at, row.actor, row.action, row.target, row.detail);
    UPDATE audit_log SET seq = head.seq + 1, prev_hash = head.hash, hash = link WHERE id = NEW.id;
    UPDATE audit_chain_head SET seq = head.seq + 1, hash = link WHERE singleton;
    RETURN NULL;
END
$$;

-- Rows from before this migration are chained in id order.
LOCK TABLE audit_log IN EXCLUSIVE MODE;
DO $$
DECLARE
    r    record;
    prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    n    bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        UPDATE audit_log
           SET seq = n, prev_hash = prev,
               hash = audit_row_hash(prev, n, r.id, r.at, r.actor, r.action, r.target, r.detail)
         WHERE id = r.id
        RETURNING hash INTO prev;
    END LOOP;
    INSERT INTO audit_chain_head (seq, hash) VALUES (n, prev);
END
$$;

CREATE CONSTRAINT TRIGGER audit_log_chain
    AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

-- Failed logins per (account, address), shared by hub instances (see hub/services/auth.py,
-- "login throttling"). `username` is case-folded; `client` is the address the hub trusts (the
-- peer, or what a trusted proxy forwarded).
CREATE TABLE login_throttle (
    username        text        NOT NULL,
    client          text        NOT NULL,
    failures        integer     NOT NULL DEFAULT 0,
    last_failure_at timestamptz,
    last_success_at timestamptz,
    PRIMARY KEY (username, client)
);
CREATE INDEX login_throttle_client ON login_throttle (client, last_failure_at);
