-- Orders, their lines (a price snapshot), the timeline and the per-shop
-- order number counter (updated in each order's transaction: gap-free).
CREATE TABLE order_counters (
    tenant_id TEXT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE orders (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    number BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending_payment', 'paid', 'partially_fulfilled', 'fulfilled', 'delivered',
        'completed', 'cancelled', 'partially_refunded', 'refunded')),
    customer_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    discounts BIGINT NOT NULL,
    shipping_total BIGINT NOT NULL CHECK (shipping_total >= 0),
    tax_total BIGINT NOT NULL CHECK (tax_total >= 0),
    tax_inclusive BOOLEAN NOT NULL,
    total BIGINT NOT NULL CHECK (total >= 0),
    paid_total BIGINT NOT NULL DEFAULT 0 CHECK (paid_total >= 0),
    refunded_total BIGINT NOT NULL DEFAULT 0 CHECK (refunded_total >= 0 AND refunded_total <= paid_total),
    shipping_code TEXT NOT NULL DEFAULT '',
    shipping_label TEXT NOT NULL DEFAULT '',
    shipping_address TEXT NOT NULL DEFAULT '{}',
    billing_address TEXT NOT NULL DEFAULT '{}',
    pricing TEXT NOT NULL DEFAULT '{}',
    customer_note TEXT NOT NULL DEFAULT '',
    cart_id TEXT NOT NULL DEFAULT '',
    payment_method TEXT NOT NULL DEFAULT '',
    placed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number)
);
CREATE INDEX orders_status ON orders (tenant_id, status, id);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, id);
CREATE INDEX orders_email ON orders (tenant_id, email, id);

CREATE TABLE order_lines (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    variant_id TEXT NOT NULL,
    product_id TEXT NOT NULL DEFAULT '',
    sku TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    variant_title TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    subtotal BIGINT NOT NULL,
    adjustments BIGINT NOT NULL,
    total BIGINT NOT NULL CHECK (total >= 0),
    tax BIGINT NOT NULL DEFAULT 0,
    weight_grams BIGINT NOT NULL DEFAULT 0,
    requires_shipping BOOLEAN NOT NULL DEFAULT TRUE,
    fulfilled_quantity BIGINT NOT NULL DEFAULT 0 CHECK (fulfilled_quantity >= 0 AND fulfilled_quantity <= quantity),
    returned_quantity BIGINT NOT NULL DEFAULT 0 CHECK (returned_quantity >= 0 AND returned_quantity <= quantity),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_lines_order ON order_lines (tenant_id, order_id, position);
CREATE INDEX order_lines_variant ON order_lines (tenant_id, variant_id);

CREATE TABLE order_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '',
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_events_order ON order_events (tenant_id, order_id, id);
