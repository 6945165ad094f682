-- Saved rule-based segments: the rule tree is JSON (Rules), compiled to
-- one SQL statement when counted or listed.
CREATE TABLE segments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- The shop's RFM thresholds and how far the scores are computed:
-- computed_at is the watermark of the last run (orders changed after it
-- are recomputed next), scored_at the last time every row was re-scored
-- (recency decays with time).
CREATE TABLE segment_rfm_settings (
    tenant_id TEXT NOT NULL,
    thresholds TEXT NOT NULL,
    computed_at TIMESTAMP,
    scored_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- One row per customer with a counted order: the order figures and the
-- R, F, M scores (1-5) against the shop's absolute thresholds, and the
-- group they make.
CREATE TABLE segment_customer_rfm (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    orders BIGINT NOT NULL,
    spent BIGINT NOT NULL,
    last_order_at TIMESTAMP NOT NULL,
    r INTEGER NOT NULL,
    f INTEGER NOT NULL,
    m INTEGER NOT NULL,
    grp TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX segment_customer_rfm_group ON segment_customer_rfm (tenant_id, grp, customer_id);
