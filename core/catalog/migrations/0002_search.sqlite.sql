-- Search tokens: one row per (token, product). Prefix queries are range
-- scans on the primary key; BINARY collation makes the range byte-wise.
CREATE TABLE catalog_search_tokens (
    tenant_id TEXT NOT NULL,
    token TEXT NOT NULL COLLATE BINARY,
    product_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token, product_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX catalog_search_tokens_product ON catalog_search_tokens (tenant_id, product_id);
