CREATE TABLE inventory_locations (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- One row per (variant, location). The CHECKs are the second wall behind
-- the conditional updates: stock never goes negative unless the variant
-- allows backorder (copied into the row by every update), and
-- on_hand = available + reserved always holds.
CREATE TABLE inventory_levels (
    tenant_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    on_hand BIGINT NOT NULL DEFAULT 0,
    available BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    backorder BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, variant_id, location_id),
    CHECK (reserved >= 0),
    CHECK (on_hand = available + reserved),
    CHECK (available >= 0 OR backorder),
    FOREIGN KEY (tenant_id, variant_id) REFERENCES catalog_variants (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, location_id) REFERENCES inventory_locations (tenant_id, id)
);
CREATE INDEX inventory_levels_location ON inventory_levels (tenant_id, location_id, variant_id);

CREATE TABLE inventory_movements (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('received', 'adjusted', 'reserved', 'released', 'sold', 'returned')),
    on_hand_delta BIGINT NOT NULL,
    available_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ref TEXT NOT NULL DEFAULT '',
    reservation_id TEXT NOT NULL DEFAULT '',
    actor_kind TEXT NOT NULL DEFAULT '',
    actor_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, variant_id) REFERENCES catalog_variants (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX inventory_movements_variant ON inventory_movements (tenant_id, variant_id, created_at);
CREATE INDEX inventory_movements_time ON inventory_movements (tenant_id, created_at);

CREATE TABLE inventory_reservations (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'released', 'committed', 'expired')),
    ref TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, variant_id) REFERENCES catalog_variants (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX inventory_reservations_due ON inventory_reservations (status, expires_at);
CREATE INDEX inventory_reservations_ref ON inventory_reservations (tenant_id, ref);
