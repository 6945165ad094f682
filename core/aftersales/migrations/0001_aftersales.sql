-- Returns (request → approve/reject → received → refund / store credit /
-- exchange), the store-credit ledger, and service tickets.
CREATE TABLE returns (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'received', 'refunded', 'credited', 'exchanged')),
    reason TEXT NOT NULL DEFAULT '',
    resolution TEXT NOT NULL DEFAULT '' CHECK (resolution IN ('', 'refund', 'store_credit', 'exchange')),
    restock BOOLEAN NOT NULL DEFAULT FALSE,
    restocked BOOLEAN NOT NULL DEFAULT FALSE,
    amount BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
    resolved_amount BIGINT NOT NULL DEFAULT 0 CHECK (resolved_amount >= 0),
    currency TEXT NOT NULL,
    staff_note TEXT NOT NULL DEFAULT '',
    requested_by_kind TEXT NOT NULL DEFAULT '',
    requested_by_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);
CREATE INDEX returns_status ON returns (tenant_id, status, id);
CREATE INDEX returns_order ON returns (tenant_id, order_id, id);

CREATE TABLE return_lines (
    tenant_id TEXT NOT NULL,
    return_id TEXT NOT NULL,
    order_line_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, return_id, order_line_id),
    FOREIGN KEY (tenant_id, return_id) REFERENCES returns (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, order_line_id) REFERENCES order_lines (tenant_id, id)
);

CREATE TABLE store_credits (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX store_credits_customer ON store_credits (tenant_id, customer_key, id);

CREATE TABLE tickets (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    order_id TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('question', 'complaint', 'other')),
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'waiting', 'resolved', 'closed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tickets_status ON tickets (tenant_id, status, id);
CREATE INDEX tickets_order ON tickets (tenant_id, order_id);

CREATE TABLE ticket_messages (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (tenant_id, ticket_id, id);
