-- Personal codes: a code issued to one customer account (a tier's monthly
-- coupon, a coupon bought with points) works for that account only, and
-- until expires_at.
ALTER TABLE promotion_codes ADD COLUMN customer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE promotion_codes ADD COLUMN expires_at TIMESTAMP;
CREATE INDEX promotion_codes_customer ON promotion_codes (tenant_id, customer_id);
