-- Reorder policy (insight.go): the shop's defaults, and per-variant
-- overrides of the lead time and the reorder safety stock (NULL: inherit —
-- the lead time from the shop, the safety stock from the catalog
-- variant's alert threshold, else the shop's safety days of demand).
CREATE TABLE inventory_reorder_settings (
    tenant_id TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0 AND lead_time_days <= 365),
    review_days INTEGER NOT NULL CHECK (review_days >= 0 AND review_days <= 365),
    safety_days INTEGER NOT NULL CHECK (safety_days >= 0 AND safety_days <= 365),
    history_weeks INTEGER NOT NULL CHECK (history_weeks >= 1 AND history_weeks <= 52),
    slow_days INTEGER NOT NULL CHECK (slow_days >= 1 AND slow_days <= 365),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE inventory_reorder_variants (
    tenant_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    lead_time_days INTEGER CHECK (lead_time_days >= 0 AND lead_time_days <= 365),
    safety_stock BIGINT CHECK (safety_stock >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, variant_id),
    FOREIGN KEY (tenant_id, variant_id) REFERENCES catalog_variants (tenant_id, id) ON DELETE CASCADE
);
