-- Orders changed since a time (core/segment's incremental RFM recompute
-- asks which customers had orders placed, paid, cancelled or refunded
-- since its last run).
CREATE INDEX orders_updated ON orders (updated_at);
