-- Shipments fulfil some or all of an order's lines from a location.
CREATE TABLE shipments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    location_id TEXT NOT NULL DEFAULT '',
    carrier TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    tracking_url TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('shipped', 'in_transit', 'out_for_delivery', 'delivered', 'failed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);
CREATE INDEX shipments_order ON shipments (tenant_id, order_id, id);

CREATE TABLE shipment_lines (
    tenant_id TEXT NOT NULL,
    shipment_id TEXT NOT NULL,
    order_line_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (tenant_id, shipment_id, order_line_id),
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, order_line_id) REFERENCES order_lines (tenant_id, id)
);
