CREATE TABLE catalog_categories (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX catalog_categories_parent ON catalog_categories (tenant_id, parent_id, position);

CREATE TABLE catalog_products (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    handle TEXT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    vendor TEXT NOT NULL DEFAULT '',
    product_type TEXT NOT NULL DEFAULT '',
    category_id TEXT,
    role TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'traffic', 'profit', 'image', 'campaign')),
    seo_title TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    publish_at TIMESTAMP,
    published_at TIMESTAMP,
    submitted_by TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    price_min BIGINT NOT NULL DEFAULT 0,
    price_max BIGINT NOT NULL DEFAULT 0,
    option1_name TEXT NOT NULL DEFAULT '',
    option2_name TEXT NOT NULL DEFAULT '',
    option3_name TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, handle),
    FOREIGN KEY (tenant_id, category_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX catalog_products_status ON catalog_products (tenant_id, status, id);
CREATE INDEX catalog_products_title ON catalog_products (tenant_id, title, id);
CREATE INDEX catalog_products_price ON catalog_products (tenant_id, price_min, id);
CREATE INDEX catalog_products_category ON catalog_products (tenant_id, category_id, id);

CREATE TABLE catalog_product_tags (
    tenant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (tenant_id, product_id, tag),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_product_tags_tag ON catalog_product_tags (tenant_id, tag, product_id);

CREATE TABLE catalog_variants (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    sku TEXT,
    barcode TEXT NOT NULL DEFAULT '',
    option1 TEXT NOT NULL DEFAULT '',
    option2 TEXT NOT NULL DEFAULT '',
    option3 TEXT NOT NULL DEFAULT '',
    price BIGINT NOT NULL CHECK (price >= 0),
    compare_at_price BIGINT CHECK (compare_at_price >= 0),
    cost BIGINT CHECK (cost >= 0),
    weight_grams INTEGER NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    length_mm INTEGER NOT NULL DEFAULT 0 CHECK (length_mm >= 0),
    width_mm INTEGER NOT NULL DEFAULT 0 CHECK (width_mm >= 0),
    height_mm INTEGER NOT NULL DEFAULT 0 CHECK (height_mm >= 0),
    allow_backorder BOOLEAN NOT NULL DEFAULT FALSE,
    safety_stock INTEGER NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
    requires_shipping BOOLEAN NOT NULL DEFAULT TRUE,
    taxable BOOLEAN NOT NULL DEFAULT TRUE,
    image_src TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sku),
    UNIQUE (tenant_id, product_id, option1, option2, option3),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_variants_product ON catalog_variants (tenant_id, product_id, position);
CREATE INDEX catalog_variants_barcode ON catalog_variants (tenant_id, barcode);

CREATE TABLE catalog_images (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    src TEXT NOT NULL DEFAULT '',
    blob_key TEXT NOT NULL DEFAULT '',
    alt TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    size_bytes BIGINT NOT NULL DEFAULT 0,
    renditions TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_images_product ON catalog_images (tenant_id, product_id, position);

CREATE TABLE catalog_slug_history (
    tenant_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    product_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, handle),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_slug_history_product ON catalog_slug_history (tenant_id, product_id);

CREATE TABLE catalog_review_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    publish_at TIMESTAMP,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_review_events_product ON catalog_review_events (tenant_id, product_id, id);

CREATE TABLE catalog_collections (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    handle TEXT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('manual', 'automatic')),
    match_all BOOLEAN NOT NULL DEFAULT TRUE,
    rules TEXT NOT NULL DEFAULT '[]',
    sort TEXT NOT NULL DEFAULT 'manual',
    seo_title TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    image_src TEXT NOT NULL DEFAULT '',
    published BOOLEAN NOT NULL DEFAULT TRUE,
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, handle)
);

CREATE TABLE catalog_collection_products (
    tenant_id TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, collection_id, product_id),
    FOREIGN KEY (tenant_id, collection_id) REFERENCES catalog_collections (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES catalog_products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX catalog_collection_products_product ON catalog_collection_products (tenant_id, product_id);
CREATE INDEX catalog_collection_products_pos ON catalog_collection_products (tenant_id, collection_id, position);
