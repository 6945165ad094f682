-- A/B tests (core/experiment): experiments with their arms, the visitors
-- exposed to an arm, and the conversions of exposed visitors.
CREATE TABLE experiments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The product tested (kind product).
    subject_id TEXT NOT NULL,
    status TEXT NOT NULL,
    -- What counts as a conversion for the verdict: order or add_to_cart.
    goal TEXT NOT NULL,
    -- Price limits of a product experiment: the largest change in basis
    -- points either way, and whether no price may go below the cost.
    max_change_bp INTEGER NOT NULL DEFAULT 0,
    floor_at_cost BOOLEAN NOT NULL DEFAULT TRUE,
    winner_arm_id TEXT NOT NULL DEFAULT '',
    applied BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    stopped_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id)
);
-- At most one running experiment per product or campaign.
CREATE UNIQUE INDEX experiments_one_running ON experiments (tenant_id, kind, subject_id) WHERE status = 'running';

CREATE TABLE experiment_arms (
    tenant_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL,
    -- What the arm changes; NULL (or an empty image list) keeps the
    -- product's own. image_ids is a JSON array of the product's image ids.
    title TEXT,
    body_html TEXT,
    image_ids TEXT,
    price_change_bp INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, experiment_id, id),
    FOREIGN KEY (tenant_id, experiment_id) REFERENCES experiments (tenant_id, id)
);

-- A visitor's first exposure to an experiment (one row per visitor).
CREATE TABLE experiment_exposures (
    tenant_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    visitor TEXT NOT NULL,
    arm_id TEXT NOT NULL,
    first_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, visitor)
);
CREATE INDEX experiment_exposures_arm ON experiment_exposures (tenant_id, experiment_id, arm_id);

-- Conversions of exposed visitors: kind add_to_cart (ref: the cart event,
-- one per visitor) or order (ref: the order id, with the revenue of the
-- tested product's lines).
CREATE TABLE experiment_conversions (
    tenant_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    visitor TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    arm_id TEXT NOT NULL,
    revenue BIGINT NOT NULL DEFAULT 0,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, visitor, kind, ref)
);
CREATE INDEX experiment_conversions_arm ON experiment_conversions (tenant_id, experiment_id, arm_id, kind);
