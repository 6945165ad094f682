-- Orders changed since a time: core/segment's incremental RFM recompute
-- and core/analytics' rollups ask which orders were placed, paid,
-- cancelled or refunded since their last run.
CREATE INDEX orders_updated ON orders (updated_at);
