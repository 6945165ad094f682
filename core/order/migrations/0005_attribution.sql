-- Channel attribution: the traffic source of the shopper's storefront
-- session when the order was placed (core/analytics), so sales can be read
-- by source, medium and campaign. Empty for orders placed without a
-- counted visit (the API, drafts, Do-Not-Track shoppers, older orders).
ALTER TABLE orders ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN medium TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
