-- Covering index for "does this product have a token in this range"
-- checks, used when a search term is too common to drive the query.
CREATE INDEX catalog_search_tokens_product_token ON catalog_search_tokens (tenant_id, product_id, token);
DROP INDEX catalog_search_tokens_product;
