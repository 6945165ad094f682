-- Storefront analytics (core/analytics): per-shop settings, the daily
-- visitor-id salts, visitors flagged as bots by behaviour, the days whose
-- rollups are due, the rollups every KPI reads, and the job's cursors.
-- The raw events table is engine-specific (0002).
CREATE TABLE analytics_settings (
    tenant_id TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    retention_days INTEGER NOT NULL CHECK (retention_days > 0),
    raw_retention_days INTEGER NOT NULL CHECK (raw_retention_days > 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- One random salt per shop and local day; deleted after two days so a
-- visitor id cannot be recomputed or linked across days.
CREATE TABLE analytics_salts (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    salt TEXT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

CREATE TABLE analytics_bots (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (tenant_id, day, visitor)
);

CREATE TABLE analytics_dirty (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, day)
);
CREATE INDEX analytics_dirty_marked ON analytics_dirty (marked_at);

CREATE TABLE analytics_daily (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    medium TEXT NOT NULL,
    campaign TEXT NOT NULL,
    visitors BIGINT NOT NULL DEFAULT 0,
    new_visitors BIGINT NOT NULL DEFAULT 0,
    sessions BIGINT NOT NULL DEFAULT 0,
    bounces BIGINT NOT NULL DEFAULT 0,
    pageviews BIGINT NOT NULL DEFAULT 0,
    product_views BIGINT NOT NULL DEFAULT 0,
    searches BIGINT NOT NULL DEFAULT 0,
    add_to_carts BIGINT NOT NULL DEFAULT 0,
    removes BIGINT NOT NULL DEFAULT 0,
    wishlist_adds BIGINT NOT NULL DEFAULT 0,
    checkouts BIGINT NOT NULL DEFAULT 0,
    cart_sessions BIGINT NOT NULL DEFAULT 0,
    wishlist_sessions BIGINT NOT NULL DEFAULT 0,
    checkout_sessions BIGINT NOT NULL DEFAULT 0,
    abandoned_checkouts BIGINT NOT NULL DEFAULT 0,
    converted_sessions BIGINT NOT NULL DEFAULT 0,
    orders BIGINT NOT NULL DEFAULT 0,
    gmv BIGINT NOT NULL DEFAULT 0,
    refunds BIGINT NOT NULL DEFAULT 0,
    units BIGINT NOT NULL DEFAULT 0,
    cost BIGINT NOT NULL DEFAULT 0,
    costed_orders BIGINT NOT NULL DEFAULT 0,
    new_customers BIGINT NOT NULL DEFAULT 0,
    repeat_orders BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, source, medium, campaign)
);

CREATE TABLE analytics_hourly (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    hour INTEGER NOT NULL CHECK (hour >= 0 AND hour < 24),
    visitors BIGINT NOT NULL DEFAULT 0,
    sessions BIGINT NOT NULL DEFAULT 0,
    pageviews BIGINT NOT NULL DEFAULT 0,
    product_views BIGINT NOT NULL DEFAULT 0,
    add_to_carts BIGINT NOT NULL DEFAULT 0,
    checkouts BIGINT NOT NULL DEFAULT 0,
    orders BIGINT NOT NULL DEFAULT 0,
    gmv BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, hour)
);

-- Where the rollup job left off reading other packages' changes (orders).
CREATE TABLE analytics_cursors (
    name TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (name)
);
