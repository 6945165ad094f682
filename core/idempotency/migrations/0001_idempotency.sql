-- Idempotency keys: one row per (tenant, scope, key), claimed by an INSERT in
-- the same transaction as the effect it guards (or leased with state
-- 'in_progress' for effects that call out of process), kept at least 24 h.
CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    response_status INTEGER NOT NULL DEFAULT 0,
    response_body TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, scope, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
