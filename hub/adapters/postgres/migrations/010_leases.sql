-- Leases instead of session-bound locks, so a stalled process (SIGSTOP, a frozen VM) loses its role
-- within seconds while PostgreSQL would keep its idle session (and an advisory lock) for ever.

-- Leadership: one row per role. `epoch` grows with every change of holder and is the fencing token:
-- the leader's work checks (and share-locks) the row with its epoch in the same transaction as its
-- effects, so a leader that wakes up after losing the lease can no longer fire anything.
CREATE TABLE leader_lease (
    name        text PRIMARY KEY,
    holder      text        NOT NULL,
    epoch       bigint      NOT NULL,
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
);

-- Outbox claims: a relay claims rows for a short lease and publishes them only while its claim is
-- still valid by its own clock; rows of a lapsed claim are taken again by any relay (at least once
-- overall, at most once per claim).
ALTER TABLE outbox
    ADD COLUMN claim_token uuid,
    ADD COLUMN claimed_until timestamptz;
