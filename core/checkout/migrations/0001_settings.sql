-- A shop's checkout settings (currency, taxes, shipping zones and methods,
-- reservation and return windows) as one JSON document.
CREATE TABLE checkout_settings (
    tenant_id TEXT NOT NULL,
    settings TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);
