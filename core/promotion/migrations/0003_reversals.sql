-- What returns and refunds took back from a redemption: reversed is the
-- discount the returned goods carried (given back to the promotion's and
-- campaign's budgets), refunded the money the order gave back (refunds and
-- store credit); the figures count amount - reversed and order_total -
-- refunded.
ALTER TABLE promotion_redemptions ADD COLUMN reversed BIGINT NOT NULL DEFAULT 0 CHECK (reversed >= 0);
ALTER TABLE promotion_redemptions ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0);
