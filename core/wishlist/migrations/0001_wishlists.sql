-- Wishlists: one per shopper per shop. A guest's list is found by the
-- SHA-256 of the guest token the storefront already keeps in its cart
-- cookie (no cookie of its own); a signed-in customer's by customer_id.
CREATE TABLE wishlists (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    token_hash TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX wishlists_token ON wishlists (tenant_id, token_hash) WHERE token_hash <> '';
CREATE UNIQUE INDEX wishlists_customer ON wishlists (tenant_id, customer_id) WHERE customer_id <> '';
-- The guest sweep finds stale guest lists of every shop by age.
CREATE INDEX wishlists_guest_age ON wishlists (updated_at) WHERE token_hash <> '';

-- A saved product, or one variant of it (variant_id '' : the product).
CREATE TABLE wishlist_items (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    wishlist_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    variant_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, wishlist_id, product_id, variant_id),
    FOREIGN KEY (tenant_id, wishlist_id) REFERENCES wishlists (tenant_id, id) ON DELETE CASCADE
);
-- "How many shoppers saved this product" for the console.
CREATE INDEX wishlist_items_product ON wishlist_items (tenant_id, product_id);
