-- The storefront's page cache reads a shop's latest product change and its
-- next scheduled publication once a second; both become index look-ups
-- instead of scans of the shop's products.
CREATE INDEX catalog_products_updated ON catalog_products (tenant_id, updated_at);
CREATE INDEX catalog_products_publish_at ON catalog_products (tenant_id, publish_at);
