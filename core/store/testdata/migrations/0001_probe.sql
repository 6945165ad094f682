CREATE TABLE probe_items (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
