-- Server-side carts. A guest's cart is found by the SHA-256 of the random
-- token in the guest's cookie; a signed-in customer's by customer_id.
CREATE TABLE carts (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    token_hash TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'merged', 'converted')),
    order_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- At most one active cart per guest token and per customer.
CREATE UNIQUE INDEX carts_active_token ON carts (tenant_id, token_hash) WHERE status = 'active' AND token_hash <> '';
CREATE UNIQUE INDEX carts_active_customer ON carts (tenant_id, customer_id) WHERE status = 'active' AND customer_id <> '';

CREATE TABLE cart_lines (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    cart_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, cart_id, variant_id),
    FOREIGN KEY (tenant_id, cart_id) REFERENCES carts (tenant_id, id) ON DELETE CASCADE
);
