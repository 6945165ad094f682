CREATE TABLE customer_customers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    password_hash TEXT,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    guest BOOLEAN NOT NULL DEFAULT FALSE,
    state TEXT NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'disabled', 'deleted')),
    note TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT '',
    accepts_marketing BOOLEAN NOT NULL DEFAULT FALSE,
    marketing_consent_at TIMESTAMP,
    marketing_consent_source TEXT NOT NULL DEFAULT '',
    last_login_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email),
    UNIQUE (tenant_id, phone)
);

CREATE TABLE customer_tags (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, tag),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customer_customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_tags_tag ON customer_tags (tenant_id, tag, customer_id);

CREATE TABLE customer_addresses (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL,
    province TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customer_customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_addresses_customer ON customer_addresses (tenant_id, customer_id);

-- Shopper sessions, separate from staff sessions (tenants package): a staff
-- token is never looked up here and the reverse.
CREATE TABLE customer_sessions (
    tenant_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customer_customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_sessions_customer ON customer_sessions (tenant_id, customer_id);
