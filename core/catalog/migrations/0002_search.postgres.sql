-- Search tokens: one row per (token, product). Prefix queries are range
-- scans on the primary key; the "C" collation makes the range byte-wise
-- whatever the database's locale.
CREATE TABLE catalog_search_tokens (
    tenant_id TEXT NOT NULL,
    token TEXT COLLATE "C" NOT NULL,
    product_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token, product_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_search_tokens_product ON catalog_search_tokens (tenant_id, product_id);
