-- The raw events, append-only (see 0002_events.postgres.sql for the
-- partitioned PostgreSQL table). Retention deletes by occurred_at.
CREATE TABLE analytics_events (
    tenant_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    id TEXT NOT NULL,
    day TEXT NOT NULL,
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    visitor TEXT NOT NULL DEFAULT '',
    returned BOOLEAN NOT NULL DEFAULT FALSE,
    path TEXT NOT NULL DEFAULT '',
    product_id TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL DEFAULT '',
    results INTEGER NOT NULL DEFAULT 0,
    quantity INTEGER NOT NULL DEFAULT 0,
    order_id TEXT NOT NULL DEFAULT '',
    amount BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    medium TEXT NOT NULL DEFAULT '',
    campaign TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, occurred_at, id)
);
CREATE INDEX analytics_events_day ON analytics_events (tenant_id, day, visitor, occurred_at);
CREATE INDEX analytics_events_time ON analytics_events (occurred_at);
