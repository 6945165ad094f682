-- Bought together (baskets.go): each shop's thresholds, its last mining
-- run, and the association rules that run found. A rule keeps the counts
-- it was computed from so support, confidence and lift are reproducible.
CREATE TABLE analytics_basket_settings (
    tenant_id TEXT NOT NULL,
    min_support DOUBLE PRECISION NOT NULL CHECK (min_support > 0 AND min_support <= 1),
    min_confidence DOUBLE PRECISION NOT NULL CHECK (min_confidence >= 0 AND min_confidence <= 1),
    window_days INTEGER NOT NULL CHECK (window_days >= 1 AND window_days <= 3650),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE analytics_basket_runs (
    tenant_id TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    since TIMESTAMP NOT NULL,
    baskets BIGINT NOT NULL,
    rules INTEGER NOT NULL,
    took_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE analytics_basket_rules (
    tenant_id TEXT NOT NULL,
    antecedent_id TEXT NOT NULL,
    consequent_id TEXT NOT NULL,
    pair_orders BIGINT NOT NULL,
    antecedent_orders BIGINT NOT NULL,
    consequent_orders BIGINT NOT NULL,
    baskets BIGINT NOT NULL,
    support DOUBLE PRECISION NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    lift DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tenant_id, antecedent_id, consequent_id)
);
CREATE INDEX analytics_basket_rules_lift ON analytics_basket_rules (tenant_id, lift);
