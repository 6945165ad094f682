CREATE TABLE loyalty_settings (
    tenant_id TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    data TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE loyalty_tiers (
    tenant_id TEXT NOT NULL,
    code TEXT NOT NULL,
    level INTEGER NOT NULL,
    name TEXT NOT NULL,
    threshold BIGINT NOT NULL CHECK (threshold >= 0),
    multiplier_pct BIGINT NOT NULL CHECK (multiplier_pct >= 0),
    free_shipping BOOLEAN NOT NULL DEFAULT FALSE,
    discount_pct BIGINT NOT NULL DEFAULT 0 CHECK (discount_pct >= 0 AND discount_pct <= 100),
    birthday_points BIGINT NOT NULL DEFAULT 0 CHECK (birthday_points >= 0),
    monthly_coupon TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, code),
    UNIQUE (tenant_id, level)
);

-- One row per customer known to the programme: the lock every ledger
-- write takes first, the referral code, the tier.
CREATE TABLE loyalty_accounts (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    referral_code TEXT NOT NULL,
    tier_code TEXT NOT NULL DEFAULT '',
    tier_since TIMESTAMP,
    reviewed_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, customer_id),
    UNIQUE (tenant_id, referral_code)
);

CREATE TABLE loyalty_tier_history (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    from_tier TEXT NOT NULL,
    to_tier TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX loyalty_tier_history_customer ON loyalty_tier_history (tenant_id, customer_id, at);

-- The append-only ledger: the balance is the sum of a customer's entries.
CREATE TABLE loyalty_entries (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'reverse', 'adjust')),
    points BIGINT NOT NULL CHECK (points <> 0),
    source_key TEXT NOT NULL,
    order_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, source_key)
);
CREATE INDEX loyalty_entries_customer ON loyalty_entries (tenant_id, customer_id, id);

-- Lots: what each positive entry left to spend, first earned first spent.
CREATE TABLE loyalty_lots (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points > 0),
    remaining BIGINT NOT NULL,
    expires_at TIMESTAMP,
    notified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (remaining >= 0 AND remaining <= points),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES loyalty_entries (tenant_id, id)
);
CREATE INDEX loyalty_lots_open ON loyalty_lots (tenant_id, customer_id, remaining);
CREATE INDEX loyalty_lots_expiry ON loyalty_lots (expires_at, remaining);

-- Which lots a negative entry took from (points > 0), or a restoring
-- entry gave back to (points < 0).
CREATE TABLE loyalty_spends (
    tenant_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    lot_id TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points <> 0),
    PRIMARY KEY (tenant_id, entry_id, lot_id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES loyalty_entries (tenant_id, id),
    FOREIGN KEY (tenant_id, lot_id) REFERENCES loyalty_lots (tenant_id, id)
);
CREATE INDEX loyalty_spends_lot ON loyalty_spends (tenant_id, lot_id);

-- What the programme knows of an order: points redeemed on it, the money
-- it counts as spend, points earned and reversed.
CREATE TABLE loyalty_orders (
    tenant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    redeemed_points BIGINT NOT NULL DEFAULT 0,
    redeemed_value BIGINT NOT NULL DEFAULT 0,
    released BOOLEAN NOT NULL DEFAULT FALSE,
    spend BIGINT NOT NULL DEFAULT 0,
    earned BIGINT NOT NULL DEFAULT 0,
    reversed BIGINT NOT NULL DEFAULT 0,
    paid_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);
CREATE INDEX loyalty_orders_customer ON loyalty_orders (tenant_id, customer_id, paid_at);

CREATE TABLE loyalty_referrals (
    tenant_id TEXT NOT NULL,
    referred_id TEXT NOT NULL,
    referrer_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'rewarded', 'reversed')),
    order_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    rewarded_at TIMESTAMP,
    PRIMARY KEY (tenant_id, referred_id),
    CHECK (referred_id <> referrer_id)
);
CREATE INDEX loyalty_referrals_referrer ON loyalty_referrals (tenant_id, referrer_id, status);
