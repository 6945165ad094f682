-- The orders of a shop placed in a range: the analytics rollups (Facts,
-- one day at a time), the KPIs' buyers and credited orders, and the
-- dashboard's top products read them by placed_at.
CREATE INDEX orders_placed ON orders (tenant_id, placed_at);
