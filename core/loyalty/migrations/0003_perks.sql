-- Coupons the programme issued to a customer: a tier's monthly coupon
-- (source_key "monthly:<YYYY-MM>:<customer>", once per customer per
-- month in the shop's time zone) or one bought with points
-- ("points:<key>"). The code itself is core/promotion's personal code
-- (code_id); code_id is '' when the month was passed over (the customer
-- no longer known).
CREATE TABLE loyalty_coupons (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('monthly', 'points')),
    source_key TEXT NOT NULL,
    promotion_id TEXT NOT NULL DEFAULT '',
    code_id TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '',
    points BIGINT NOT NULL DEFAULT 0 CHECK (points >= 0),
    reason TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, source_key)
);
CREATE INDEX loyalty_coupons_customer ON loyalty_coupons (tenant_id, customer_id, created_at);

-- Share clicks: a visitor (core/analytics' pseudonymous visitor id) who
-- opened a customer's share link, once per sharer and visitor; earned
-- tells whether it was paid (not over the sharer's daily cap).
CREATE TABLE loyalty_shares (
    tenant_id TEXT NOT NULL,
    sharer_id TEXT NOT NULL,
    visitor TEXT NOT NULL,
    product_id TEXT NOT NULL DEFAULT '',
    earned BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sharer_id, visitor)
);
CREATE INDEX loyalty_shares_recent ON loyalty_shares (tenant_id, sharer_id, created_at);
