CREATE TABLE promotion_campaigns (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    currency TEXT NOT NULL DEFAULT '',
    budget BIGINT NOT NULL DEFAULT 0 CHECK (budget >= 0),
    spent BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (budget = 0 OR spent <= budget)
);

CREATE TABLE promotions (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    campaign_id TEXT,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'ended')),
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    priority INTEGER NOT NULL DEFAULT 0,
    requires_code BOOLEAN NOT NULL DEFAULT FALSE,
    currency TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL,
    max_discount BIGINT NOT NULL DEFAULT 0,
    usage_limit BIGINT NOT NULL DEFAULT 0 CHECK (usage_limit >= 0),
    per_customer_limit BIGINT NOT NULL DEFAULT 0 CHECK (per_customer_limit >= 0),
    budget BIGINT NOT NULL DEFAULT 0 CHECK (budget >= 0),
    used BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0),
    spent BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES promotion_campaigns (tenant_id, id),
    CHECK (usage_limit = 0 OR used <= usage_limit),
    CHECK (budget = 0 OR spent <= budget)
);
CREATE INDEX promotions_live ON promotions (tenant_id, status, ends_at);
CREATE INDEX promotions_campaign ON promotions (tenant_id, campaign_id);

CREATE TABLE promotion_codes (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    code TEXT NOT NULL,
    batch TEXT NOT NULL DEFAULT '',
    usage_limit BIGINT NOT NULL DEFAULT 0 CHECK (usage_limit >= 0),
    used BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, promotion_id) REFERENCES promotions (tenant_id, id) ON DELETE CASCADE,
    CHECK (usage_limit = 0 OR used <= usage_limit)
);
CREATE INDEX promotion_codes_promotion ON promotion_codes (tenant_id, promotion_id, id);

CREATE TABLE promotion_flash_items (
    tenant_id TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price >= 0),
    quota BIGINT NOT NULL CHECK (quota > 0),
    sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    PRIMARY KEY (tenant_id, promotion_id, variant_id),
    FOREIGN KEY (tenant_id, promotion_id) REFERENCES promotions (tenant_id, id) ON DELETE CASCADE,
    CHECK (sold <= quota)
);
CREATE INDEX promotion_flash_items_variant ON promotion_flash_items (tenant_id, variant_id);

CREATE TABLE promotion_customer_uses (
    tenant_id TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    uses BIGINT NOT NULL CHECK (uses >= 0),
    PRIMARY KEY (tenant_id, promotion_id, customer_key),
    FOREIGN KEY (tenant_id, promotion_id) REFERENCES promotions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX promotion_customer_uses_key ON promotion_customer_uses (tenant_id, customer_key);

CREATE TABLE promotion_redemptions (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL DEFAULT '',
    code_id TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    order_total BIGINT NOT NULL CHECK (order_total >= 0),
    units TEXT NOT NULL DEFAULT '',
    customer_keys TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, order_id, promotion_id),
    FOREIGN KEY (tenant_id, promotion_id) REFERENCES promotions (tenant_id, id)
);
CREATE INDEX promotion_redemptions_promotion ON promotion_redemptions (tenant_id, promotion_id, created_at);
CREATE INDEX promotion_redemptions_campaign ON promotion_redemptions (tenant_id, campaign_id, created_at);
